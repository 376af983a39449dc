// Merges the chunks of one stream into one timestamp-ordered sequence. A stream's chunks
// overlap in time when entries arrived out of order, and a stream read from storage may have
// several chunks per span (one per replica that cut differently). Storage's block merge does
// the work: it opens chunks lazily in time order and simply drains one when nothing overlaps.

import { mergeSources } from '../../storage/chunk/merge.js';
import { planScan } from '../../storage/chunk/scan-plan.js';
import type { ChunkReader, IterateOptions } from '../../storage/chunk/mod.js';
import type { Entry } from '../../core/model.js';

export function mergeChunks(chunks: readonly ChunkReader[], options: IterateOptions): Iterable<Entry> {
  if (chunks.length === 1) return chunks[0]!.iterate(options);
  const sources = chunks
    .filter((chunk) => chunk.entryCount > 0)
    .map((chunk, order) => {
      // Each chunk's blocks are taken now, with its bounds, though read only when the merge
      // reaches it: a scan that pauses (core/time-slice.ts) while an ingester appends reads every
      // chunk as it was when the scan began, never half of a later append.
      const entries = chunk.iterate(options);
      return {
        mint: chunk.minTs,
        maxt: chunk.maxTs,
        order,
        open: () => {
          const iterator = entries[Symbol.iterator]();
          return { next: () => iterator.next().value as Entry | undefined };
        },
      };
    });
  return mergeSources(sources, planScan(options));
}

/**
 * What makes an entry itself within its timestamp: its line and its structured metadata. Two
 * entries that differ only in metadata (`trace_id="1"`, `trace_id="2"`) are two lines a client
 * was acknowledged for; only a true copy (a replica's, a retry's) compares equal.
 */
export function entryKey(entry: Entry): string {
  const metadata = entry.metadata;
  if (metadata === undefined || metadata.length === 0) return entry.line;
  let key = entry.line;
  for (const { name, value } of metadata) key += '\u0000' + name + '\u0001' + value;
  return key;
}

/** Entries of one timestamp compared pairwise; past this many, through a set of their keys. */
const LIST_LIMIT = 8;

/**
 * Which entries repeat one seen before at their timestamp (equal line and metadata). Entries
 * come in timestamp order, so only those of the current timestamp are kept: usually one or two,
 * in a short list; a set of keys (which hashes every line) is built only for a crowded one.
 */
export class TimestampCopies {
  private currentTs: bigint | undefined;
  private readonly atTs: Entry[] = [];
  private keys: Set<string> | undefined;

  /** Whether `entry` is a copy of one already seen; remembers it when it is not. */
  isCopy(entry: Entry): boolean {
    if (entry.ts !== this.currentTs) {
      this.currentTs = entry.ts;
      this.atTs.length = 0;
      this.keys = undefined;
      this.atTs.push(entry);
      return false;
    }
    if (this.keys !== undefined) {
      const key = entryKey(entry);
      if (this.keys.has(key)) return true;
      this.keys.add(key);
      return false;
    }
    if (this.atTs.some((seen) => sameEntry(seen, entry))) return true;
    this.atTs.push(entry);
    if (this.atTs.length > LIST_LIMIT) this.keys = new Set(this.atTs.map(entryKey));
    return false;
  }
}

/** Drops entries equal in timestamp, line and metadata to one already yielded. */
export function* dedupeEntries(sorted: Iterable<Entry>): Generator<Entry> {
  const copies = new TimestampCopies();
  for (const entry of sorted) if (!copies.isCopy(entry)) yield entry;
}

/** Equal line and metadata (the timestamps are equal already): `entryKey` equality. */
function sameEntry(a: Entry, b: Entry): boolean {
  if (a.line !== b.line) return false;
  const plain = (e: Entry): boolean => e.metadata === undefined || e.metadata.length === 0;
  if (plain(a) && plain(b)) return true;
  return entryKey(a) === entryKey(b);
}
