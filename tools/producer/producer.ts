// NornProducer: publishes log lines into Norn's durable producer stream on JetStream. Lines are
// batched per tenant; `publish()` resolves once the stream has stored the batch holding the line
// (from then on the line survives any gateway being down), and waits when too many batches are
// in flight, so a producer faster than the stream slows down instead of piling up memory.
// Every batch carries a `Nats-Msg-Id`, so a batch retried after a lost acknowledgement is stored
// once.

import { randomUUID } from 'node:crypto';
import { connectNatsBus, type NatsBus } from '../../bus/mod.js';
import { subjects } from '../../bus/subjects.js';

export interface ProducerEntry {
  /** Nanoseconds since the epoch. */
  readonly ts: bigint;
  readonly line: string;
  /** Structured metadata. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ProducerStream {
  /** `{app="x"}` or a label map. */
  readonly labels: string | Readonly<Record<string, string>>;
  readonly entries: readonly ProducerEntry[];
}

export interface NornProducerOptions {
  /** NATS server URL(s). */
  readonly servers: string | readonly string[];
  /** Tenant of `publish()` calls that name none; `fake` as on a single-tenant Norn. */
  readonly tenant?: string;
  /** A batch is sent once it holds this many bytes of lines (default 1 MiB). */
  readonly batchBytes?: number;
  /** ...or once its first line has waited this long (default 200 ms). */
  readonly batchWaitMs?: number;
  /** Batches awaiting the stream's acknowledgement before `publish()` waits (default 16). */
  readonly maxInFlight?: number;
  /** Attempts per batch before its lines' promises reject (default 10). */
  readonly maxAttempts?: number;
  readonly name?: string;
}

interface Batch {
  readonly tenant: string;
  readonly streams: Map<string, { labels: ProducerStream['labels']; entries: ProducerEntry[] }>;
  bytes: number;
  readonly waiters: { resolve(): void; reject(error: unknown): void }[];
  timer: NodeJS.Timeout | undefined;
}

export class NornProducerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NornProducerError';
  }
}

export class NornProducer {
  private readonly batches = new Map<string, Batch>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly id = randomUUID();
  private sequence = 0;
  private closed = false;

  private constructor(
    private readonly bus: NatsBus,
    private readonly options: Required<Omit<NornProducerOptions, 'servers' | 'name'>>,
  ) {}

  static async connect(options: NornProducerOptions): Promise<NornProducer> {
    const servers = typeof options.servers === 'string' ? options.servers : options.servers.join(',');
    const bus = await connectNatsBus({ servers, name: options.name ?? 'norn-producer' });
    return new NornProducer(bus, {
      tenant: options.tenant ?? 'fake',
      batchBytes: options.batchBytes ?? 1024 * 1024,
      batchWaitMs: options.batchWaitMs ?? 200,
      maxInFlight: options.maxInFlight ?? 16,
      maxAttempts: options.maxAttempts ?? 10,
    });
  }

  /** Queues the streams' lines; resolves once the stream has stored them. */
  async publish(streams: ProducerStream | readonly ProducerStream[], tenant = this.options.tenant): Promise<void> {
    if (this.closed) throw new NornProducerError('producer is closed');
    while (this.inFlight.size >= this.options.maxInFlight) await Promise.race(this.inFlight);
    const batch = this.batchFor(tenant);
    for (const stream of Array.isArray(streams) ? streams : [streams as ProducerStream]) {
      const key = typeof stream.labels === 'string' ? stream.labels : JSON.stringify(Object.entries(stream.labels).sort());
      let target = batch.streams.get(key);
      if (target === undefined) batch.streams.set(key, (target = { labels: stream.labels, entries: [] }));
      for (const entry of stream.entries) {
        target.entries.push(entry);
        batch.bytes += Buffer.byteLength(entry.line) + 16;
      }
    }
    const stored = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (batch.bytes >= this.options.batchBytes) this.send(batch);
    return stored;
  }

  /** Sends every open batch now and waits for all in flight. */
  async flush(): Promise<void> {
    for (const batch of [...this.batches.values()]) this.send(batch);
    await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.bus.close();
  }

  private batchFor(tenant: string): Batch {
    let batch = this.batches.get(tenant);
    if (batch === undefined) {
      batch = { tenant, streams: new Map(), bytes: 0, waiters: [], timer: undefined };
      this.batches.set(tenant, batch);
      const open = batch;
      batch.timer = setTimeout(() => this.send(open), this.options.batchWaitMs);
    }
    return batch;
  }

  private send(batch: Batch): void {
    if (this.batches.get(batch.tenant) !== batch) return;
    this.batches.delete(batch.tenant);
    clearTimeout(batch.timer);
    const payload = {
      streams: [...batch.streams.values()].map((stream) => ({
        labels: stream.labels,
        entries: stream.entries.map((entry) => (entry.metadata === undefined ? { ts: entry.ts, line: entry.line } : { ts: entry.ts, line: entry.line, metadata: entry.metadata })),
      })),
    };
    const msgId = `${this.id}-${++this.sequence}`;
    const work = this.publishWithRetries(subjects.pushFromProducer(batch.tenant), payload, msgId).then(
      () => batch.waiters.forEach((waiter) => waiter.resolve()),
      (error: unknown) => batch.waiters.forEach((waiter) => waiter.reject(error)),
    );
    const tracked = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async publishWithRetries(subject: string, payload: unknown, msgId: string): Promise<void> {
    let delay = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.bus.publishDurable(subject, payload, { msgId, timeoutMs: 10_000 });
        return;
      } catch (cause) {
        if (attempt >= this.options.maxAttempts) {
          throw new NornProducerError(`batch ${msgId} was not stored after ${attempt} attempts: ${(cause as Error).message}`, { cause });
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(5_000, delay * 2);
      }
    }
  }
}
