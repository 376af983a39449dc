// The in-memory chunk an ingester appends to: cut blocks (compressed, immutable) plus an open,
// unordered head block. Mirrors Loki's MemChunk: the head is cut into a block when it reaches
// blockSizeBytes of serialized entries, and the ingester cuts the whole chunk once
// `hasSpaceFor` says the next entry would push it past targetSizeBytes.
//
// With a BlockCompressor, a cut block is serialized at once but compressed in the background: until
// its compressed bytes arrive it is held raw and read raw, so queries see it throughout, and a
// failed compression leaves it raw and is retried. `encode()` compresses anything still pending
// inline, so a chunk always encodes to the same bytes whichever path compressed its blocks.

import type { Entry } from '../../core/model.js';
import { BLOCK_CHECKSUM_SIZE, CHUNK_FORMATS, CURRENT_CHUNK_FORMAT, encodeChunk, HEADER_SIZE, unframedFormat, type BlockToWrite, type ChunkFormat } from './chunk-format.js';
import { compressBlock } from './block-sections.js';
import { DecodedChunk } from './decoded-chunk.js';
import { BlockCompressionError, estimatedCompressedSize, observeRatio, retryDelayMs, type BlockCompressor } from './block-compressor.js';
import { codecFor, isEncoding, type BlockCodec, type Encoding } from './encoding.js';
import { HeadBlock, type EntrySize } from './head-block.js';
import { mergeSources } from './merge.js';
import type { BlockMeta, ChunkReader, IterateOptions } from './scan.js';
import { planScan } from './scan-plan.js';
import { blockSource, headSource, type EntrySource } from './sources.js';

export interface ChunkConfig {
  /** Uncompressed size at which the head block is cut into a compressed block. */
  readonly blockSizeBytes: number;
  /** Compressed size (blocks plus head) at which the ingester should cut the chunk. */
  readonly targetSizeBytes: number;
  readonly encoding: Encoding;
  /** The layout blocks are cut in; chunks adopted from older data keep theirs. */
  readonly format: ChunkFormat;
}

export const DEFAULT_CHUNK_CONFIG: ChunkConfig = Object.freeze({
  blockSizeBytes: 262_144,
  targetSizeBytes: 1_572_864,
  encoding: 'gzip',
  format: CURRENT_CHUNK_FORMAT,
});

export interface MemChunkOptions {
  /** Compresses cut blocks off the appending thread; without one, blocks are compressed inline. */
  readonly compressor?: BlockCompressor;
  /** Told of every failed background compression (the block is kept raw and retried). */
  readonly onCompressionError?: (error: BlockCompressionError) => void;
}

/** A cut block; `data` is undefined while its compression is pending, and `raw` is then kept. */
interface CutBlock {
  readonly entries: number;
  readonly mint: bigint;
  readonly maxt: bigint;
  readonly uncompressedLength: number;
  data: Buffer | undefined;
  raw: Buffer | undefined;
  attempts: number;
}

const NONE_CODEC = codecFor('none');

export class MemChunk implements ChunkReader {
  readonly config: ChunkConfig;
  private readonly codec: BlockCodec;
  private readonly cut: CutBlock[] = [];
  private readonly head = new HeadBlock();
  /** Compressed bytes of the blocks whose compression is done. */
  private cutCompressed = 0;
  private cutUncompressed = 0;
  private cutEntries = 0;
  /** Raw bytes of the blocks still compressing. */
  private pendingRaw = 0;
  private pendingCount = 0;
  private readonly compressor: BlockCompressor | undefined;
  private readonly onCompressionError: ((error: BlockCompressionError) => void) | undefined;
  /** The entry `hasSpaceFor` measured last, and its size. */
  private lastSized: { readonly entry: Entry; readonly size: EntrySize } | undefined;
  /** Created by the first `compressed()` that has to wait: most chunks never need one. */
  private settledWaiters: Array<() => void> | undefined;

  constructor(config: Partial<ChunkConfig> = {}, options: MemChunkOptions = {}) {
    this.config = sharedConfig(config);
    this.codec = codecFor(this.config.encoding);
    this.compressor = options.compressor?.supports(this.config.encoding) === true ? options.compressor : undefined;
    this.onCompressionError = options.onCompressionError;
  }

  static decode(bytes: Uint8Array): DecodedChunk {
    return DecodedChunk.decode(bytes);
  }

  /**
   * An appendable chunk holding the blocks of an encoded one (handoff, recovery): the blocks are
   * adopted compressed as they are, and appends continue in a fresh head block. The encoding and
   * the format are the encoded chunk's (one chunk holds blocks of one layout); `config` supplies
   * the sizes.
   */
  static fromEncoded(bytes: Uint8Array, config: Partial<Omit<ChunkConfig, 'encoding' | 'format'>> = {}, options: MemChunkOptions = {}): MemChunk {
    const decoded = DecodedChunk.decode(bytes);
    const chunk = new MemChunk({ ...config, encoding: decoded.encoding, format: decoded.format }, options);
    for (const block of decoded.blocks) {
      const data = Buffer.from(decoded.bytes.subarray(block.offset, block.offset + block.compressedLength));
      chunk.cut.push({ entries: block.entries, mint: block.mint, maxt: block.maxt, uncompressedLength: block.uncompressedLength, data, raw: undefined, attempts: 0 });
      chunk.cutCompressed += data.length;
      chunk.cutUncompressed += block.uncompressedLength;
      chunk.cutEntries += block.entries;
    }
    return chunk;
  }

  get encoding(): Encoding {
    return this.config.encoding;
  }

  /** Appends in any order; cuts the head block once it reaches blockSizeBytes. */
  append(entry: Entry): void {
    const sized = this.lastSized;
    this.lastSized = undefined;
    this.head.append(entry, sized?.entry === entry ? sized.size : undefined);
    if (this.head.size >= this.config.blockSizeBytes) this.cutBlock();
  }

  /** Whether `entry` fits under targetSizeBytes, counting cut blocks compressed and the head raw. */
  hasSpaceFor(entry: Entry): boolean {
    const size = HeadBlock.sizeOf(entry);
    // An ingester asks this of the entry it appends next: the size is not measured twice.
    this.lastSized = { entry, size };
    return this.compressedBytes + this.head.size + size.size < this.config.targetSizeBytes;
  }

  isFull(): boolean {
    return this.compressedBytes + this.head.size >= this.config.targetSizeBytes;
  }

  get isEmpty(): boolean {
    return this.entryCount === 0;
  }

  get entryCount(): number {
    return this.cutEntries + this.head.count;
  }

  /**
   * Compressed bytes of the cut blocks (the head block is not compressed yet); a block still
   * compressing counts at the ratio its encoding has been compressing at.
   */
  get compressedBytes(): number {
    return this.pendingRaw === 0 ? this.cutCompressed : this.cutCompressed + estimatedCompressedSize(this.config.encoding, this.pendingRaw);
  }

  /** Cut blocks whose background compression has not finished (or failed and waits for a retry). */
  get pendingBlocks(): number {
    return this.pendingCount;
  }

  /** Resolves once no cut block is waiting for its compression. */
  compressed(): Promise<void> {
    if (this.pendingCount === 0) return Promise.resolve();
    return new Promise((resolve) => (this.settledWaiters ??= []).push(resolve));
  }

  /** Serialized entry bytes of the cut blocks and the head block. */
  get uncompressedBytes(): number {
    // The head block as it will be cut, so a chunk reports the same size before and after.
    return this.cutUncompressed + this.head.serializedSize(this.config.format);
  }

  /** Serialized bytes waiting in the head block. */
  get headBytes(): number {
    return this.head.size;
  }

  get minTs(): bigint {
    let min: bigint | undefined = this.head.isEmpty ? undefined : this.head.mint;
    for (const block of this.cut) if (min === undefined || block.mint < min) min = block.mint;
    return min ?? 0n;
  }

  get maxTs(): bigint {
    let max: bigint | undefined = this.head.isEmpty ? undefined : this.head.maxt;
    for (const block of this.cut) if (max === undefined || block.maxt > max) max = block.maxt;
    return max ?? 0n;
  }

  get blockCount(): number {
    return this.cut.length;
  }

  get blocks(): readonly BlockMeta[] {
    let offset = HEADER_SIZE;
    return this.cut.map((block) => {
      const meta: BlockMeta = {
        entries: block.entries,
        mint: block.mint,
        maxt: block.maxt,
        offset,
        compressedLength: (block.data ?? block.raw!).length,
        uncompressedLength: block.uncompressedLength,
      };
      offset += (block.data ?? block.raw!).length + BLOCK_CHECKSUM_SIZE;
      return meta;
    });
  }

  /**
   * Serializes the head block into a new cut block and compresses it, inline or in the
   * background; a no-op when the head is empty.
   */
  cutBlock(): void {
    const serialized = this.head.cut(this.config.format, this.compressor?.allocate);
    if (serialized === undefined) return;
    const block: CutBlock = {
      entries: serialized.entries,
      mint: serialized.mint,
      maxt: serialized.maxt,
      uncompressedLength: serialized.raw.length,
      data: undefined,
      raw: serialized.raw,
      attempts: 0,
    };
    this.cut.push(block);
    this.cutUncompressed += serialized.raw.length;
    this.cutEntries += serialized.entries;
    if (this.compressor === undefined) {
      this.settle(block, compressBlock(this.config.format, this.codec, serialized.raw));
      return;
    }
    this.pendingRaw += serialized.raw.length;
    this.pendingCount++;
    this.compressInBackground(block, this.compressor);
  }

  /** Cuts the head block and serializes the chunk; blocks still compressing are compressed now. */
  encode(): Uint8Array {
    this.cutBlock();
    for (const block of this.cut) if (block.data === undefined) this.settle(block, compressBlock(this.config.format, this.codec, block.raw!));
    return encodeChunk(this.config.format, this.config.encoding, this.cut as BlockToWrite[]);
  }

  private compressInBackground(block: CutBlock, compressor: BlockCompressor): void {
    block.attempts++;
    compressor.compress(this.config.format, this.config.encoding, block.raw!).then(
      (data) => {
        // encode() may have compressed it inline meanwhile: the bytes are the same, keep those.
        if (block.data === undefined) this.settle(block, data);
      },
      (cause: unknown) => {
        if (block.data !== undefined) return;
        const error = new BlockCompressionError(this.config.encoding, block.attempts, { cause });
        this.onCompressionError?.(error);
        setTimeout(() => {
          if (block.data === undefined) this.compressInBackground(block, compressor);
        }, retryDelayMs(block.attempts)).unref();
      },
    );
  }

  /** Puts a block's compressed bytes in place of its raw ones. */
  private settle(block: CutBlock, data: Buffer): void {
    const pending = this.compressor !== undefined;
    block.data = data;
    block.raw = undefined;
    this.cutCompressed += data.length;
    if (!pending) return;
    observeRatio(this.config.encoding, block.uncompressedLength, data.length);
    this.pendingRaw -= block.uncompressedLength;
    if (--this.pendingCount === 0) {
      const waiters = this.settledWaiters ?? [];
      this.settledWaiters = undefined;
      for (const resolve of waiters) resolve();
    }
  }

  iterate(options: IterateOptions): Iterable<Entry> {
    const plan = planScan(options);
    const sources: EntrySource[] = this.cut.map((block, i) =>
      block.data !== undefined
        ? blockSource(block as BlockToWrite, this.config.format, this.codec, i)
        : blockSource({ ...block, data: block.raw! }, unframedFormat(this.config.format), NONE_CODEC, i),
    );
    if (!this.head.isEmpty) sources.push(headSource(this.head, this.cut.length));
    return mergeSources(sources, plan);
  }
}

/**
 * The validated, frozen config for `config`; the last one built is reused when equal, since an
 * ingester makes a chunk per stream with the same sizes and a copy each would add up.
 */
function sharedConfig(config: Partial<ChunkConfig>): ChunkConfig {
  const merged = { ...DEFAULT_CHUNK_CONFIG, ...definedOnly(config) };
  const last = lastConfig;
  if (
    last !== undefined &&
    last.blockSizeBytes === merged.blockSizeBytes &&
    last.targetSizeBytes === merged.targetSizeBytes &&
    last.encoding === merged.encoding &&
    last.format === merged.format &&
    Object.keys(merged).length === 4
  ) {
    return last;
  }
  if (!isEncoding(merged.encoding)) throw new RangeError(`unknown chunk encoding: ${String(merged.encoding)}`);
  if (!CHUNK_FORMATS.includes(merged.format)) throw new RangeError(`unknown chunk format: ${String(merged.format)}`);
  for (const key of ['blockSizeBytes', 'targetSizeBytes'] as const) {
    if (!Number.isSafeInteger(merged[key]) || merged[key] <= 0) {
      throw new RangeError(`${key} must be a positive integer, got ${merged[key]}`);
    }
  }
  const frozen = Object.freeze(merged);
  if (Object.keys(merged).length === 4) lastConfig = frozen;
  return frozen;
}

let lastConfig: ChunkConfig | undefined;

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
