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
import { firstAtLeast, SampleFolder, stretchOf, SUMMED_OPS } from '../../logql/engine/sample-fold.js';
import { hashEntry, hashStream } from '../../logql/engine/select.js';
import type { QueryStats, SampleSeries, SelectSamplesParams } from '../../logql/types.js';
import type { SamplePlan } from '../../logql/plan.js';
import { DecodedChunk } from '../../storage/chunk/decoded-chunk.js';
import { openLineColumns, type BlockLines } from '../../storage/chunk/line-columns.js';
import { lineText } from '../../storage/chunk/line-text.js';
import { planScan } from '../../storage/chunk/scan-plan.js';
import type { ChunkReader } from '../../storage/chunk/mod.js';
import { deletedTest, withoutDeleted } from '../compactor/deletion/line-filter.js';
import { dedupeEntries, mergeChunks } from './merge-entries.js';
import { disjointBlocks } from './disjoint-blocks.js';
import { copyOfEarlier, hashLineBytes, hashMetadata, MetadataLabels } from './column-entries.js';
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
        const f = folder.seriesFor(extractor.key, extractor.labels);
        if (f !== undefined) return f.add(stretchAt(Number(entry.ts - params.start)), extractor.value);
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
    const metas = new MetadataLabels<Series>(extractor);
    const pipeline = lineFree === undefined;
    const countOnly = lineFree === 'count';
    for (const { chunk, index } of blocks) {
      const columns = openLineColumns(chunk, index);
      if (columns === undefined) {
        for (const entry of dedupeEntries(blockEntries(chunk, index, params.start, params.end))) general(entry);
        continue;
      }
      const { base, ts, lineLength, metadataOffsets } = columns;
      // The lines are read (for a norn-v2 block, inflated) only once an entry needs them: a stage
      // reads it, a sample keeps its hash, or copies at one timestamp are compared.
      let lines: BlockLines | undefined;
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
        const length = lineLength[i]!;
        stats.totalLinesProcessed++;
        stats.totalBytesProcessed += length;
        if (pipeline) {
          lines ??= columns.lines();
          const start = lines.lineStart[i]!;
          const line = lineText(lines.buf, lines.ascii, start, start + length);
          if (!extractor.run(base + BigInt(t), line, meta.metadata)) continue;
          if (t < foldUntil) {
            const f = folder!.seriesFor(extractor.key, extractor.labels);
            if (f !== undefined) {
              f.add(stretchAt(offset + t), extractor.value);
              continue;
            }
          }
          seriesFor(extractor.key, extractor.labels).columns.pushAfter(baseLo, baseHi, t, extractor.value, hashEntry(streamHash, line, meta.metadata));
          continue;
        }
        if (t < foldUntil) {
          const f = meta.folded === undefined ? (meta.folded = folder!.seriesFor(meta.key, meta.labels) ?? null) : meta.folded;
          if (f !== null) {
            f.add(stretchAt(offset + t), countOnly ? 1 : length);
            continue;
          }
        }
        lines ??= columns.lines();
        const start = lines.lineStart[i]!;
        const hash = hashMetadata(hashLineBytes(streamHash, lines.buf, start, start + length), meta.metadata);
        (meta.series ??= seriesFor(meta.key, meta.labels)).columns.pushAfter(baseLo, baseHi, t, countOnly ? 1 : length, hash);
      }
    }
  }
  const out: SampleSeries[] = [];
  for (const s of series.values()) out.push(columnarSeries(s.labels, s.columns.finish()));
  if (folder !== undefined) out.push(...folder.finish());
  return out;
}

/** A folder when the engine sums the samples over known windows and the querier set `foldBefore`. */
function folderFor(params: SelectSamplesParams, plan: SamplePlan): SampleFolder | undefined {
  if (params.windows === undefined || params.foldBefore === undefined) return undefined;
  if (!SUMMED_OPS.has(plan.expr.op) || plan.expr.range.unwrap !== undefined) return undefined;
  if (params.end - params.start >= 2n ** 53n) return undefined;
  return new SampleFolder(params.windows, params.start);
}

/** One block's entries in [start, end), decoded, for a block the line-free path cannot read. */
function* blockEntries(chunk: DecodedChunk, index: number, start: bigint, end: bigint): Generator<Entry> {
  const cursor = chunk.openBlock(index, planScan({ from: start, through: end, direction: 'forward' }));
  for (let entry = cursor.next(); entry !== undefined; entry = cursor.next()) yield entry;
}

/** `ts - base` as a number for comparing with a block's relative times (clamped far outside). */
function relative(ts: bigint, base: bigint): number {
  const delta = ts - base;
  if (delta > 2n ** 53n) return Infinity;
  if (delta < -(2n ** 53n)) return -Infinity;
  return Number(delta);
}
