// The write path's front half: validate, rate-limit, place each stream on the ring, send every
// replica its share in one bus request, and answer once each stream has a quorum of acks.
// A push is never a silent partial success: either every valid stream reached a quorum, or
// the client gets a 5xx and retries (replicas dedupe the retry's identical entries).

import type { Logger } from 'pino';
import type { Bus } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import type { Entry } from '../../core/model.js';
import type { DistributorConfig } from './config.js';
import type { LimitsConfig } from '../../core/limits.js';
import type { IngesterPushReply, IngesterPushRequest } from '../ingester/protocol.js';
import type { StreamPush } from '../ingester/tenant-streams.js';
import type { RingWatcher } from '../ring/ring-watcher.js';
import { tokenFor } from '../ring/tokens.js';
import type { PushService, PushStreamInput } from './api.js';
import type { DistributorMetrics } from './metrics.js';
import { IngestionRateLimiter } from './rate-limiter.js';
import { ValidationError, validateEntries, validateLabels } from './validation.js';
import { QuorumError, sendWithQuorum, type ReplicatedItem } from './quorum.js';

export interface DistributorDeps {
  readonly bus: Bus;
  readonly ring: RingWatcher;
  readonly limits: LimitsConfig;
  readonly config: DistributorConfig;
  readonly metrics: DistributorMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** Sizes count UTF-16 units, UTF-8 may take up to 3 bytes each: stay well under the bus limit. */
const PAYLOAD_HEADROOM = 0.3;

export class Distributor implements PushService {
  private readonly limiter: IngestionRateLimiter;
  private readonly now: () => number;

  constructor(private readonly deps: DistributorDeps) {
    this.now = deps.now ?? Date.now;
    this.limiter = new IngestionRateLimiter(deps.limits.ingestionRateBytes, deps.limits.ingestionBurstBytes, this.now);
  }

  async push(tenant: string, streams: readonly PushStreamInput[]): Promise<void> {
    const { limits, metrics } = this.deps;
    const nowMs = this.now();
    const errors: string[] = [];
    const valid: StreamPush[] = [];
    let lines = 0;
    let bytes = 0;

    for (const input of streams) {
      let stream;
      try {
        stream = validateLabels(input.labels, limits);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        errors.push(error.message);
        metrics.discardedLines.inc({ tenant, reason: 'invalid_labels' }, input.entries.length);
        continue;
      }
      const { accepted, errors: entryErrors } = validateEntries(input.entries, stream.labelString, limits, nowMs);
      if (entryErrors.length > 0) {
        errors.push(...entryErrors);
        metrics.discardedLines.inc({ tenant, reason: 'invalid_entry' }, entryErrors.length);
      }
      if (accepted.length === 0) continue;
      for (const entry of accepted) bytes += entry.line.length;
      lines += accepted.length;
      valid.push({ labelString: stream.labelString, labels: stream.labels, entries: accepted });
    }

    if (valid.length > 0) {
      try {
        this.limiter.take(tenant, lines, bytes);
      } catch (error) {
        metrics.discardedLines.inc({ tenant, reason: 'rate_limited' }, lines);
        throw error;
      }
      const rejections = await this.replicate(tenant, valid);
      errors.push(...rejections);
      metrics.linesReceived.inc({ tenant }, lines);
      metrics.bytesReceived.inc({ tenant }, bytes);
    }
    if (errors.length > 0) throw new ValidationError(errors.join('\n'));
  }

  /** Sends every stream to its replicas; resolves with replicas' refusals once all have a quorum. */
  private async replicate(tenant: string, streams: StreamPush[]): Promise<string[]> {
    const ring = this.deps.ring.ring;
    const nowMs = this.now();
    const budget = Math.floor(this.deps.bus.maxPayloadBytes * PAYLOAD_HEADROOM);
    const items: ReplicatedItem<StreamPush>[] = [];
    for (const stream of streams) {
      const set = ring.replicationSetFor(tokenFor(tenant, stream.labelString), nowMs);
      for (const part of splitStream(stream, budget)) {
        items.push({ value: part, replicas: set.members.map((member) => member.id), quorum: set.quorum });
      }
    }
    try {
      const replies = await sendWithQuorum(items, budget, (ingesterId, batch) => {
        const request: IngesterPushRequest = { tenant, streams: batch };
        return this.deps.bus.request<IngesterPushReply>(subjects.ingesterPush(ingesterId), request, {
          timeoutMs: this.deps.config.pushTimeoutMs,
        });
      }, sizeOfStream);
      const refusals = new Set<string>();
      for (const reply of replies) for (const error of reply.errors) refusals.add(error);
      return [...refusals];
    } catch (error) {
      if (error instanceof QuorumError) {
        this.deps.metrics.quorumFailures.inc({ tenant });
        this.deps.logger.warn({ err: error.cause, tenant }, error.message);
      }
      throw error;
    }
  }
}

function sizeOfStream(stream: StreamPush): number {
  let size = stream.labelString.length + 32;
  for (const entry of stream.entries) size += entry.line.length + 16;
  return size;
}

/** Parts of one stream, each under the payload budget, keeping entry order. */
function* splitStream(stream: StreamPush, budget: number): Generator<StreamPush> {
  if (sizeOfStream(stream) <= budget) {
    yield stream;
    return;
  }
  let part: Entry[] = [];
  let size = stream.labelString.length + 32;
  for (const entry of stream.entries) {
    const entrySize = entry.line.length + 16;
    if (part.length > 0 && size + entrySize > budget) {
      yield { ...stream, entries: part };
      part = [];
      size = stream.labelString.length + 32;
    }
    part.push(entry);
    size += entrySize;
  }
  if (part.length > 0) yield { ...stream, entries: part };
}
