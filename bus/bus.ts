// The one interface every actor talks through. Two transports implement it: NATS (a real
// nats-server, for clusters) and in-process (the embedded default for `--target all`). Payloads
// are plain values (objects, arrays, strings, numbers, bigint, Uint8Array); the transport
// encodes them with msgpackr, so actors never see bytes on the wire.

export interface RequestOptions {
  /** Give up after this long; the promise rejects with `BusTimeoutError`. */
  readonly timeoutMs: number;
}

export interface SubscribeOptions {
  /** Members of one queue group share the subject's messages: each message reaches one of them. */
  readonly queue?: string;
}

export interface BusMessage<T = unknown> {
  readonly subject: string;
  readonly data: T;
}

export interface Subscription {
  /** Stop receiving; in-flight handlers run to completion. */
  unsubscribe(): void;
}

/**
 * A request handler answers with one value, or with an async iterable of values for a streamed
 * reply (a large query result). Throwing sends a `RemoteError` to the requester carrying the
 * thrown error's `code` and message.
 */
export type RequestHandler<Req = unknown, Res = unknown> = (
  data: Req,
  subject: string,
) => Promise<Res> | Res | AsyncIterable<Res>;

export interface Bus {
  /** Fire and forget. */
  publish(subject: string, data: unknown): void;

  subscribe<T = unknown>(
    subject: string,
    handler: (message: BusMessage<T>) => void,
    options?: SubscribeOptions,
  ): Subscription;

  /** Serve requests on a subject (wildcards allowed); replies go back to each requester. */
  handle<Req = unknown, Res = unknown>(
    subject: string,
    handler: RequestHandler<Req, Res>,
    options?: SubscribeOptions,
  ): Subscription;

  /** One request, one reply. Rejects with BusTimeoutError, NoRespondersError or RemoteError. */
  request<Res = unknown>(subject: string, data: unknown, options: RequestOptions): Promise<Res>;

  /**
   * One request, a stream of replies (the handler returned an async iterable). The timeout
   * applies to the gap between replies, not the whole stream.
   */
  requestStream<Res = unknown>(subject: string, data: unknown, options: RequestOptions): AsyncIterable<Res>;

  /** Open (creating if needed) a key-value bucket with revisions and watches. */
  kv(bucket: string, options?: KvOptions): Promise<KvStore>;

  /**
   * The largest encoded payload one message may carry (in-process: 8 MiB; NATS: the server's
   * `max_payload`, of which frame headers take a few dozen bytes). Larger payloads fail with a
   * `BUS_PAYLOAD` error, so callers split big batches below this size.
   */
  readonly maxPayloadBytes: number;

  /** Whether the transport is connected now (the NATS client may be reconnecting). */
  readonly connected: boolean;

  /**
   * True when payloads reach their receivers by reference, never encoded (the in-process bus
   * with `copyPayloads: false`): a sender then gains nothing by encoding a payload itself.
   */
  readonly sharesPayloads?: boolean;

  /** Let in-flight work finish, then close. */
  close(): Promise<void>;
}

export interface KvOptions {
  /** Entries older than this are removed (0 or absent: keep forever). */
  readonly ttlMs?: number;
  /** Replicas of the bucket's stream on a clustered NATS; ignored in-process. */
  readonly replicas?: number;
}

export interface KvEntry<T = unknown> {
  readonly key: string;
  readonly value: T;
  /** Increases with every write to the bucket; the compare-and-swap token. */
  readonly revision: number;
}

export type KvChange<T = unknown> =
  | { readonly kind: 'put'; readonly key: string; readonly value: T; readonly revision: number }
  | { readonly kind: 'delete'; readonly key: string; readonly revision: number };

export interface KvWatch {
  stop(): void;
}

export interface KvStore<T = unknown> {
  get(key: string): Promise<KvEntry<T> | null>;
  /** Unconditional write; returns the new revision. */
  put(key: string, value: T): Promise<number>;
  /** Write only if the key does not exist; KvConflictError otherwise. */
  create(key: string, value: T): Promise<number>;
  /** Write only if the key's revision is still `expectedRevision`; KvConflictError otherwise. */
  update(key: string, value: T, expectedRevision: number): Promise<number>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
  /**
   * Calls `onChange` with the current value of every key (as puts), then with every later
   * change, in revision order.
   */
  watch(onChange: (change: KvChange<T>) => void): Promise<KvWatch>;
}
