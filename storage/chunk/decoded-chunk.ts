// A chunk read back from storage. Decoding validates the layout and every checksum up front;
// blocks are inflated only when a scan reaches them and are not kept, so a cached chunk costs
// its compressed size.

import type { Entry } from '../../core/model.js';
import { encodeChunk, parseChunk, type ChunkFormat, type ParseOptions } from './chunk-format.js';
import { codecFor, type BlockCodec, type Encoding } from './encoding.js';
import { mergeSources } from './merge.js';
import type { BlockMeta, ChunkReader, IterateOptions } from './scan.js';
import { planScan, type ScanPlan } from './scan-plan.js';
import type { EntryCursor } from './block-cursor.js';
import { blockSource, type EntrySource } from './sources.js';

export class DecodedChunk implements ChunkReader {
  readonly format: ChunkFormat;
  readonly encoding: Encoding;
  readonly blocks: readonly BlockMeta[];
  /** The encoded chunk these blocks point into. */
  readonly bytes: Uint8Array;
  readonly entryCount: number;
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
  readonly minTs: bigint;
  readonly maxTs: bigint;
  private readonly codec: BlockCodec;

  private constructor(bytes: Uint8Array, format: ChunkFormat, encoding: Encoding, blocks: readonly BlockMeta[]) {
    this.bytes = bytes;
    this.format = format;
    this.encoding = encoding;
    this.blocks = blocks;
    this.codec = codecFor(encoding);
    let entries = 0;
    let compressed = 0;
    let uncompressed = 0;
    let min = 0n;
    let max = 0n;
    blocks.forEach((block, i) => {
      entries += block.entries;
      compressed += block.compressedLength;
      uncompressed += block.uncompressedLength;
      if (i === 0 || block.mint < min) min = block.mint;
      if (i === 0 || block.maxt > max) max = block.maxt;
    });
    this.entryCount = entries;
    this.compressedBytes = compressed;
    this.uncompressedBytes = uncompressed;
    this.minTs = min;
    this.maxTs = max;
  }

  /** Throws StorageError CORRUPT_CHUNK naming the defect when `bytes` is not a valid chunk. */
  static decode(bytes: Uint8Array, options?: ParseOptions): DecodedChunk {
    const { format, encoding, blocks } = parseChunk(bytes, options);
    return new DecodedChunk(bytes, format, encoding, blocks);
  }

  get blockCount(): number {
    return this.blocks.length;
  }

  /** Size of the encoded chunk. */
  get encodedSize(): number {
    return this.bytes.length;
  }

  iterate(options: IterateOptions): Iterable<Entry> {
    const plan = planScan(options);
    return mergeSources(this.sources(), plan);
  }

  /**
   * Block `index`'s entries within the plan's range, in its direction: for callers that order
   * the blocks themselves (their blocks do not overlap).
   */
  openBlock(index: number, plan: ScanPlan): EntryCursor {
    const block = this.blocks[index]!;
    return blockSource({ ...block, data: this.blockData(block) }, this.format, this.codec, index).open(plan);
  }

  /** Re-encodes the same blocks (the bytes it was decoded from, as the format is canonical). */
  encode(): Uint8Array {
    return encodeChunk(this.format, this.encoding, this.blocks.map((block) => ({ ...block, data: this.blockData(block) })));
  }

  private sources(): EntrySource[] {
    return this.blocks.map((block, i) => blockSource({ ...block, data: this.blockData(block) }, this.format, this.codec, i));
  }

  private blockData(block: BlockMeta): Uint8Array {
    return this.bytes.subarray(block.offset, block.offset + block.compressedLength);
  }
}

export function decodeChunk(bytes: Uint8Array, options?: ParseOptions): DecodedChunk {
  return DecodedChunk.decode(bytes, options);
}
