// Sample selection over stored chunks, with a line-free path. When a sample needs nothing of its
// line but that it exists or how many bytes it has (`count_over_time`, `rate`, `bytes_*` with no
// stage), a stream whose blocks do not overlap one another in time is read block by block as
// columns: lengths and bytes, never a string. Entry identity is kept exactly as the general path
// keeps it: copies within one timestamp are dropped by comparing bytes, and each sample's hash is
// FNV-1a over the line's bytes, which equals the hash over its UTF-16 code units for an ASCII
// line (a non-ASCII line is decoded and hashed as text). With stages, such a stream is read the
// same way, each line decoded from the block's bytes and run through the stages, with no Entry
// object and no merge machinery. Everything else (overlapping replica chunks, delete requests,
// `|=` needles, which the chunk reader searches in the raw block, legacy blocks) takes the
// general path, so the result is the same series, samples and hashes in the same order either way.

import type { Entry, Labels } from '../../core/model.js';
import { compileSampleExpr } from '../../logql/mod.js';
import type { CompiledExtractor, StreamExtractor } from '../../logql/log/extractor.js';
import { ColumnBuilder, columnarSeries } from '../../logql/engine/sample-columns.js';
import { firstAtLeast, SampleFolder, stretchOf, type FoldedSeries } from '../../logql/engine/sample-fold.js';
import { hashEntry, hashStream } from '../../logql/engine/select.js';
import type { QueryStats, SampleSeries, SelectSamplesParams } from '../../logql/types.js';
import type { SamplePlan } from '../../logql/plan.js';
import { DecodedChunk } from '../../storage/chunk/decoded-chunk.js';
import { openLineColumns, readLineMetadata, type LineColumns } from '../../storage/chunk/line-columns.js';
import { planScan } from '../../storage/chunk/scan-plan.js';
import { blockSource } from '../../storage/chunk/sources.js';
import { codecFor } from '../../storage/chunk/encoding.js';
import type { ChunkReader } from '../../storage/chunk/mod.js';
import { deletedTest, withoutDeleted } from '../compactor/deletion/line-filter.js';
import { dedupeEntries, mergeChunks } from './merge-entries.js';
import { selectedStreams } from './stream-source.js';

const encoder = new TextEncoder();

export interface ChunkStream {
  readonly labels: Labels;
  readonly chunks: readonly ChunkReader[];
}

interface Series {
  readonly labels: Labels;
  readonly columns: ColumnBuilder;
}

/** The samples of these streams' chunks in [start, end): `selectSamples` over merged, deduplicated chunks. */
export function selectChunkSamples(streams: readonly ChunkStream[], params: SelectSamplesParams, stats: QueryStats): SampleSeries[] {
  const plan = compileSampleExpr(params.expr);
  const lineFree = (plan.extractor as CompiledExtractor).lineFree;
  const needles = plan.requiredSubstrings.map((text) => encoder.encode(text));
  const series = new Map<string, Series>();
  const seriesFor = (key: string, labels: Labels): Series => {
    let s = series.get(key);
    if (s === undefined) {
      s = { labels, columns: new ColumnBuilder() };
      series.set(key, s);
    }
    return s;
  };
  const folder = folderFor(params, plan);
  const foldBefore = params.foldBefore ?? 0n;
  const folded = new Map<string, FoldedSeries | null>();
  const foldedFor = (key: string, labels: Labels): FoldedSeries | null => {
    let f = folded.get(key);
    if (f === undefined) {
      f = folder!.seriesFor(key, labels) ?? null;
      folded.set(key, f);
    }
    return f;
  };
  const edges = folder?.edges;
  for (const stream of selectedStreams(streams, plan.matchers, params.shard)) {
    const extractor = plan.extractor.forStream(stream.labels) as StreamExtractor;
    const streamHash = hashStream(stream.labels);
    const deleted = deletedTest(params.deletes, stream.labels, params.start, params.end);
    // Read as columns unless a delete request or a `|=` needle (searched in the raw block by the
    // general path's reader) calls for the general path.
    const columnar = deleted === undefined && (lineFree !== undefined || needles.length === 0);
    const blocks = columnar ? disjointBlocks(stream.chunks, params.start, params.end) : undefined;
    // The stretch of the last folded entry: entries mostly come in time order.
    let stretch = 0;
    const stretchAt = (t: number): number => {
      const e = edges!;
      if (stretch < e.length && e[stretch]! >= t && (stretch === 0 || e[stretch - 1]! < t)) return stretch;
      if (stretch + 1 < e.length && e[stretch]! < t && e[stretch + 1]! >= t) return ++stretch;
      return (stretch = stretchOf(e, t));
    };
    // One entry through the general path: the pipeline, the grouping, the hash of its text.
    const general = (entry: Entry): void => {
      if (entry.ts < params.start || entry.ts >= params.end) return;
      stats.totalLinesProcessed++;
      stats.totalBytesProcessed += Buffer.byteLength(entry.line, 'utf8');
      if (!extractor.run(entry.ts, entry.line, entry.metadata)) return;
      if (folder !== undefined && entry.ts < foldBefore) {
        const f = foldedFor(extractor.key, extractor.labels);
        if (f !== null) return f.add(stretchAt(Number(entry.ts - params.start)), extractor.value);
      }
      seriesFor(extractor.key, extractor.labels).columns.push(entry.ts, extractor.value, hashEntry(streamHash, entry.line, entry.metadata));
    };
    if (blocks === undefined) {
      const entries = dedupeEntries(mergeChunks(stream.chunks, { from: params.start, through: params.end, direction: 'forward', mustContain: needles }));
      for (const entry of withoutDeleted(entries, deleted)) general(entry);
      continue;
    }
    // With no stage, an entry's labels follow from its stream and metadata, whatever its text;
    // with stages, each line goes through them, decoded from the block's bytes (no Entry made).
    const metas = new MetadataLabels(extractor);
    const pipeline = lineFree === undefined;
    const countOnly = lineFree === 'count';
    for (const { chunk, index } of blocks) {
      const columns = openLineColumns(chunk, index);
      if (columns === undefined) {
        for (const entry of dedupeEntries(blockEntries(chunk, index, params.start, params.end))) general(entry);
        continue;
      }
      const { base, ts, lineStart, lineLength, buf, metadataOffsets } = columns;
      const n = ts.length;
      // Times as ns after the block's first entry: numbers, compared and stored with no BigInt.
      const from = relative(params.start, base);
      const through = relative(params.end, base);
      const baseLo = Number(BigInt.asUintN(32, base));
      const baseHi = Number(BigInt.asIntN(32, base >> 32n));
      // Entries before `foldUntil` (relative, like `ts`) are folded; the block's place in the windows.
      const foldUntil = folder === undefined ? -Infinity : relative(foldBefore, base);
      const offset = folder === undefined ? 0 : Number(base - params.start);
      let sameTsFrom = -1;
      for (let i = firstAtLeast(ts, from); i < n; i++) {
        const t = ts[i]!;
        if (t >= through) break;
        const meta = metadataOffsets === undefined ? metas.plain : metas.of(columns, i);
        if (i > 0 && ts[i - 1] === t) {
          if (sameTsFrom < 0) sameTsFrom = i - 1;
          if (copyOfEarlier(columns, metas, sameTsFrom, i, meta)) continue;
        } else {
          sameTsFrom = -1;
        }
        const start = lineStart[i]!;
        const length = lineLength[i]!;
        stats.totalLinesProcessed++;
        stats.totalBytesProcessed += length;
        if (pipeline) {
          const line = buf.toString('utf8', start, start + length);
          if (!extractor.run(base + BigInt(t), line, meta.metadata)) continue;
          if (t < foldUntil) {
            const f = foldedFor(extractor.key, extractor.labels);
            if (f !== null) {
              f.add(stretchAt(offset + t), extractor.value);
              continue;
            }
          }
          seriesFor(extractor.key, extractor.labels).columns.pushAfter(baseLo, baseHi, t, extractor.value, hashEntry(streamHash, line, meta.metadata));
          continue;
        }
        if (t < foldUntil) {
          const f = meta.folded === undefined ? (meta.folded = foldedFor(meta.key, meta.labels)) : meta.folded;
          if (f !== null) {
            f.add(stretchAt(offset + t), countOnly ? 1 : length);
            continue;
          }
        }
        const hash = hashMetadata(hashLineBytes(streamHash, buf, start, start + length), meta.metadata);
        (meta.series ??= seriesFor(meta.key, meta.labels)).columns.pushAfter(baseLo, baseHi, t, countOnly ? 1 : length, hash);
      }
    }
  }
  const out: SampleSeries[] = [];
  for (const s of series.values()) out.push(columnarSeries(s.labels, s.columns.finish()));
  if (folder !== undefined) out.push(...folder.finish());
  return out;
}

/** Range aggregations whose windows only add their samples' values, all integers. */
const SUMMED_OPS = new Set(['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate']);

/** A folder when the engine sums the samples over known windows and the querier set `foldBefore`. */
function folderFor(params: SelectSamplesParams, plan: SamplePlan): SampleFolder | undefined {
  if (params.windows === undefined || params.foldBefore === undefined) return undefined;
  if (!SUMMED_OPS.has(plan.expr.op) || plan.expr.range.unwrap !== undefined) return undefined;
  if (params.end - params.start >= 2n ** 53n) return undefined;
  return new SampleFolder(params.windows, params.start);
}

interface BlockRef {
  readonly chunk: DecodedChunk;
  readonly index: number;
}

/**
 * The blocks of a stream's decoded chunks that overlap [start, end), in time order, when no two
 * of them share an instant (so no copy can hide across blocks); undefined otherwise.
 */
function disjointBlocks(chunks: readonly ChunkReader[], start: bigint, end: bigint): BlockRef[] | undefined {
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

/** One block's entries in [start, end), decoded, for a block the line-free path cannot read. */
function* blockEntries(chunk: DecodedChunk, index: number, start: bigint, end: bigint): Generator<Entry> {
  const block = chunk.blocks[index]!;
  const data = chunk.bytes.subarray(block.offset, block.offset + block.compressedLength);
  const cursor = blockSource({ ...block, data }, chunk.format, codecFor(chunk.encoding), index).open(planScan({ from: start, through: end, direction: 'forward' }));
  for (let entry = cursor.next(); entry !== undefined; entry = cursor.next()) yield entry;
}

/**
 * Whether entry `i` equals one of the entries `from..i-1` (all of entry i's timestamp) as the
 * general path compares them: equal metadata, and equal line text: equal bytes, or (only for
 * non-ASCII bytes, where two invalid sequences may decode alike) equal decoded strings.
 */
function copyOfEarlier(columns: LineColumns, metas: MetadataLabels, from: number, i: number, meta: EntryMeta): boolean {
  const { buf, lineStart, lineLength } = columns;
  const start = lineStart[i]!;
  const length = lineLength[i]!;
  const ascii = isAscii(buf, start, start + length);
  for (let k = from; k < i; k++) {
    if (columns.metadataOffsets !== undefined && metas.of(columns, k).suffix !== meta.suffix) continue;
    const other = lineStart[k]!;
    const otherLength = lineLength[k]!;
    if (otherLength === length && buf.compare(buf, start, start + length, other, other + length) === 0) return true;
    if (!ascii && !isAscii(buf, other, other + otherLength) && buf.toString('utf8', start, start + length) === buf.toString('utf8', other, other + otherLength)) return true;
  }
  return false;
}

function isAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}

/** `ts - base` as a number for comparing with a block's relative times (clamped far outside). */
function relative(ts: bigint, base: bigint): number {
  const delta = ts - base;
  if (delta > 2n ** 53n) return Infinity;
  if (delta < -(2n ** 53n)) return -Infinity;
  return Number(delta);
}

/** What an entry's metadata makes of its sample: the labels, and what copies compare. */
interface EntryMeta {
  readonly metadata: Labels | undefined;
  readonly key: string;
  readonly labels: Labels;
  /** The metadata part of `entryKey`: copies have equal lines and equal suffixes. */
  readonly suffix: string;
  series?: Series;
  /** Where its entries fold (null: this series is not folded). */
  folded?: FoldedSeries | null;
}

/**
 * Entries' metadata records decoded once per distinct record of a stream, with their labels.
 * Records are found by their bytes (a short compare with the last one, else an FNV lookup), so
 * reading an entry's metadata makes no string.
 */
class MetadataLabels {
  readonly plain: EntryMeta;
  private readonly seen = new Map<number, { record: Buffer; meta: EntryMeta }[]>();
  private size = 0;
  private lastBuf: Buffer | undefined;
  private lastStart = 0;
  private lastEnd = 0;
  private lastMeta: EntryMeta | undefined;

  constructor(private readonly extractor: StreamExtractor) {
    this.plain = this.make(undefined);
  }

  of(columns: LineColumns, i: number): EntryMeta {
    const offsets = columns.metadataOffsets!;
    const buf = columns.buf;
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    // A record of no pairs is one zero byte.
    if (end - start === 1 && buf[start] === 0) return this.plain;
    if (this.lastBuf !== undefined && equalBytes(buf, start, end, this.lastBuf, this.lastStart, this.lastEnd)) return this.lastMeta!;
    let hash = 0x811c9dc5;
    for (let k = start; k < end; k++) hash = Math.imul(hash ^ buf[k]!, 0x01000193);
    let bucket = this.seen.get(hash);
    let found: EntryMeta | undefined;
    for (const known of bucket ?? []) if (equalBytes(buf, start, end, known.record, 0, known.record.length)) found = known.meta;
    if (found === undefined) {
      if (this.size >= MAX_RECORDS) {
        this.seen.clear();
        this.size = 0;
        bucket = undefined;
      }
      found = this.make(readLineMetadata(columns, i));
      const entry = { record: Buffer.from(buf.subarray(start, end)), meta: found };
      if (bucket === undefined) this.seen.set(hash, [entry]);
      else bucket.push(entry);
      this.size++;
    }
    this.lastBuf = buf;
    this.lastStart = start;
    this.lastEnd = end;
    this.lastMeta = found;
    return found;
  }

  private make(metadata: Labels | undefined): EntryMeta {
    // No stage reads the line, so an empty one gives the labels every line of this metadata gets.
    this.extractor.run(0n, '', metadata);
    let suffix = '';
    for (const { name, value } of metadata ?? []) suffix += '\u0000' + name + '\u0001' + value;
    return { metadata, key: this.extractor.key, labels: this.extractor.labels, suffix };
  }
}

function equalBytes(a: Buffer, aStart: number, aEnd: number, b: Buffer, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let k = 0; k < aEnd - aStart; k++) if (a[aStart + k] !== b[bStart + k]) return false;
  return true;
}

/** Distinct metadata records remembered per stream (a stream usually has a handful). */
const MAX_RECORDS = 4096;

/** FNV-1a of the line from its bytes (as `hashEntry` over its text): over the bytes while they are ASCII. */
function hashLineBytes(streamHash: number, buf: Buffer, start: number, end: number): number {
  let hash = streamHash;
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    if (byte >= 0x80) return hashEntry(streamHash, buf.toString('utf8', start, end), undefined);
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}

/** The rest of `hashEntry`: its metadata folded into the line's hash. */
function hashMetadata(lineHash: number, metadata: Labels | undefined): number {
  let hash = lineHash;
  if (metadata !== undefined) {
    for (const { name, value } of metadata) hash = fnvText(fnvText(hash ^ 0xff, name) ^ 0xfe, value);
  }
  return hash >>> 0;
}

function fnvText(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}
