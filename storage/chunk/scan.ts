// What a chunk scan is asked for and what it reports back.

import type { Entry } from '../../core/model.js';

export type Direction = 'forward' | 'backward';

export interface IterateOptions {
  /** Inclusive lower bound, ns. */
  readonly from: bigint;
  /** Exclusive upper bound, ns. */
  readonly through: bigint;
  readonly direction: Direction;
  /**
   * Byte patterns a line must all contain to be yielded (Loki's `|=` filters pushed down). They
   * are matched on the raw line bytes, so a rare word is found without decoding every line.
   */
  readonly mustContain?: readonly Uint8Array[];
  /** Counters the scan adds to; share one object across chunks to total a query. */
  readonly stats?: ScanStats;
}

/**
 * Work done by scans. Lines and bytes are counted per block opened (a block is opened when the
 * range overlaps it), as Loki counts decompressed lines and bytes; blocks outside the range cost
 * nothing and are counted as skipped.
 */
export interface ScanStats {
  /** Entries in the blocks opened. */
  linesScanned: number;
  /** Uncompressed bytes of the blocks opened (entries as serialized, framing included). */
  bytesScanned: number;
  /** Compressed bytes inflated. */
  compressedBytesScanned: number;
  blocksScanned: number;
  blocksSkipped: number;
  /** Entries yielded. */
  entriesReturned: number;
}

export function newScanStats(): ScanStats {
  return {
    linesScanned: 0,
    bytesScanned: 0,
    compressedBytesScanned: 0,
    blocksScanned: 0,
    blocksSkipped: 0,
    entriesReturned: 0,
  };
}

/** Where a block sits and what it holds; the per-block record of the metas section. */
export interface BlockMeta {
  readonly entries: number;
  /** Smallest timestamp in the block, ns. */
  readonly mint: bigint;
  /** Largest timestamp in the block, ns (inclusive). */
  readonly maxt: bigint;
  /** Offset of the compressed bytes from the start of the chunk. */
  readonly offset: number;
  readonly compressedLength: number;
  readonly uncompressedLength: number;
}

/** The read side every chunk offers, in memory or decoded from storage. */
export interface ChunkReader {
  readonly entryCount: number;
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
  /** Smallest timestamp held, ns; 0n when the chunk is empty. */
  readonly minTs: bigint;
  /** Largest timestamp held, ns (inclusive); 0n when the chunk is empty. */
  readonly maxTs: bigint;
  readonly blockCount: number;
  /** Metas of the blocks (a MemChunk's head block is not among them until cut). */
  readonly blocks: readonly BlockMeta[];
  iterate(options: IterateOptions): Iterable<Entry>;
}
