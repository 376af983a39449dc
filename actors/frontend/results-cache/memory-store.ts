// The default results cache: an LRU in this process, bounded by the bytes of what it holds
// (keys and values as UTF-8), as Loki's embedded cache is bounded by `max_size_mb`.

import type { CacheStore } from './store.js';

export class MemoryCacheStore implements CacheStore {
  /** Insertion order is recency order: a read moves its entry to the end. */
  private readonly entries = new Map<string, { value: string; bytes: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get size(): number {
    return this.bytes;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: string): Promise<void> {
    const bytes = Buffer.byteLength(key) + Buffer.byteLength(value);
    this.remove(key);
    // A value larger than the whole cache is not kept rather than emptying the cache for it.
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  private remove(key: string): void {
    const old = this.entries.get(key);
    if (old === undefined) return;
    this.entries.delete(key);
    this.bytes -= old.bytes;
  }
}
