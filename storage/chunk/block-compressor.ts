// Compression of cut blocks away from the appending thread: what MemChunk needs of a compressor
// (compress-pool.ts is the one ingesters use), the error a failed compression is reported with,
// the retry schedule, and the size a block still compressing counts for.

import { StorageError } from '../object-store.js';
import type { ChunkFormat } from './chunk-format.js';
import type { Encoding } from './encoding.js';

export interface BlockCompressor {
  /** Whether blocks of `encoding` go through `compress`; the others are compressed inline. */
  supports(encoding: Encoding): boolean;
  /**
   * Resolves with the same bytes `compressBlock(format, codecFor(encoding), raw)` returns (the
   * block as `format` stores it); `raw` is not kept.
   */
  compress(format: ChunkFormat, encoding: Encoding, raw: Buffer): Promise<Buffer>;
  /** Where a block to be compressed is serialized, when the compressor prefers its own memory. */
  readonly allocate?: (size: number) => Buffer;
}

/** A block's background compression failed; the block stays in memory uncompressed and is retried. */
export class BlockCompressionError extends StorageError {
  constructor(
    readonly encoding: Encoding,
    readonly attempt: number,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super('BLOCK_COMPRESSION', `${encoding} compression of a cut block failed (attempt ${attempt}): ${reason}; the block stays uncompressed in memory and will be retried`, options);
  }
}

/** Delay before retry `attempt` (1-based): 100 ms doubling, at most 30 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(30_000, 100 * 2 ** Math.min(attempt - 1, 10));
}

/**
 * The compressed/raw ratio last seen per encoding: a block still compressing counts in a chunk's
 * size as its raw bytes times this, so chunks fill as if it were already compressed. Starts at 1
 * (the raw size, never an underestimate).
 */
const observedRatio = new Map<Encoding, number>();

export function estimatedCompressedSize(encoding: Encoding, rawBytes: number): number {
  return Math.ceil(rawBytes * (observedRatio.get(encoding) ?? 1));
}

export function observeRatio(encoding: Encoding, rawBytes: number, compressedBytes: number): void {
  if (rawBytes <= 0) return;
  const ratio = compressedBytes / rawBytes;
  const previous = observedRatio.get(encoding);
  // A slow average: one odd block barely moves it. Never above 1: incompressible blocks are rare.
  observedRatio.set(encoding, Math.min(1, previous === undefined ? ratio : previous * 0.9 + ratio * 0.1));
}
