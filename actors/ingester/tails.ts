// Live tails on an ingester: each accepted line is matched against the tenant's tails as it is
// appended and published at once to the gateway that tails, so a tail sees every line the
// ingester accepts, whatever its timestamp (a shipper catching up included), as Loki's ingesters
// push to their tailers. Tails expire unless renewed, so a gateway that died costs nothing for
// long; tenants without a tail cost one map lookup per push.

import type { Logger } from 'pino';
import type { Bus } from '../../bus/bus.js';
import type { Entry, Labels } from '../../core/model.js';
import { compileLogSelector, emptyStats, matchesLabels, selectLogsFromStreams, type LogSelectorPlan } from '../../logql/mod.js';
import type { IngesterTailReply, IngesterTailRequest, TailFrame } from './protocol.js';
import type { StreamResult } from '../../logql/types.js';

/** The most tails one ingester serves; past it a subscribe is refused (Loki caps tails per querier). */
export const MAX_TAILS_PER_INGESTER = 1_000;

interface ActiveTail {
  readonly id: string;
  readonly tenant: string;
  readonly plan: LogSelectorPlan;
  readonly subject: string;
  expiresAtMs: number;
}

/** Entries of one stream that one push appended. */
export interface AcceptedStream {
  readonly labels: Labels;
  readonly entries: readonly Entry[];
}

export class IngesterTails {
  private readonly byTenant = new Map<string, Map<string, ActiveTail>>();
  private readonly byId = new Map<string, ActiveTail>();

  constructor(
    private readonly ingesterId: string,
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** Subscribe (or renew) and unsubscribe, as the tailing gateway asks. */
  handle(request: IngesterTailRequest): IngesterTailReply {
    if (request.kind === 'unsubscribe') {
      this.remove(request.id);
      return { tails: this.byId.size };
    }
    const known = this.byId.get(request.id);
    const expiresAtMs = this.now() + request.ttlMs;
    if (known !== undefined) {
      known.expiresAtMs = expiresAtMs;
      return { tails: this.byId.size };
    }
    if (this.byId.size >= MAX_TAILS_PER_INGESTER) {
      this.expire();
      if (this.byId.size >= MAX_TAILS_PER_INGESTER) throw new Error(`ingester ${this.ingesterId} serves ${MAX_TAILS_PER_INGESTER} tails already`);
    }
    const tail: ActiveTail = { id: request.id, tenant: request.tenant, plan: compileLogSelector(request.query), subject: request.subject, expiresAtMs };
    this.byId.set(tail.id, tail);
    let tails = this.byTenant.get(tail.tenant);
    if (tails === undefined) this.byTenant.set(tail.tenant, (tails = new Map()));
    tails.set(tail.id, tail);
    return { tails: this.byId.size };
  }

  /** Whether a push for `tenant` needs its accepted entries collected. */
  wants(tenant: string): boolean {
    return this.byTenant.has(tenant);
  }

  /** Sends each of the tenant's tails what it selects of a push's accepted entries. */
  deliver(tenant: string, accepted: readonly AcceptedStream[]): void {
    const tails = this.byTenant.get(tenant);
    if (tails === undefined || accepted.length === 0) return;
    const nowMs = this.now();
    for (const tail of [...tails.values()]) {
      if (tail.expiresAtMs <= nowMs) {
        this.remove(tail.id);
        continue;
      }
      try {
        for (const streams of framesUnder(this.select(tail, accepted), Math.floor(this.bus.maxPayloadBytes / 2))) {
          this.bus.publish(tail.subject, { ingester: this.ingesterId, streams } satisfies TailFrame);
        }
      } catch (error) {
        // A tail whose pipeline fails on these lines loses them; the push it rides on never fails.
        this.logger.warn({ err: error, tail: tail.id, tenant }, 'tail could not select pushed lines');
      }
    }
  }

  /** Drops tails whose gateway stopped renewing them. */
  expire(): void {
    const nowMs = this.now();
    for (const tail of [...this.byId.values()]) if (tail.expiresAtMs <= nowMs) this.remove(tail.id);
  }

  get size(): number {
    return this.byId.size;
  }

  private select(tail: ActiveTail, accepted: readonly AcceptedStream[]): StreamResult[] {
    const inputs: AcceptedStream[] = [];
    let count = 0;
    let start: bigint | undefined;
    let end: bigint | undefined;
    for (const stream of accepted) {
      if (!matchesLabels(tail.plan.matchers, stream.labels)) continue;
      inputs.push(stream);
      count += stream.entries.length;
      for (const entry of stream.entries) {
        if (start === undefined || entry.ts < start) start = entry.ts;
        if (end === undefined || entry.ts >= end) end = entry.ts + 1n;
      }
    }
    if (count === 0 || start === undefined || end === undefined) return [];
    return selectLogsFromStreams(inputs, tail.plan, { start, end, direction: 'forward', limit: count }, emptyStats());
  }

  private remove(id: string): void {
    const tail = this.byId.get(id);
    if (tail === undefined) return;
    this.byId.delete(id);
    const tails = this.byTenant.get(tail.tenant);
    tails?.delete(id);
    if (tails?.size === 0) this.byTenant.delete(tail.tenant);
  }
}

/** Streams cut into frames of at most about `budget` bytes each (a stream may span frames). */
export function* framesUnder(streams: readonly StreamResult[], budget: number): Generator<StreamResult[]> {
  let frame: StreamResult[] = [];
  let size = 0;
  for (const stream of streams) {
    let labelBytes = 16;
    for (const { name, value } of stream.labels) labelBytes += name.length + value.length + 8;
    let part: Entry[] = [];
    for (const entry of stream.entries) {
      const bytes = Buffer.byteLength(entry.line, 'utf8') + 24 + metadataBytes(entry);
      if (size + labelBytes + bytes > budget && (part.length > 0 || frame.length > 0)) {
        if (part.length > 0) frame.push({ labels: stream.labels, entries: part });
        yield frame;
        frame = [];
        part = [];
        size = 0;
      }
      if (part.length === 0) size += labelBytes;
      part.push(entry);
      size += bytes;
    }
    if (part.length > 0) frame.push({ labels: stream.labels, entries: part });
  }
  if (frame.length > 0) yield frame;
}

function metadataBytes(entry: Entry): number {
  let bytes = 0;
  for (const { name, value } of entry.metadata ?? []) bytes += name.length + value.length + 8;
  return bytes;
}
