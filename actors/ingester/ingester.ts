// The ingester actor: holds recent streams in memory, answers pushes and queries on its bus
// subjects, and flushes chunks to object storage. Its place in the ring is driven by the
// lifecycle machine (lifecycle.ts); this class is what that machine acts on.

import type { Logger } from 'pino';
import type { Bus, Subscription } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import type { IngesterConfig } from './config.js';
import type { LimitsConfig } from '../../core/limits.js';
import { Flusher, type FlushTarget } from './flusher.js';
import type { IngesterMetrics } from './metrics.js';
import type {
  EncodedIngesterPushRequest,
  IngesterControlRequest,
  IngesterPushReply,
  IngesterPushRequest,
  IngesterQueryFrame,
  IngesterQueryRequest,
  IngesterTailReply,
  IngesterTailRequest,
} from './protocol.js';
import { IngesterTails, type AcceptedStream } from './tails.js';
import { answerQuery, type MemoryStreams } from './reads.js';
import type { PatternMiner } from './patterns/miner.js';
import { answerPatterns } from './patterns/reads.js';
import { TenantStreams } from './tenant-streams.js';
import { decodePush, PushPayloadError } from './protocol-codec.js';
import { encodeRequestRecord, entryCount, RECORD_HEADER_BYTES } from './wal/record-format.js';
import type { IngesterStream } from './stream.js';
import { NornError } from '../../core/errors.js';
import { sharedCompressPool, type MemChunkOptions } from '../../storage/chunk/mod.js';

/** Durable log of accepted pushes; the ingester writes to it before it acknowledges. */
export interface PushLog {
  /** `encoded`: the request's binary form when it arrived as one, logged without re-encoding. */
  append(request: IngesterPushRequest, encoded?: Uint8Array): Promise<void>;
  /** `append` for a record the caller framed with `encodeRequestRecord`; it must not change after. */
  appendRecord?(record: Buffer): Promise<void>;
}

export interface IngesterDeps {
  readonly id: string;
  readonly bus: Bus;
  readonly config: IngesterConfig;
  readonly limits: LimitsConfig;
  readonly flushTarget: FlushTarget;
  readonly metrics: IngesterMetrics;
  readonly logger: Logger;
  readonly wal?: PushLog;
  /** Where accepted lines are mined for patterns; the module picks the thread, inline or none. */
  readonly patterns: PatternMiner;
  readonly now?: () => number;
}

export class IngesterError extends NornError {
  constructor(code: 'INGESTER_NOT_WRITABLE' | 'INGESTER_STOPPED', message: string) {
    super(code, message);
  }
}

export class Ingester {
  readonly id: string;
  readonly tenants = new Map<string, TenantStreams>();
  readonly flusher: Flusher;
  /** Drain miners over recent lines, for Loki's `patterns` endpoint. */
  readonly patterns: PatternMiner;
  /** Live tails: accepted lines go to the gateways that tail them as they are appended. */
  readonly tails: IngesterTails;
  /** Set by the lifecycle: whether pushes are taken now (JOINING, ACTIVE). */
  acceptingWrites = false;
  private readonly subscriptions: Subscription[] = [];
  private inFlightPushes = 0;
  private drainWaiters: Array<() => void> = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  /** Cut blocks compress on the process's compression threads: the push thread only serializes them. */
  private readonly chunkOptions: MemChunkOptions;

  constructor(private readonly deps: IngesterDeps) {
    this.id = deps.id;
    this.chunkOptions = {
      compressor: sharedCompressPool(),
      onCompressionError: (error) => {
        deps.metrics.blockCompressionFailures.inc();
        deps.logger.warn({ err: error }, error.message);
      },
    };
    this.now = deps.now ?? Date.now;
    this.patterns = deps.patterns;
    this.tails = new IngesterTails(deps.id, deps.bus, deps.logger, this.now);
    this.flusher = new Flusher(deps.flushTarget, deps.config, deps.metrics, deps.logger, this.now);
  }

  /** Starts answering on the bus and sweeping for flushes. */
  start(): void {
    const { bus } = this.deps;
    this.subscriptions.push(
      bus.handle<IngesterPushRequest | EncodedIngesterPushRequest, IngesterPushReply>(subjects.ingesterPush(this.id), (request) => this.push(request)),
      bus.handle<IngesterQueryRequest, IngesterQueryFrame>(subjects.ingesterQuery(this.id), (request) =>
        request.kind === 'patterns'
          ? answerPatterns(this.patterns, request.params, bus.maxPayloadBytes)
          : answerQuery(this.memory, request, this.deps.metrics),
      ),
      bus.handle<IngesterTailRequest, IngesterTailReply>(subjects.ingesterTail(this.id), (request) => this.tails.handle(request)),
      bus.handle<IngesterControlRequest, { flushed: number }>(subjects.ingesterControl(this.id), async (request) => {
        if (request.kind === 'flush') return { flushed: await this.flushAll() };
        return { flushed: 0 };
      }),
    );
    this.sweepTimer = setInterval(() => this.sweep(), this.deps.config.flushCheckMs);
    this.sweepTimer.unref();
  }

  async push(message: IngesterPushRequest | EncodedIngesterPushRequest): Promise<IngesterPushReply> {
    if (!this.acceptingWrites) {
      throw new IngesterError('INGESTER_NOT_WRITABLE', `ingester ${this.id} is not accepting writes`);
    }
    // The binary form is decoded once, here; the WAL logs its bytes as they came.
    const encoded = 'encoded' in message ? message.encoded : undefined;
    const request = encoded !== undefined ? decodePush(encoded) : (message as IngesterPushRequest);
    if (request.tenant !== message.tenant) {
      throw new PushPayloadError(`encoded push is for tenant ${request.tenant}, the message for ${message.tenant}`);
    }
    this.inFlightPushes++;
    try {
      // One binary form serves the WAL and the mining thread, which takes it whole instead of a
      // clone of every line; without a WAL to pay for encoding, lines go to it as they are.
      const { wal, patterns } = this.deps;
      const record = encoded === undefined && wal?.appendRecord !== undefined && patterns.observePush !== undefined ? encodeRequestRecord(request) : undefined;
      // The WAL comes first: an acknowledged line must survive a crash of this process.
      if (record !== undefined) await wal!.appendRecord!(record);
      else await wal?.append(request, encoded);
      const accepted: AcceptedStream[] | undefined = this.tails.wants(request.tenant) ? [] : undefined;
      const errors = this.apply(request, accepted);
      if (accepted !== undefined) this.tails.deliver(request.tenant, accepted);
      // The record is written and nothing reads it again: its memory goes to the thread as it is.
      if (record !== undefined) patterns.observePush!(record.subarray(RECORD_HEADER_BYTES), entryCount(request), true);
      else if (encoded !== undefined && patterns.observePush !== undefined) patterns.observePush(encoded, entryCount(request), false);
      else for (const stream of request.streams) patterns.observe(request.tenant, stream.labelString, stream.labels, stream.entries);
      return { errors };
    } finally {
      if (--this.inFlightPushes === 0) {
        const waiters = this.drainWaiters;
        this.drainWaiters = [];
        for (const resolve of waiters) resolve();
      }
    }
  }

  /** Resolves when no push is between its WAL write and its memory append. */
  drainWrites(): Promise<void> {
    if (this.inFlightPushes === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Appends to memory without the WAL: for replay and handoff, whose data is already durable. */
  apply(request: IngesterPushRequest, accepted?: AcceptedStream[]): string[] {
    const tenant = this.tenantFor(request.tenant);
    const result = tenant.push(request.streams, this.now(), accepted);
    const { metrics } = this.deps;
    metrics.linesIngested.inc({ tenant: request.tenant }, result.appended);
    metrics.bytesIngested.inc({ tenant: request.tenant }, result.bytes);
    if (result.createdStreams > 0) metrics.streams.set({ tenant: request.tenant }, tenant.streams.size);
    if (result.errors.length > 0) {
      let total = 0;
      for (const stream of request.streams) total += stream.entries.length;
      metrics.linesRejected.inc({ tenant: request.tenant }, Math.max(0, total - result.appended));
    }
    return result.errors;
  }

  tenantFor(tenant: string): TenantStreams {
    let streams = this.tenants.get(tenant);
    if (streams === undefined) {
      streams = new TenantStreams(tenant, this.deps.config, this.deps.limits, this.chunkOptions);
      this.tenants.set(tenant, streams);
    }
    return streams;
  }

  /** One tenant's streams in memory. */
  *streamsOf(tenant: string): Generator<IngesterStream> {
    const streams = this.tenants.get(tenant)?.streams;
    if (streams !== undefined) yield* streams.values();
  }

  /** What reads see of this ingester. */
  private get memory(): MemoryStreams {
    const { bus } = this.deps;
    return { streamsOf: (tenant) => this.streamsOf(tenant), get maxPayloadBytes() { return bus.maxPayloadBytes; } };
  }

  *allStreams(): Generator<IngesterStream> {
    for (const tenant of this.tenants.values()) yield* tenant.streams.values();
  }

  /** Flushes every unflushed chunk and waits for storage to take them; returns how many. */
  async flushAll(): Promise<number> {
    const queued = this.flusher.sweep(this.allStreams(), true);
    await this.flusher.idle();
    return queued;
  }

  get unflushedEntries(): number {
    let count = 0;
    for (const stream of this.allStreams()) count += stream.unflushedEntries;
    return count;
  }

  /** Stops answering on the bus; memory stays for a final flush or handoff. */
  async stop(): Promise<void> {
    this.acceptingWrites = false;
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
  }

  private sweep(): void {
    this.flusher.sweep(this.allStreams());
    this.tails.expire();
    const now = this.now();
    let chunks = 0;
    for (const [name, tenant] of this.tenants) {
      for (const stream of tenant.streams.values()) {
        stream.dropRetired(now);
        chunks += stream.chunkCount;
      }
      if (tenant.dropEmpty() > 0) this.deps.metrics.streams.set({ tenant: name }, tenant.streams.size);
    }
    this.deps.metrics.memoryChunks.set(chunks);
  }
}
