// The shared results cache of a cluster: one KV bucket on the bus (JetStream KV on NATS, the
// in-process KV on the embedded bus), whose TTL expires entries, so every gateway answers a
// dashboard's repeated queries from what any of them computed. Values larger than the bus can
// carry are not cached.

import type { Bus, KvStore } from '../../../bus/bus.js';
import type { CacheStore } from './store.js';

export const RESULTS_CACHE_BUCKET = 'norn-frontend-results';

/** Room left in a message for the KV's own headers. */
const KV_OVERHEAD_BYTES = 4096;

export class KvCacheStore implements CacheStore {
  private bucket: Promise<KvStore<string>> | undefined;

  constructor(
    private readonly bus: Bus,
    private readonly ttlMs: number,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  private kv(): Promise<KvStore<string>> {
    this.bucket ??= this.bus.kv(RESULTS_CACHE_BUCKET, { ttlMs: this.ttlMs }) as Promise<KvStore<string>>;
    // A bucket that could not be opened is tried again next time.
    this.bucket.catch(() => (this.bucket = undefined));
    return this.bucket;
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const entry = await (await this.kv()).get(key);
      return typeof entry?.value === 'string' ? entry.value : undefined;
    } catch (error) {
      this.onError(error);
      return undefined;
    }
  }

  async set(key: string, value: string): Promise<void> {
    if (Buffer.byteLength(value) > this.bus.maxPayloadBytes - KV_OVERHEAD_BYTES) return;
    try {
      await (await this.kv()).put(key, value);
    } catch (error) {
      this.onError(error);
    }
  }
}
