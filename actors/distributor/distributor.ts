// The write path's front half: validate, rate-limit, place each stream on the ring, send every
// replica its share in one bus request, and answer once each stream has a quorum of acks.
// A push is never a silent partial success: either every valid stream reached a quorum, or
// the client gets a 5xx and retries (replicas dedupe the retry's identical entries).

import type { Logger } from 'pino';
import type { Bus } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import type { Entry } from '../../core/model.js';
import type { DistributorConfig } from './config.js';
import { limitsFor, type LimitsConfig } from '../../core/limits.js';
import type { EncodedIngesterPushRequest, IngesterPushReply, IngesterPushRequest, StreamPush } from '../ingester/protocol.js';
import { encodeStreamPart, joinEncodedPush } from '../ingester/protocol-codec.js';
import type { RingWatcher } from '../ring/ring-watcher.js';
import { tokenFor } from '../ring/tokens.js';
import type { PushService, PushStreamInput } from './api.js';
import type { DistributorMetrics } from './metrics.js';
import { IngestionRateLimiter } from './rate-limiter.js';
import { ValidationError, validateEntries, validateLabels, validateTenant } from './validation.js';
import { STREAM_LIMIT_PREFIX } from '../ingester/protocol.js';
import { NornError } from '../../core/errors.js';
import { QuorumError, sendWithQuorum, type ReplicatedItem } from './quorum.js';
import { discoverStream, withDetectedLevels } from './discovery.js';
import { PartialPushError } from './partial-push.js';
import { otlpToStreams } from './otlp.js';
import type { OtlpLogsRequest } from './otlp-api.js';

export interface DistributorDeps {
  readonly bus: Bus;
  readonly ring: RingWatcher;
  readonly limits: LimitsConfig;
  readonly config: DistributorConfig;
  readonly metrics: DistributorMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** Loki's 429 for a push that would create more active streams than the tenant may have. */
export class StreamLimitError extends NornError {
  constructor(message: string) {
    super('STREAM_LIMIT', message);
  }
}

/** Sizes count UTF-16 units, UTF-8 may take up to 3 bytes each: stay well under the bus limit. */
const PAYLOAD_HEADROOM = 0.3;

export class Distributor implements PushService {
  private readonly limiter: IngestionRateLimiter;
  private readonly now: () => number;

  constructor(private readonly deps: DistributorDeps) {
    this.now = deps.now ?? Date.now;
    // Each tenant's own rate and burst, read at every push: a runtime override applies at once.
    this.limiter = new IngestionRateLimiter((tenant) => {
      const limits = limitsFor(deps.limits, tenant);
      return { rateBytes: limits.ingestionRateBytes, burstBytes: limits.ingestionBurstBytes };
    }, this.now);
  }

  async push(tenant: string, streams: readonly PushStreamInput[]): Promise<void> {
    const { limits, metrics } = this.deps;
    // Every door comes through here: a tenant no storage key may hold never gets in.
    validateTenant(tenant);
    const nowMs = this.now();
    const errors: string[] = [];
    const valid: StreamPush[] = [];
    let lines = 0;
    let bytes = 0;
    let rejected = 0;
    // Every limit below is the tenant's own (runtime overrides included).
    const tenantLimits = limitsFor(limits, tenant);

    for (const input of streams) {
      let stream;
      try {
        stream = validateLabels(input.labels, tenantLimits);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        errors.push(error.message);
        rejected += input.entries.length;
        metrics.discardedLines.inc({ tenant, reason: 'invalid_labels' }, input.entries.length);
        continue;
      }
      stream = discoverStream(stream, tenantLimits);
      const entries = withDetectedLevels(stream.labels, input.entries, tenantLimits);
      const { accepted, errors: entryErrors, bytes: acceptedBytes } = validateEntries(entries, stream.labelString, tenantLimits, nowMs);
      if (entryErrors.length > 0) {
        errors.push(...entryErrors);
        rejected += entryErrors.length;
        metrics.discardedLines.inc({ tenant, reason: 'invalid_entry' }, entryErrors.length);
      }
      if (accepted.length === 0) continue;
      // Structured metadata counts against the rate as the line does (Loki's EntryTotalSize).
      bytes += acceptedBytes;
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
      rejected += rejections.length;
      metrics.linesReceived.inc({ tenant }, lines);
      metrics.bytesReceived.inc({ tenant }, bytes);
    }
    if (errors.length > 0) {
      // The stream limit is 429 in Loki, which Promtail and Alloy retry; a 400 would drop the batch.
      if (errors.some((error) => error.startsWith(STREAM_LIMIT_PREFIX))) throw new StreamLimitError(errors.join('\n'));
      throw new PartialPushError(errors.join('\n'), rejected);
    }
  }

  pushOtlp(tenant: string, request: OtlpLogsRequest): Promise<void> {
    const nowNs = BigInt(this.now()) * 1_000_000n;
    return this.push(tenant, otlpToStreams(request, limitsFor(this.deps.limits, tenant), nowNs));
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
    // Across processes each stream is encoded once, and every replica's request joins the parts
    // (a copy, not a re-encoding); in one process the streams go by reference.
    const parts = this.deps.bus.sharesPayloads === true ? undefined : new Map<StreamPush, Buffer>();
    const partOf = (stream: StreamPush, parts: Map<StreamPush, Buffer>): Buffer => {
      let part = parts.get(stream);
      if (part === undefined) {
        part = encodeStreamPart(stream);
        parts.set(stream, part);
      }
      return part;
    };
    try {
      const replies = await sendWithQuorum(items, budget, (ingesterId, batch) => {
        const request: IngesterPushRequest | EncodedIngesterPushRequest =
          parts === undefined ? { tenant, streams: batch } : { tenant, encoded: joinEncodedPush(tenant, batch.map((stream) => partOf(stream, parts))) };
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

function sizeOfEntry(entry: Entry): number {
  let size = entry.line.length + 16;
  if (entry.metadata !== undefined) for (const { name, value } of entry.metadata) size += name.length + value.length + 8;
  return size;
}

function sizeOfStream(stream: StreamPush): number {
  let size = stream.labelString.length + 32;
  for (const entry of stream.entries) size += sizeOfEntry(entry);
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
    const entrySize = sizeOfEntry(entry);
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
