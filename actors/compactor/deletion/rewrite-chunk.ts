// Rewrites one stored chunk without the lines delete requests remove: every entry is decoded
// in order, the deleted ones are dropped, and the rest are written into a new chunk in the
// original's layout and compression, so a reader sees the same entries minus the deleted ones.

import type { Entry } from '../../../core/model.js';
import { decodeChunk, DEFAULT_CHUNK_CONFIG, MemChunk } from '../../../storage/mod.js';
import type { DeletedTest } from './line-filter.js';

export interface RewrittenChunk {
  /** The new chunk's bytes; undefined when no line remains (the chunk just goes). */
  readonly bytes: Uint8Array | undefined;
  readonly deletedLines: number;
  readonly keptLines: number;
}

export function rewriteChunk(encoded: Uint8Array, deleted: DeletedTest): RewrittenChunk {
  const original = decodeChunk(encoded);
  const kept: Entry[] = [];
  let deletedLines = 0;
  for (const entry of original.iterate({ from: original.minTs, through: original.maxTs + 1n, direction: 'forward' })) {
    if (deleted(entry)) deletedLines++;
    else kept.push(entry);
  }
  if (deletedLines === 0) return { bytes: encoded, deletedLines: 0, keptLines: kept.length };
  if (kept.length === 0) return { bytes: undefined, deletedLines, keptLines: 0 };
  const chunk = new MemChunk({
    encoding: original.encoding,
    format: original.format,
    blockSizeBytes: DEFAULT_CHUNK_CONFIG.blockSizeBytes,
    // One rewritten chunk per stored one, however large: nothing is ever cut here.
    targetSizeBytes: Number.MAX_SAFE_INTEGER,
  });
  for (const entry of kept) chunk.append(entry);
  return { bytes: chunk.encode(), deletedLines, keptLines: kept.length };
}
