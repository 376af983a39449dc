// KvStore over a NATS KV bucket (JetStream). Keys are encoded with `encodeToken`, so any
// non-empty string is a key, as in-process; values are msgpack; compare-and-swap uses the
// client's create/update with the key's revision, and conflicts become KvConflictError.

import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { KvChange, KvEntry, KvStore, KvWatch } from './bus.js';
import { decode, encode } from './codec.js';
import { assertKey, assertRevision } from './kv-names.js';
import type { BusLogger } from './logger.js';
import { fromKvError } from './nats-errors.js';
import { NatsKvWatch } from './nats-kv-watch.js';
import { decodeToken, encodeToken } from './subjects.js';

export interface NatsKvHost {
  readonly maxPayloadBytes: number;
  readonly logger: BusLogger;
  ensureOpen(): void;
  /** Waits (briefly) while the client reconnects: what it sends meanwhile is lost. */
  whenConnected(): Promise<void>;
  /** Registers a watch so closing the bus stops it; returns the unregister function. */
  track(watch: KvWatch): () => void;
  onReconnect(listener: () => void): () => void;
}

export class NatsKvStore<T = unknown> implements KvStore<T> {
  constructor(
    private readonly bucket: string,
    private readonly kv: KV,
    private readonly js: JetStreamClient,
    private readonly host: NatsKvHost,
  ) {}

  async get(key: string): Promise<KvEntry<T> | null> {
    const entry = await this.call(key, () => this.kv.get(this.check(key)));
    if (entry === null || entry.operation !== 'PUT') return null;
    return { key, value: decode<T>(entry.value), revision: entry.revision };
  }

  async put(key: string, value: T): Promise<number> {
    const name = this.check(key);
    const payload = encode(value, this.host.maxPayloadBytes);
    return this.call(key, () => this.kv.put(name, payload));
  }

  async create(key: string, value: T): Promise<number> {
    const name = this.check(key);
    const payload = encode(value, this.host.maxPayloadBytes);
    return this.call(key, () => this.kv.create(name, payload));
  }

  async update(key: string, value: T, expectedRevision: number): Promise<number> {
    const name = this.check(key);
    assertRevision(this.bucket, key, expectedRevision);
    const payload = encode(value, this.host.maxPayloadBytes);
    return this.call(key, () => this.kv.update(name, payload, expectedRevision));
  }

  async delete(key: string): Promise<void> {
    const name = this.check(key);
    await this.call(key, () => this.kv.delete(name));
  }

  async keys(): Promise<string[]> {
    this.host.ensureOpen();
    return this.call('', async () => {
      const keys: string[] = [];
      for await (const name of await this.kv.keys()) {
        const key = decodeToken(name);
        if (key !== null) keys.push(key);
      }
      return keys;
    });
  }

  async watch(onChange: (change: KvChange<T>) => void): Promise<KvWatch> {
    this.host.ensureOpen();
    let untrack = (): void => undefined;
    const watch = new NatsKvWatch<T>(this.js, this.bucket, onChange, this.host, () => untrack());
    untrack = this.host.track(watch);
    await this.call('', () => watch.start());
    return watch;
  }

  private check(key: string): string {
    this.host.ensureOpen();
    assertKey(this.bucket, key);
    return encodeToken(key);
  }

  private async call<R>(key: string, operation: () => Promise<R>): Promise<R> {
    try {
      await this.host.whenConnected();
      return await operation();
    } catch (error) {
      throw fromKvError(this.bucket, key, error);
    }
  }
}
