// A stream's blocks when no two of them share an instant: then no copy of an entry (a replica's,
// a retry's) can hide across blocks, and the stream reads block after block, each deduplicated
// within its own timestamps, with no merge. Stored streams mostly look like this: one ingester's
// chunks, cut in order. Replicas' chunks cut at different points overlap and take the merge.

import type { Entry } from '../../core/model.js';
import { DecodedChunk } from '../../storage/chunk/decoded-chunk.js';
import { planScan } from '../../storage/chunk/scan-plan.js';
import type { ChunkReader, IterateOptions } from '../../storage/chunk/mod.js';
import { TimestampCopies } from './merge-entries.js';

export interface BlockRef {
  readonly chunk: DecodedChunk;
  readonly index: number;
}

/**
 * The blocks of a stream's decoded chunks that overlap [start, end), in time order, when no two
 * of them share an instant; undefined otherwise (or when a chunk is not a decoded one).
 */
export function disjointBlocks(chunks: readonly ChunkReader[], start: bigint, end: bigint): BlockRef[] | undefined {
  const refs: { ref: BlockRef; mint: bigint; maxt: bigint }[] = [];
  for (const chunk of chunks) {
    if (!(chunk instanceof DecodedChunk)) return undefined;
    chunk.blocks.forEach((block, index) => {
      if (block.entries > 0 && block.maxt >= start && block.mint < end) refs.push({ ref: { chunk, index }, mint: block.mint, maxt: block.maxt });
    });
  }
  refs.sort((a, b) => (a.mint < b.mint ? -1 : a.mint > b.mint ? 1 : 0));
  for (let k = 1; k < refs.length; k++) if (refs[k]!.mint <= refs[k - 1]!.maxt) return undefined;
  return refs.map((r) => r.ref);
}

/**
 * A stream's entries in the range and direction, copies dropped, as `dedupeEntries(mergeChunks(...))`
 * gives them, read block after block when its blocks are disjoint; undefined when they are not.
 */
export function disjointEntries(chunks: readonly ChunkReader[], options: IterateOptions): Iterable<Entry> | undefined {
  // The merge counts the blocks it skips in `stats`; a caller counting them takes the merge.
  if (options.stats !== undefined) return undefined;
  const blocks = disjointBlocks(chunks, options.from, options.through);
  if (blocks === undefined) return undefined;
  return blockAfterBlock(options.direction === 'forward' ? blocks : blocks.reverse(), options);
}

function* blockAfterBlock(blocks: readonly BlockRef[], options: IterateOptions): Generator<Entry> {
  const plan = planScan(options);
  const copies = new TimestampCopies();
  for (const { chunk, index } of blocks) {
    const cursor = chunk.openBlock(index, plan);
    for (let entry = cursor.next(); entry !== undefined; entry = cursor.next()) if (!copies.isCopy(entry)) yield entry;
  }
}
