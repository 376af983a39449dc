// The ingester's read answers are streamed in frames that each fit the bus's payload limit,
// and together carry exactly what the selection found.

import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { encode } from '../../bus/codec.js';
import { labelsFromRecord, labelsToString } from '../../core/model.js';
import { emptyStats } from '../../logql/types.js';
import { decodeSampleBatch } from '../select/sample-batch.js';
import { selectLogs, selectSamples } from '../select/stream-source.js';
import { DEFAULT_INGESTER } from './config.js';
import { createIngesterMetrics } from './metrics.js';
import type { IngesterQueryFrame } from './protocol.js';
import { answerQuery, readableStream, type MemoryStreams } from './reads.js';
import { IngesterStream } from './stream.js';
import { countingTurns } from '../../core/testing/event-loop-turns.js';

const BASE = 1_700_000_000_000_000_000n;
const SECOND = 1_000_000_000n;

function memoryWith(streams: number, entries: number, maxPayloadBytes: number): { memory: MemoryStreams; all: IngesterStream[] } {
  const all: IngesterStream[] = [];
  for (let s = 0; s < streams; s++) {
    const labels = labelsFromRecord({ job: `job-${s % 2}`, stream: String(s) });
    const stream = new IngesterStream('fake', labels, labelsToString(labels), String(s), DEFAULT_INGESTER);
    const batch = [];
    for (let e = 0; e < entries; e++) batch.push({ ts: BASE + BigInt(e) * SECOND, line: `stream=${s} n=${e} level=${e % 3 === 0 ? 'error' : 'info'}` });
    stream.append(batch, Date.now());
    all.push(stream);
  }
  return { memory: { streamsOf: () => all, maxPayloadBytes }, all };
}

async function frames(memory: MemoryStreams, request: Parameters<typeof answerQuery>[1], options?: Parameters<typeof answerQuery>[3]): Promise<IngesterQueryFrame[]> {
  const out: IngesterQueryFrame[] = [];
  for await (const frame of answerQuery(memory, request, createIngesterMetrics(new Registry()), options)) out.push(frame);
  return out;
}

/** A clock that moves 1 ms each time it is read: the scan's slices run out after a fixed amount of work. */
function steppingClock(): () => number {
  let t = 0;
  return () => t++;
}

describe('ingester reads', () => {
  it('streams samples in bulk frames under the payload limit, one stream after another', async () => {
    const maxPayloadBytes = 64 * 1024;
    const { memory, all } = memoryWith(4, 20_000, maxPayloadBytes);
    const params = { tenant: 'fake', expr: 'count_over_time({job=~"job-.*"}[1m])', start: BASE, end: BASE + 20_000n * SECOND };
    const got = await frames(memory, { kind: 'samples', params });
    for (const frame of got) expect(encode(frame).length).toBeLessThanOrEqual(maxPayloadBytes);
    expect(got.length).toBeGreaterThan(4 * 20_000 * 20 / maxPayloadBytes);
    expect(got[got.length - 1]!.stats?.totalLinesProcessed).toBe(80_000);

    const received = new Map<string, bigint[]>();
    for (const frame of got) {
      for (const batch of frame.sampleBatches ?? []) {
        const series = decodeSampleBatch(batch);
        const key = labelsToString(series.labels);
        received.set(key, [...(received.get(key) ?? []), ...series.samples.map((s) => s.ts)]);
      }
    }
    const expected = selectSamples(all.map(readableStream), params, emptyStats());
    expect(received.size).toBe(expected.length);
    for (const series of expected) expect(received.get(labelsToString(series.labels))).toEqual(series.samples.map((s) => s.ts));
  });

  it('keeps values and entry hashes through the bulk encoding', async () => {
    const { memory, all } = memoryWith(1, 50, 1024 * 1024);
    const params = { tenant: 'fake', expr: 'bytes_over_time({stream="0"}[1m])', start: BASE, end: BASE + 60n * SECOND };
    const got = await frames(memory, { kind: 'samples', params });
    const decoded = got.flatMap((frame) => (frame.sampleBatches ?? []).map(decodeSampleBatch));
    expect(decoded.flatMap((s) => s.samples)).toEqual(selectSamples(all.map(readableStream), params, emptyStats())[0]!.samples);
  });

  it('cuts a log answer into frames under the payload limit, entries in order', async () => {
    const maxPayloadBytes = 16 * 1024;
    const { memory } = memoryWith(2, 3_000, maxPayloadBytes);
    const params = { tenant: 'fake', selector: '{stream="1"}', start: BASE, end: BASE + 3_000n * SECOND, direction: 'forward' as const, limit: 2_000 };
    const got = await frames(memory, { kind: 'logs', params });
    for (const frame of got) expect(encode(frame).length).toBeLessThanOrEqual(maxPayloadBytes);
    const lines = got.flatMap((frame) => (frame.streams ?? []).flatMap((stream) => stream.entries.map((e) => e.line)));
    expect(lines).toEqual(Array.from({ length: 2_000 }, (_, n) => `stream=1 n=${n} level=${n % 3 === 0 ? 'error' : 'info'}`));
    expect(got.length).toBeGreaterThan(3);
  });

  describe('give the event loop back during long scans', () => {
    // 200,000 lines over 4 streams: scanning them takes far longer than one 5 ms slice.
    const maxPayloadBytes = 1024 * 1024;
    const { memory, all } = memoryWith(4, 50_000, maxPayloadBytes);
    const end = BASE + 50_000n * SECOND;

    it('while selecting the first entries across all streams, with the answer unchanged', async () => {
      // Only the last entries of each stream pass, so every stream is scanned nearly to its end.
      const params = { tenant: 'fake', selector: '{job=~"job-.*"} | logfmt | n > 49500', start: BASE, end, direction: 'forward' as const, limit: 1_000 };
      const { value: got, turns } = await countingTurns(() => frames(memory, { kind: 'logs', params }));
      expect(turns).toBeGreaterThan(0);
      const expectedStats = emptyStats();
      const expected = selectLogs(all.map(readableStream), params, expectedStats);
      expect(got.flatMap((frame) => frame.streams ?? [])).toEqual(expected);
      expect(got.at(-1)!.stats).toEqual(expectedStats);
      expect(expectedStats.totalLinesProcessed).toBeGreaterThan(150_000);
      expect(expected.reduce((sum, stream) => sum + stream.entries.length, 0)).toBe(1_000);
    });

    it('while a line filter passes over most lines inside the chunk reader', async () => {
      // `|= "n=49999 "` is checked on the raw bytes as the chunks are read: one step of the
      // reader passes over whole blocks, so the scan pauses between windows of the streams.
      const params = { tenant: 'fake', selector: '{job=~"job-.*"} |= "n=49999 "', start: BASE, end, direction: 'backward' as const, limit: 100 };
      // A slice of 1 ms on a clock that moves 1 ms a reading: a pause at every chance. Without
      // windows the chances would be one per stream and per 256 matching lines: 4 or so.
      const { value: got, turns } = await countingTurns(() => frames(memory, { kind: 'logs', params }, { timeSlice: { now: steppingClock(), sliceMs: 1 } }));
      expect(turns).toBeGreaterThan(12);
      const expected = selectLogs(all.map(readableStream), params, emptyStats());
      expect(got.flatMap((frame) => frame.streams ?? [])).toEqual(expected);
      expect(expected.flatMap((stream) => stream.entries.map((entry) => entry.line)).sort()).toEqual(
        [0, 1, 2, 3].map((s) => `stream=${s} n=49999 level=info`),
      );
    });

    it('while extracting samples, between streams and within one long stream', async () => {
      const params = { tenant: 'fake', expr: 'count_over_time({stream="0"}[1m])', start: BASE, end };
      // A slice that runs out every 5 clock readings, one reading per 256 entries: pauses
      // inside the single stream's 50,000 entries, whatever the speed of the machine.
      const { value: got, turns } = await countingTurns(() => frames(memory, { kind: 'samples', params }, { timeSlice: { now: steppingClock() } }));
      expect(turns).toBeGreaterThan(20);
      const expected = selectSamples(all.map(readableStream), params, emptyStats());
      const decoded = got.flatMap((frame) => (frame.sampleBatches ?? []).map(decodeSampleBatch));
      expect(decoded.flatMap((series) => series.samples)).toEqual(expected[0]!.samples);
      expect(got.at(-1)!.stats?.totalLinesProcessed).toBe(50_000);
    });

    it('while listing the label values of many streams', async () => {
      const many = memoryWith(3_000, 1, maxPayloadBytes).memory;
      const request = { kind: 'labelValues' as const, params: { tenant: 'fake', name: 'stream', start: BASE, end: BASE + SECOND } };
      const { value: got, turns } = await countingTurns(() => frames(many, request, { timeSlice: { now: steppingClock(), checkEvery: 100 } }));
      expect(turns).toBeGreaterThan(2);
      expect(new Set(got.flatMap((frame) => frame.values ?? []))).toEqual(new Set(Array.from({ length: 3_000 }, (_, s) => String(s))));
    });
  });
});
