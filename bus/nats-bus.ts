// The NATS transport: a thin adapter from the Bus interface to @nats-io/transport-node, with
// KV buckets from @nats-io/kv. It reconnects forever (a bounded wait between attempts), so a
// restarted nats-server is a pause, not a failure; `connected` follows the client's status.

import { openDurableQueue, publishDurable, type DurableQueue, type DurableQueueOptions } from './durable-queue.js';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { Msg, NatsConnection, Subscription as NatsSubscription } from '@nats-io/transport-node';
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
import { DEFAULT_MAX_PAYLOAD_BYTES, decode, encode } from './codec.js';
import { BusError, BusTimeoutError } from './errors.js';
import {
  closeQuietly,
  describeThrown,
  isAsyncIterable,
  toRemoteError,
  unexpectedStream,
  type ThrownErrorInfo,
} from './handler-result.js';
import { assertBucketName } from './kv-names.js';
import type { BusLogger } from './logger.js';
import { fromKvError, fromPublishError, fromRequestError } from './nats-errors.js';
import { FRAME, errorHeaders, errorInfoOf, frameOf } from './nats-frames.js';
import { NatsKvStore } from './nats-kv.js';
import { isStreamRequest, requestStream, serveStream, type StreamContext } from './nats-stream.js';
import { assertValidSubject } from './subject-match.js';

export class NatsBus implements Bus {
  private isConnected = true;
  private closed = false;
  private knownMaxPayload: number;
  private readonly logger: BusLogger;
  private readonly closeTimeoutMs: number;
  private readonly kvTimeoutMs: number;
  private readonly subscriptions = new Set<Subscription>();
  private readonly watches = new Set<KvWatch>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly connectedWaiters = new Set<() => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private readonly js: JetStreamClient;
  private readonly kvm: Kvm;
  private readonly streams: StreamContext;

  constructor(
    /** The underlying client, for what the Bus interface does not cover (monitoring, tests). */
    readonly connection: NatsConnection,
    options: { readonly logger: BusLogger; readonly closeTimeoutMs: number; readonly kvTimeoutMs: number },
  ) {
    this.logger = options.logger;
    this.closeTimeoutMs = options.closeTimeoutMs;
    this.kvTimeoutMs = options.kvTimeoutMs;
    this.knownMaxPayload = connection.info?.max_payload ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.js = jetstream(connection, { timeout: options.kvTimeoutMs });
    this.kvm = new Kvm(this.js);
    const bus = this;
    this.streams = {
      nc: connection,
      logger: this.logger,
      get maxPayloadBytes() {
        return bus.maxPayloadBytes;
      },
    };
    void this.followStatus();
  }

  /** A durable work queue on JetStream (the in-process bus has none: nothing outlives it). */
  durableQueue(options: DurableQueueOptions): Promise<DurableQueue> {
    return openDurableQueue(this.connection, this.js, options);
  }

  /** Publishes into a JetStream stream; resolves once the stream has stored the message. */
  publishDurable(subject: string, data: unknown, options: { readonly msgId?: string; readonly timeoutMs?: number } = {}) {
    return publishDurable(this.js, subject, data, options);
  }

  get maxPayloadBytes(): number {
    // The client forgets the server's INFO while it reconnects; keep the last one it knew.
    const current = this.connection.info?.max_payload;
    if (current !== undefined) this.knownMaxPayload = current;
    return this.knownMaxPayload;
  }

  get connected(): boolean {
    return this.isConnected && !this.closed;
  }

  publish(subject: string, data: unknown): void {
    this.ensureOpen();
    assertValidSubject(subject, { wildcards: false });
    const payload = encode(data, this.maxPayloadBytes);
    try {
      this.connection.publish(subject, payload);
    } catch (error) {
      throw fromPublishError(subject, payload.length, this.maxPayloadBytes, error);
    }
  }

  subscribe<T = unknown>(subject: string, handler: (message: BusMessage<T>) => void, options?: SubscribeOptions): Subscription {
    return this.register(subject, options, (msg) => {
      try {
        handler({ subject: msg.subject, data: decode<T>(msg.data) });
      } catch (error) {
        this.logger.error({ err: error, subject: msg.subject }, 'bus subscriber failed');
      }
    });
  }

  handle<Req = unknown, Res = unknown>(subject: string, handler: RequestHandler<Req, Res>, options?: SubscribeOptions): Subscription {
    return this.register(subject, options, (msg) => {
      const work = this.serve(msg, handler as RequestHandler);
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    });
  }

  async request<Res = unknown>(subject: string, data: unknown, options: RequestOptions): Promise<Res> {
    this.ensureOpen();
    assertValidSubject(subject, { wildcards: false });
    const payload = encode(data, this.maxPayloadBytes);
    const timeout = await this.timeLeftOnceConnected(subject, options.timeoutMs);
    let reply: Msg;
    try {
      reply = await this.connection.request(subject, payload, { timeout });
    } catch (error) {
      throw fromRequestError(subject, options.timeoutMs, payload.length, this.maxPayloadBytes, error);
    }
    const frame = frameOf(reply);
    if (frame === '') return decode<Res>(reply.data);
    if (frame === FRAME.error) throw toRemoteError(subject, errorInfoOf(reply));
    throw new BusError('BUS_REMOTE', `unexpected "${frame}" frame in the reply from ${subject}`);
  }

  async *requestStream<Res = unknown>(subject: string, data: unknown, options: RequestOptions): AsyncGenerator<Res> {
    this.ensureOpen();
    assertValidSubject(subject, { wildcards: false });
    const payload = encode(data, this.maxPayloadBytes);
    await this.timeLeftOnceConnected(subject, options.timeoutMs);
    yield* requestStream<Res>(this.streams, subject, payload, options.timeoutMs);
  }

  async kv(bucket: string, options: KvOptions = {}): Promise<KvStore> {
    this.ensureOpen();
    assertBucketName(bucket);
    const bus = this;
    try {
      await this.whenConnected(this.kvTimeoutMs);
      const kv = await this.kvm.create(bucket, {
        history: 1,
        replicas: options.replicas ?? 1,
        ...(options.ttlMs !== undefined && options.ttlMs > 0 ? { ttl: options.ttlMs } : {}),
      });
      return new NatsKvStore(bucket, kv, this.js, {
        logger: this.logger,
        get maxPayloadBytes() {
          return bus.maxPayloadBytes;
        },
        ensureOpen: () => this.ensureOpen(),
        whenConnected: () => this.whenConnected(this.kvTimeoutMs),
        track: (watch) => {
          this.watches.add(watch);
          return () => this.watches.delete(watch);
        },
        onReconnect: (listener) => {
          this.reconnectListeners.add(listener);
          return () => this.reconnectListeners.delete(listener);
        },
      });
    } catch (error) {
      throw fromKvError(bucket, '', error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const resume of [...this.connectedWaiters]) resume();
    for (const watch of [...this.watches]) watch.stop();
    const finishing = (async () => {
      // Stop taking work, let the handlers already running answer, then drain the client.
      for (const subscription of [...this.subscriptions]) subscription.unsubscribe();
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      await this.connection.drain();
    })();
    const timedOut = await Promise.race([
      finishing.then(() => false, () => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), this.closeTimeoutMs).unref()),
    ]);
    if (timedOut) {
      this.logger.warn({ timeoutMs: this.closeTimeoutMs }, 'nats bus did not drain in time; closing');
      await this.connection.close().catch(() => undefined);
    }
  }

  private register(subject: string, options: SubscribeOptions | undefined, onMessage: (msg: Msg) => void): Subscription {
    this.ensureOpen();
    assertValidSubject(subject, { wildcards: true });
    const sub: NatsSubscription = this.connection.subscribe(subject, {
      ...(options?.queue !== undefined ? { queue: options.queue } : {}),
      callback: (error, msg) => {
        if (error !== null) this.logger.warn({ err: error, subject }, 'bus subscription failed');
        else onMessage(msg);
      },
    });
    const subscription: Subscription = {
      unsubscribe: () => {
        this.subscriptions.delete(subscription);
        if (!sub.isClosed()) sub.unsubscribe();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  private async serve(msg: Msg, handler: RequestHandler): Promise<void> {
    let result: unknown;
    try {
      result = await handler(decode(msg.data), msg.subject);
    } catch (error) {
      this.logger.debug({ err: error, subject: msg.subject }, 'bus handler failed');
      this.answerError(msg, describeThrown(error));
      return;
    }
    if (isAsyncIterable(result)) {
      const items = result[Symbol.asyncIterator]();
      if (msg.reply !== undefined && msg.reply !== '' && isStreamRequest(msg)) {
        await serveStream(this.streams, msg, items);
        return;
      }
      await closeQuietly(items);
      this.answerError(msg, unexpectedStream(msg.subject));
      return;
    }
    if (msg.reply === undefined || msg.reply === '') return;
    let payload: Uint8Array;
    try {
      payload = encode(result, this.maxPayloadBytes);
      msg.respond(payload);
    } catch (error) {
      const busError = error instanceof BusError ? error : fromPublishError(msg.reply, 0, this.maxPayloadBytes, error);
      this.answerError(msg, describeThrown(busError));
    }
  }

  private answerError(msg: Msg, info: ThrownErrorInfo): void {
    if (msg.reply === undefined || msg.reply === '') return;
    try {
      msg.respond(new Uint8Array(0), { headers: errorHeaders(info) });
    } catch (error) {
      this.logger.warn({ err: error, subject: msg.subject }, 'could not send an error reply');
    }
  }

  private async followStatus(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (status.type === 'disconnect') {
        this.isConnected = false;
        this.logger.warn({ server: status.server }, 'nats disconnected; reconnecting');
      } else if (status.type === 'reconnect') {
        this.isConnected = true;
        this.logger.info({ server: status.server }, 'nats reconnected');
        for (const resume of [...this.connectedWaiters]) resume();
        for (const listener of [...this.reconnectListeners]) listener();
      } else if (status.type === 'error') {
        this.logger.warn({ err: status.error }, 'nats client error');
      }
    }
    this.isConnected = false;
  }

  /**
   * The client discards what is sent while it reconnects, so a request sent then could only time
   * out: wait for the connection first, within the request's own timeout.
   */
  private async timeLeftOnceConnected(subject: string, timeoutMs: number): Promise<number> {
    const started = Date.now();
    await this.whenConnected(timeoutMs);
    this.ensureOpen();
    const left = timeoutMs - (Date.now() - started);
    if (!this.isConnected) {
      const cause = new BusError('BUS_CONNECTION', 'not connected to nats');
      throw new BusTimeoutError(subject, timeoutMs, { cause });
    }
    return Math.max(1, left);
  }

  /** Resolves once connected (or closed), or after `timeoutMs`, whichever comes first. */
  private whenConnected(timeoutMs: number): Promise<void> {
    if (this.isConnected || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.connectedWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.connectedWaiters.add(done);
    });
  }

  private ensureOpen(): void {
    if (this.closed) throw new BusError('BUS_CLOSED', 'the bus is closed');
  }
}
