// The in-process transport: the embedded default for `--target all`. It keeps NATS's semantics
// (wildcards, queue groups, no-responders, timeouts) and by default sends every payload through
// the codec, so code that works here works on the wire: no shared mutable objects, the same
// payload errors. A single process whose actors never mutate what they send may turn the copy
// off (`copyPayloads: false`) and save an encode and a decode per message; the contract suite
// runs both ways.

import type {
  Bus,
  BusMessage,
  KvOptions,
  KvStore,
  KvWatch,
  RequestHandler,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './bus.js';
import { decode, encode } from './codec.js';
import { BusError, BusTimeoutError, NoRespondersError } from './errors.js';
import { closeQuietly, describeThrown, isAsyncIterable, toRemoteError, unexpectedStream } from './handler-result.js';
import { assertBucketName } from './kv-names.js';
import { silentLogger, type BusLogger } from './logger.js';
import { MemoryBroker, SharedValue, type BrokerMessage, type Payload, type ReplyOutcome, type ReplyPort } from './memory-broker.js';
import { MemoryKvStore } from './memory-kv.js';
import { assertValidSubject } from './subject-match.js';

export interface MemoryBusOptions {
  /** The shared in-process server; buses on one broker see each other. Default: a private one. */
  readonly broker?: MemoryBroker;
  readonly logger?: BusLogger;
  /** How long `close()` waits for running handlers and unfinished streams (default 10 s). */
  readonly closeTimeoutMs?: number;
  /** Encode and decode every payload, as the wire does (default true). */
  readonly copyPayloads?: boolean;
}

const TIMED_OUT = Symbol('timed out');

export class MemoryBus implements Bus {
  readonly broker: MemoryBroker;
  readonly maxPayloadBytes: number;
  private readonly logger: BusLogger;
  private readonly closeTimeoutMs: number;
  private readonly copyPayloads: boolean;
  private closed = false;
  private readonly subscriptions = new Set<Subscription>();
  private readonly watches = new Set<KvWatch>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: MemoryBusOptions = {}) {
    this.broker = options.broker ?? new MemoryBroker();
    this.maxPayloadBytes = this.broker.maxPayloadBytes;
    this.logger = options.logger ?? silentLogger;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.copyPayloads = options.copyPayloads ?? true;
  }

  private pack(value: unknown): Payload {
    return this.copyPayloads ? encode(value, this.maxPayloadBytes) : new SharedValue(value);
  }

  private unpack<T>(payload: Payload): T {
    return (payload instanceof SharedValue ? payload.value : decode<T>(payload)) as T;
  }

  get connected(): boolean {
    return !this.closed;
  }

  get sharesPayloads(): boolean {
    return !this.copyPayloads;
  }

  publish(subject: string, data: unknown): void {
    this.ensureOpen();
    assertValidSubject(subject, { wildcards: false });
    this.broker.route(subject, this.pack(data));
  }

  subscribe<T = unknown>(
    subject: string,
    handler: (message: BusMessage<T>) => void,
    options?: SubscribeOptions,
  ): Subscription {
    return this.register(subject, options, (message) => {
      try {
        handler({ subject: message.subject, data: this.unpack<T>(message.payload) });
      } catch (error) {
        this.logger.error({ err: error, subject: message.subject }, 'bus subscriber failed');
      }
    });
  }

  handle<Req = unknown, Res = unknown>(
    subject: string,
    handler: RequestHandler<Req, Res>,
    options?: SubscribeOptions,
  ): Subscription {
    return this.register(subject, options, (message) => {
      const work = this.serve(message, handler as RequestHandler);
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    });
  }

  async request<Res = unknown>(subject: string, data: unknown, options: RequestOptions): Promise<Res> {
    const outcome = await this.exchange(subject, data, false, options.timeoutMs);
    if (outcome.kind === 'value') return this.unpack<Res>(outcome.payload);
    if (outcome.kind === 'error') throw toRemoteError(subject, outcome.error);
    void closeQuietly(outcome.items);
    throw toRemoteError(subject, unexpectedStream(subject));
  }

  async *requestStream<Res = unknown>(subject: string, data: unknown, options: RequestOptions): AsyncGenerator<Res> {
    const { timeoutMs } = options;
    const outcome = await this.exchange(subject, data, true, timeoutMs);
    if (outcome.kind === 'value') {
      yield this.unpack<Res>(outcome.payload);
      return;
    }
    if (outcome.kind === 'error') throw toRemoteError(subject, outcome.error);
    const items = outcome.items;
    let finished = false;
    try {
      for (;;) {
        let step: IteratorResult<unknown> | typeof TIMED_OUT;
        try {
          step = await nextWithin(items, timeoutMs);
        } catch (error) {
          finished = true; // the handler's iterator threw, so it is already done
          throw toRemoteError(subject, describeThrown(error));
        }
        if (step === TIMED_OUT) throw new BusTimeoutError(subject, timeoutMs);
        if (step.done === true) {
          finished = true;
          return;
        }
        let payload: Payload;
        try {
          payload = this.pack(step.value);
        } catch (error) {
          throw toRemoteError(subject, describeThrown(error)); // as the sending side would report it
        }
        yield this.unpack<Res>(payload);
      }
    } finally {
      if (!finished) void closeQuietly(items);
    }
  }

  async kv(bucket: string, options: KvOptions = {}): Promise<KvStore> {
    this.ensureOpen();
    assertBucketName(bucket);
    return new MemoryKvStore(this.broker.bucket(bucket, options.ttlMs ?? 0), {
      maxPayloadBytes: this.maxPayloadBytes,
      logger: this.logger,
      ensureOpen: () => this.ensureOpen(),
      track: (watch) => {
        this.watches.add(watch);
        return () => this.watches.delete(watch);
      },
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of [...this.subscriptions]) subscription.unsubscribe();
    for (const watch of [...this.watches]) watch.stop();
    const deadline = Date.now() + this.closeTimeoutMs;
    while (this.inFlight.size > 0) {
      // A stream stays in flight until its requester finishes it; one that never does must not
      // keep the process from shutting down.
      const left = deadline - Date.now();
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, Math.max(0, left), 'timeout').unref());
      if ((await Promise.race([Promise.allSettled([...this.inFlight]), timeout])) === 'timeout') {
        this.logger.warn({ inFlight: this.inFlight.size }, 'in-process bus closed with handlers still running');
        return;
      }
    }
  }

  private register(subject: string, options: SubscribeOptions | undefined, deliver: (m: BrokerMessage) => void): Subscription {
    this.ensureOpen();
    assertValidSubject(subject, { wildcards: true });
    let active = true;
    const remove = this.broker.add({
      pattern: subject,
      queue: options?.queue,
      deliver: (message) => {
        if (active) deliver(message);
      },
    });
    const subscription: Subscription = {
      unsubscribe: () => {
        active = false;
        remove();
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Sends a request and waits for the first answer of any receiver. */
  private async exchange(subject: string, data: unknown, wantsStream: boolean, timeoutMs: number): Promise<ReplyOutcome> {
    this.ensureOpen();
    assertValidSubject(subject, { wildcards: false });
    const payload = this.pack(data);
    return new Promise<ReplyOutcome>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new BusTimeoutError(subject, timeoutMs));
      }, timeoutMs);
      const reply: ReplyPort = {
        wantsStream,
        send: (outcome) => {
          if (settled) {
            if (outcome.kind === 'stream') void closeQuietly(outcome.items);
            return;
          }
          settled = true;
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      if (this.broker.route(subject, payload, reply) === 0) {
        settled = true;
        clearTimeout(timer);
        reject(new NoRespondersError(subject));
      }
    });
  }

  private async serve(message: BrokerMessage, handler: RequestHandler): Promise<void> {
    const { reply } = message;
    let result: unknown;
    try {
      result = await handler(this.unpack(message.payload), message.subject);
    } catch (error) {
      this.logger.debug({ err: error, subject: message.subject }, 'bus handler failed');
      reply?.send({ kind: 'error', error: describeThrown(error) });
      return;
    }
    if (isAsyncIterable(result)) {
      const items = result[Symbol.asyncIterator]();
      if (reply === undefined || !reply.wantsStream) {
        void closeQuietly(items);
        reply?.send({ kind: 'error', error: unexpectedStream(message.subject) });
        return;
      }
      // The requester pulls the items; this handler stays in flight until the stream ends.
      await new Promise<void>((done) => reply.send({ kind: 'stream', items: watchEnd(items, done) }));
      return;
    }
    if (reply === undefined) return;
    try {
      reply.send({ kind: 'value', payload: this.pack(result) });
    } catch (error) {
      reply.send({ kind: 'error', error: describeThrown(error) });
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new BusError('BUS_CLOSED', 'the bus is closed');
  }
}

function nextWithin<T>(items: AsyncIterator<T>, timeoutMs: number): Promise<IteratorResult<T> | typeof TIMED_OUT> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
    items.next().then(
      (step) => {
        clearTimeout(timer);
        resolve(step);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Wraps an iterator to call `done` once it finishes, fails or is closed. */
function watchEnd<T>(items: AsyncIterator<T>, done: () => void): AsyncIterator<T> {
  return {
    next: async () => {
      try {
        const step = await items.next();
        if (step.done === true) done();
        return step;
      } catch (error) {
        done();
        throw error;
      }
    },
    return: async (value?: unknown) => {
      try {
        return (await items.return?.(value)) ?? { done: true, value: undefined };
      } finally {
        done();
      }
    },
  };
}
