// The ingester's read answers are streamed in frames that each fit the bus's payload limit,
// and together carry exactly what the selection found.

import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { encode } from '../../bus/codec.js';
import { labelsFromRecord, labelsToString } from '../../core/model.js';
import { emptyStats } from '../../logql/types.js';
import { decodeSampleBatch } from '../select/sample-batch.js';
import { selectSamples } from '../select/stream-source.js';
import { DEFAULT_INGESTER } from './config.js';
import { createIngesterMetrics } from './metrics.js';
import type { IngesterQueryFrame } from './protocol.js';
import { answerQuery, readableStream, type MemoryStreams } from './reads.js';
import { IngesterStream } from './stream.js';

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

async function frames(memory: MemoryStreams, request: Parameters<typeof answerQuery>[1]): Promise<IngesterQueryFrame[]> {
  const out: IngesterQueryFrame[] = [];
  for await (const frame of answerQuery(memory, request, createIngesterMetrics(new Registry()))) out.push(frame);
  return out;
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
});
