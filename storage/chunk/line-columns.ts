// A column-layout block opened as columns, for scans that need each line's time and bytes but
// not its text: counting lines, summing their bytes, hashing their bytes. Nothing is decoded to a
// string; the caller reads the lines' bytes between `lineStart[i]` and `lineStart[i] +
// lineLength[i]`. The lines are inflated only when asked for: a `norn-v2` block's header is a
// section of its own, so a count or a byte sum never inflates the lines. The header is checked
// exactly as the entry cursor checks it, and the lines when they are read, so a forged block
// fails alike.

import type { Label, Labels } from '../../core/model.js';
import { corruptChunk } from './corrupt.js';
import { storedSections } from './block-sections.js';
import { hasColumnLayout } from './chunk-format.js';
import { codecFor } from './encoding.js';
import type { DecodedChunk } from './decoded-chunk.js';
import type { BlockMeta } from './scan.js';
import { readDeltas, readLengths } from './column-header.js';
import { indexMetadata, type MetadataIndex } from './metadata-records.js';
import { ByteReader } from './varint.js';
import { asciiSection } from './line-text.js';

const NEWLINE = 0x0a;

/** The lines of a block: `buf` holds line i at `lineStart[i]`, `lineLength[i]` bytes. */
export interface BlockLines {
  readonly buf: Buffer;
  readonly lineStart: Int32Array;
  /** Whether the lines section is all ASCII (then `lineText` reads it as latin1). */
  readonly ascii: boolean;
}

export class LineColumns {
  private read: BlockLines | undefined;

  constructor(
    /** The block's header: the timestamps, lengths and metadata records (`metadataOffsets` index into it). */
    readonly header: Buffer,
    /** The first entry's timestamp, ns. */
    readonly base: bigint,
    /** Each entry's timestamp as whole ns after `base` (exact: a block spanning 2^49 ns or more is not read this way). */
    readonly ts: Float64Array,
    readonly lineLength: Int32Array,
    /** Bytes the lines take, each with its newline. */
    private readonly linesBytes: number,
    /** The metadata section indexed (metadata-records.ts), when any entry has metadata. */
    readonly metadata: MetadataIndex | undefined,
    private readonly inflateLines: () => { buf: Buffer; from: number },
    private readonly section: string,
  ) {}

  /** Whether any entry carries structured metadata. */
  get hasMetadata(): boolean {
    return this.metadata !== undefined;
  }

  /**
   * Where entry i's metadata record starts (`[n]` is where the section ends): uvarint #pairs,
   * then per pair uvarint length + name, uvarint length + value.
   */
  get metadataOffsets(): Int32Array | undefined {
    return this.metadata?.offsets;
  }

  /** The lines, inflated (for a `norn-v2` block) and checked on first use. */
  lines(): BlockLines {
    if (this.read !== undefined) return this.read;
    const { buf, from } = this.inflateLines();
    if (buf.length - from !== this.linesBytes) throw corruptChunk(this.section, `lines take ${buf.length - from} bytes, lengths say ${this.linesBytes}`);
    const n = this.lineLength.length;
    const lineStart = new Int32Array(n);
    let pos = from;
    for (let i = 0; i < n; i++) {
      lineStart[i] = pos;
      pos += this.lineLength[i]! + 1;
      if (buf[pos - 1] !== NEWLINE) throw corruptChunk(this.section, `line ${i} does not end where its length says`);
    }
    return (this.read = { buf, lineStart, ascii: asciiSection(buf, from) });
  }
}

/**
 * Opens block `index` of a column-layout chunk and reads its header; undefined for legacy-v4
 * and for a block whose timestamps do not fit the number form (a delta of 2^49 ns or more).
 */
export function openLineColumns(chunk: DecodedChunk, index: number): LineColumns | undefined {
  if (!hasColumnLayout(chunk.format)) return undefined;
  const block = chunk.blocks[index]!;
  const section = `block ${index}`;
  const data = chunk.bytes.subarray(block.offset, block.offset + block.compressedLength);
  const codec = codecFor(chunk.encoding);
  if (chunk.format === 'norn-v2') {
    const parts = storedSections(data, block.uncompressedLength, section);
    const header = codec.decompress(parts.header, parts.headerLength);
    return readHeader(header, block, section, () => ({ buf: codec.decompress(parts.lines, parts.linesLength), from: 0 }));
  }
  // `norn-v1`: one buffer, the lines right after the header.
  const raw = codec.decompress(data, block.uncompressedLength);
  return readHeader(raw, block, section, undefined);
}

/** Reads a header from `buf`; `inflateLines` gives a split block's lines (undefined: they follow the header in `buf`). */
function readHeader(buf: Buffer, bounds: BlockMeta, section: string, inflateLines: (() => { buf: Buffer; from: number }) | undefined): LineColumns | undefined {
  const corrupt = (what: string) => corruptChunk(section, what);
  const reader = new ByteReader(buf, 0, buf.length, section);
  const n = reader.uvarint();
  if (n !== bounds.entries) throw corrupt(`holds ${n} entries, metas say ${bounds.entries}`);
  // An entry takes at least a timestamp and a length in the header, and a newline after its line.
  if (n * (inflateLines === undefined ? 3 : 2) > reader.remaining) throw corrupt(`claims ${n} entries in ${buf.length} bytes`);
  const ts = new Float64Array(n);
  const base = n > 0 ? reader.varint64() : 0n;
  const deltasEnd = readDeltas(buf, reader.pos, ts, section);
  if (deltasEnd === undefined) return undefined;
  const span = n > 0 ? BigInt(ts[n - 1]!) : 0n;
  if (n > 0 && (base < bounds.mint || base + span > bounds.maxt)) {
    throw corrupt(`timestamps [${base}, ${base + span}] outside the block's bounds [${bounds.mint}, ${bounds.maxt}]`);
  }
  const lineLength = new Int32Array(n);
  const { end, linesBytes } = readLengths(buf, deltasEnd, lineLength, bounds.uncompressedLength, section);
  reader.pos = end;
  const metadataSize = reader.uvarint();
  const metadataStart = reader.skip(metadataSize);
  const metadataEnd = reader.pos;
  if (inflateLines !== undefined && reader.remaining !== 0) throw corrupt(`header has ${reader.remaining} bytes after its metadata`);
  if (inflateLines === undefined && linesBytes !== reader.remaining) throw corrupt(`lines take ${reader.remaining} bytes, lengths say ${linesBytes}`);
  const metadata = metadataSize > 0 ? indexMetadata(buf, n, metadataStart, metadataEnd, section) : undefined;
  const linesFrom = reader.pos;
  const lines = inflateLines ?? (() => ({ buf, from: linesFrom }));
  return new LineColumns(buf, base, ts, lineLength, linesBytes, metadata, lines, section);
}


/** Entry i's metadata as labels; undefined when it has none (as the entry cursor reads it). */
export function readLineMetadata(columns: LineColumns, i: number): Labels | undefined {
  const offsets = columns.metadataOffsets;
  if (offsets === undefined) return undefined;
  const buf = columns.header;
  const reader = new ByteReader(buf, offsets[i]!, offsets[i + 1]!, 'metadata');
  const pairs = reader.uvarint();
  if (pairs === 0) return undefined;
  const metadata: Label[] = [];
  for (let k = 0; k < pairs; k++) {
    const nameLength = reader.uvarint();
    const nameStart = reader.skip(nameLength);
    const valueLength = reader.uvarint();
    const valueStart = reader.skip(valueLength);
    metadata.push({ name: buf.toString('utf8', nameStart, nameStart + nameLength), value: buf.toString('utf8', valueStart, valueStart + valueLength) });
  }
  return metadata;
}
