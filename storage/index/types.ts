import type { Labels } from '../../core/model.js';
import type { ChunkKeyParts } from '../keys.js';
import type { StorageError } from '../object-store.js';

/** Where a flushed chunk lives and what it covers. `from`/`through` are inclusive, ns. */
export interface ChunkRef extends ChunkKeyParts {
  /** The chunk's object key. */
  readonly key: string;
}

export interface IndexedStream {
  readonly labels: Labels;
  readonly fingerprint: string;
  /** Chunks overlapping the asked range, by `from` then key. */
  readonly chunks: ChunkRef[];
}

export interface StreamIndexOptions {
  /**
   * How long a day's listing is reused before the store is listed again, ms (default 5000).
   * Chunks flushed by another process become visible within this time; a process sees its own
   * writes at once. Ingesters should keep flushed chunks queryable at least this long.
   */
  readonly listCacheTtlMs?: number;
  /**
   * How long after it was read a listing may still answer when listing the store again fails,
   * ms (default 0: a failed listing fails the read). Safe up to the ingesters' retain period of
   * flushed chunks: whatever was flushed since the listing was read is still in their memory.
   */
  readonly staleListingMaxAgeMs?: number;
  /** Told each time a failed listing is answered with an older one (`what`: the prefix listed). */
  readonly onStaleListing?: (what: string, error: unknown) => void;
  /** Label sets kept in memory, by tenant and fingerprint (default 100,000). */
  readonly labelsCacheSize?: number;
  /** Concurrent label-set reads while answering one call (default 16). */
  readonly readConcurrency?: number;
  /** Clock for the list cache, ms (tests). */
  readonly now?: () => number;
  /**
   * Told of every damaged object a read comes across (the composition root logs and counts it).
   * A damaged index object is skipped: the read answers with what the rest of the index holds.
   */
  readonly onCorrupt?: (found: CorruptObject) => void;
}

/** A stored object whose bytes are not what its key promises. */
export interface CorruptObject {
  readonly kind: 'chunk' | 'index';
  readonly key: string;
  /** CORRUPT_CHUNK or CORRUPT_INDEX, naming the defect. */
  readonly error: StorageError;
}

/**
 * Does a chunk whose entries run from `first` to `last` (inclusive, ns) hold data for the query
 * range [from, through)? The one overlap test for stored chunks and ingesters' in-memory ones.
 */
export function overlaps(first: bigint, last: bigint, from: bigint, through: bigint): boolean {
  return last >= from && first < through;
}
