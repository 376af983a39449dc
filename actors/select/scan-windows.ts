// Cuts one stream's scan into consecutive time windows of a few thousand entries each, so a scan
// that pauses between units of work (core/time-slice.ts) gets the chance often enough. Reading
// entries one at a time gives that chance at each entry; a line filter checked on the raw bytes
// inside the chunk reader (`mustContain`) does not, since one step of the reader may pass over a
// whole chunk of lines that do not match. A window is the unit then.
//
// Windows start at block starts, so a block is rarely opened twice. Windows are half-open and
// split at timestamps, so entries of one timestamp stay in one window: read one after another in
// the scan's direction, the windows give exactly the entries of one read over the whole range.

import type { ChunkReader } from '../../storage/chunk/mod.js';

/** Entries a window holds, about: a few milliseconds of reading with a line filter. */
export const WINDOW_ENTRIES = 8_192;

interface Piece {
  readonly mint: bigint;
  readonly entries: number;
}

/** The windows covering [from, through), in ascending order; one window when the chunks are small. */
export function scanWindows(chunks: readonly ChunkReader[], from: bigint, through: bigint, perWindow = WINDOW_ENTRIES): [bigint, bigint][] {
  const pieces: Piece[] = [];
  let total = 0;
  for (const chunk of chunks) {
    if (chunk.entryCount === 0 || chunk.maxTs < from || chunk.minTs >= through) continue;
    let inBlocks = 0;
    for (const block of chunk.blocks) {
      if (block.maxt < from || block.mint >= through) continue;
      pieces.push({ mint: block.mint, entries: block.entries });
      inBlocks += block.entries;
    }
    // A chunk still in memory holds the rest in its head block, which has no meta of its own.
    const rest = chunk.entryCount - chunk.blocks.reduce((sum, block) => sum + block.entries, 0);
    if (rest > 0) pieces.push({ mint: chunk.minTs, entries: rest });
    total += inBlocks + Math.max(0, rest);
  }
  if (total <= perWindow) return [[from, through]];
  pieces.sort((a, b) => (a.mint < b.mint ? -1 : a.mint > b.mint ? 1 : 0));
  const windows: [bigint, bigint][] = [];
  let start = from;
  let held = 0;
  for (const piece of pieces) {
    if (held >= perWindow && piece.mint > start && piece.mint < through) {
      windows.push([start, piece.mint]);
      start = piece.mint;
      held = 0;
    }
    held += piece.entries;
  }
  windows.push([start, through]);
  return windows;
}
