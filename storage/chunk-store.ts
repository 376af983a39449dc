// Chunks and their index in one object store. putChunk writes the chunk, then indexes it (so an
// indexed ref always points at a stored chunk); getChunk reads, verifies the checksum in the key
// and decodes, keeping recently used decoded chunks in an LRU bounded by their encoded bytes.

import { DecodedChunk } from './chunk/decoded-chunk.js';
import { crc32cHex } from './chunk/crc32c.js';
import { StreamIndex } from './index/stream-index.js';
import type { ChunkRef, CorruptObject, StreamIndexOptions } from './index/types.js';
import { chunkKey, validateTenantId } from './keys.js';
import { LruCache } from './lru.js';
import { fingerprint, labelsToString, type Labels } from '../core/model.js';
import { StorageError, type ObjectStore } from './object-store.js';

export interface ChunkStoreOptions extends StreamIndexOptions {
  /** Encoded bytes of decoded chunks kept in memory (default 64 MiB; 0 disables the cache). */
  readonly cacheBytes?: number;
}

export interface ChunkMeta {
  /** First timestamp in the chunk, ns. */
  readonly from: bigint;
  /** Last timestamp in the chunk, ns (inclusive). */
  readonly through: bigint;
}

export class ChunkStore {
  readonly objects: ObjectStore;
  readonly index: StreamIndex;
  private readonly cache: LruCache<string, DecodedChunk>;
  private readonly inflight = new Map<string, Promise<DecodedChunk>>();
  private readonly onCorrupt: (found: CorruptObject) => void;

  constructor(objects: ObjectStore, options: ChunkStoreOptions = {}) {
    this.objects = objects;
    this.index = new StreamIndex(objects, options);
    this.cache = new LruCache(options.cacheBytes ?? 64 * 1024 * 1024, (chunk) => chunk.encodedSize);
    this.onCorrupt = options.onCorrupt ?? (() => undefined);
  }

  /**
   * Stores an encoded chunk of one stream and indexes it. The chunk is decoded first, so corrupt
   * bytes never reach storage; `meta` (when given) must match the timestamps the chunk holds.
   */
  async putChunk(tenant: string, labels: Labels, bytes: Uint8Array, meta?: ChunkMeta): Promise<ChunkRef> {
    validateTenantId(tenant);
    const decoded = DecodedChunk.decode(bytes);
    if (decoded.entryCount === 0) throw new StorageError('CORRUPT_CHUNK', 'refusing to store an empty chunk');
    if (meta !== undefined && (meta.from !== decoded.minTs || meta.through !== decoded.maxTs)) {
      throw new StorageError(
        'CORRUPT_CHUNK',
        `chunk meta says ${meta.from}..${meta.through}, the chunk holds ${decoded.minTs}..${decoded.maxTs}`,
      );
    }
    const parts = {
      tenant,
      fingerprint: fingerprint(labelsToString(labels)),
      from: decoded.minTs,
      through: decoded.maxTs,
      checksum: crc32cHex(bytes),
    };
    const ref: ChunkRef = { ...parts, key: chunkKey(parts) };
    await this.objects.put(ref.key, bytes);
    await this.index.addChunk(labels, ref);
    this.cache.set(ref.key, decoded);
    return ref;
  }

  /**
   * Reads a chunk; ObjectNotFoundError when absent, CORRUPT_CHUNK when its bytes are not the
   * ref's (reported to `onCorrupt` first, with the chunk's key).
   */
  getChunk(ref: ChunkRef): Promise<DecodedChunk> {
    const cached = this.cache.get(ref.key);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.inflight.get(ref.key);
    if (pending === undefined) {
      pending = this.fetch(ref).finally(() => this.inflight.delete(ref.key));
      this.inflight.set(ref.key, pending);
    }
    return pending;
  }

  private async fetch(ref: ChunkRef): Promise<DecodedChunk> {
    const bytes = await this.objects.get(ref.key);
    let decoded: DecodedChunk;
    try {
      const checksum = crc32cHex(bytes);
      if (checksum !== ref.checksum) {
        throw new StorageError('CORRUPT_CHUNK', `corrupt chunk: ${ref.key} has checksum ${checksum}, expected ${ref.checksum}`);
      }
      // The object's checksum vouches for every byte, the blocks' checksums among them.
      decoded = DecodedChunk.decode(bytes, { blockChecksums: false });
    } catch (error) {
      // Reported here, where the key is known; the caller decides whether to skip it or fail.
      if (error instanceof StorageError && error.code === 'CORRUPT_CHUNK') this.onCorrupt({ kind: 'chunk', key: ref.key, error });
      throw error;
    }
    this.cache.set(ref.key, decoded);
    return decoded;
  }
}
