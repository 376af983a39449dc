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
    .map((chunk, order) => ({
      mint: chunk.minTs,
      maxt: chunk.maxTs,
      order,
      open: () => {
        const iterator = chunk.iterate(options)[Symbol.iterator]();
        return { next: () => iterator.next().value as Entry | undefined };
      },
    }));
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

/** Drops entries equal in timestamp, line and metadata to one already yielded. */
export function* dedupeEntries(sorted: Iterable<Entry>): Generator<Entry> {
  let currentTs: bigint | undefined;
  let seen = new Set<string>();
  for (const entry of sorted) {
    if (entry.ts !== currentTs) {
      currentTs = entry.ts;
      seen = new Set();
    }
    const key = entryKey(entry);
    if (seen.has(key)) continue;
    seen.add(key);
    yield entry;
  }
}
