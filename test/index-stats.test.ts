// Index statistics and volume end to end: figures for data in memory are exact, and a flush (the
// ingester keeps flushed chunks for its retain period) moves chunks to storage without counting
// any of them twice.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNorn } from '../app/norn.js';
import { columnBlockSize, columnsOfEntries } from '../storage/chunk/column-writer.js';
import { LokiClient, nowNs, type PushedStream } from './helpers/loki-client.js';
import { startTestNorn } from './helpers/norn.js';

interface Stats {
  streams: number;
  chunks: number;
  entries: number;
  bytes: number;
}

interface VolumeAnswer {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

let norn: RunningNorn;
let loki: LokiClient;
const base = nowNs() - 60_000_000_000n;
const range = { start: String(base - 1_000_000_000n), end: String(base + 3_600_000_000_000n) };

function stream(labels: Record<string, string>, count: number, offset: number, text: string): PushedStream {
  return { stream: labels, values: Array.from({ length: count }, (_, i) => [String(base + BigInt(offset + i)), `${text} line ${i}`]) };
}

/** What the chunks record for these entries: their serialized, uncompressed size. */
/** Each pushed stream is one chunk of one block here: its size in the column layout. */
function bytesOf(streams: readonly PushedStream[]): number {
  let bytes = 0;
  for (const pushed of streams) {
    const entries = pushed.values.map(([ts, line]) => ({ ts: BigInt(ts), line })).sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    bytes += columnBlockSize(columnsOfEntries(entries, entries.map((entry) => Buffer.byteLength(entry.line))));
  }
  return bytes;
}

const apiProd = stream({ job: 'stats', app: 'api', env: 'prod' }, 5, 0, 'api prod');
const apiDev = stream({ job: 'stats', app: 'api', env: 'dev' }, 3, 100, 'api dev with a much longer text than the other streams have');
const webProd = stream({ job: 'stats', app: 'web', env: 'prod' }, 4, 200, 'web');
const other = stream({ job: 'elsewhere' }, 7, 300, 'not counted');

function stats(query: string): Promise<Stats> {
  return loki.getJson<Stats>('/loki/api/v1/index/stats', { query, ...range });
}

function volume(query: string, params: Record<string, string> = {}): Promise<VolumeAnswer> {
  return loki.getJson<VolumeAnswer>('/loki/api/v1/index/volume', { query, ...range, ...params });
}

beforeAll(async () => {
  norn = await startTestNorn();
  loki = new LokiClient(norn.address);
  await loki.push([apiProd, apiDev, webProd, other]);
});

afterAll(async () => {
  await norn?.stop();
});

describe('index stats', () => {
  it('counts streams, chunks, entries and bytes held in memory exactly', async () => {
    expect(await stats('{job="stats"}')).toEqual({ streams: 3, chunks: 3, entries: 12, bytes: bytesOf([apiProd, apiDev, webProd]) });
    expect(await stats('{job="stats", app="api"}')).toEqual({ streams: 2, chunks: 2, entries: 8, bytes: bytesOf([apiProd, apiDev]) });
    expect(await stats('{job="none"}')).toEqual({ streams: 0, chunks: 0, entries: 0, bytes: 0 });
  });

  it('answers a range before the data with zeros', async () => {
    const before = { start: String(base - 7_200_000_000_000n), end: String(base - 3_600_000_000_000n) };
    expect(await loki.getJson<Stats>('/loki/api/v1/index/stats', { query: '{job="stats"}', ...before })).toEqual({
      streams: 0,
      chunks: 0,
      entries: 0,
      bytes: 0,
    });
  });

  it('refuses a request without a selector', async () => {
    expect((await loki.get('/loki/api/v1/index/stats', range)).status).toBe(400);
  });
});

describe('index volume', () => {
  it('groups by the target label, largest first', async () => {
    const answer = await volume('{job="stats"}', { targetLabels: 'app' });
    expect(answer.status).toBe('success');
    expect(answer.data.resultType).toBe('vector');
    expect(answer.data.result.map((group) => [group.metric, group.value[1]])).toEqual([
      [{ app: 'api' }, String(bytesOf([apiProd, apiDev]))],
      [{ app: 'web' }, String(bytesOf([webProd]))],
    ]);
    expect(answer.data.result[0]!.value[0]).toBe(Number(BigInt(range.end) / 1_000_000n) / 1000);
  });

  it('groups by the selector labels by default, per label name with aggregateBy=labels, and limits', async () => {
    const all = String(bytesOf([apiProd, apiDev, webProd]));
    const bySelector = await volume('{job="stats"}');
    expect(bySelector.data.result.map((group) => [group.metric, group.value[1]])).toEqual([[{ job: 'stats' }, all]]);
    const byLabels = await volume('{job="stats"}', { aggregateBy: 'labels' });
    expect(byLabels.data.result.map((group) => [group.metric, group.value[1]])).toEqual([
      [{ app: '' }, all],
      [{ env: '' }, all],
      [{ job: '' }, all],
    ]);
    const limited = await volume('{job="stats"}', { targetLabels: 'env,app', limit: '1' });
    expect(limited.data.result.map((group) => group.metric)).toEqual([{ app: 'api', env: 'dev' }]);
  });
});

describe('after a flush', () => {
  it('counts chunks in storage and chunks still in memory once each', async () => {
    const before = await stats('{job="stats"}');
    const flushed = await fetch(`${norn.address}/flush`, { method: 'POST' });
    expect(flushed.status).toBe(204);
    // The ingester still holds the flushed chunks (retain period); the store indexes them too.
    expect(await stats('{job="stats"}')).toEqual(before);

    const more = stream({ job: 'stats', app: 'api', env: 'prod' }, 2, 50, 'after flush');
    await loki.push([more]);
    expect(await stats('{job="stats"}')).toEqual({
      streams: 3,
      chunks: 4,
      entries: 14,
      bytes: bytesOf([apiProd, apiDev, webProd, more]),
    });
    const byApp = await volume('{job="stats"}', { targetLabels: 'app' });
    expect(byApp.data.result.map((group) => [group.metric, group.value[1]])).toEqual([
      [{ app: 'api' }, String(bytesOf([apiProd, apiDev, more]))],
      [{ app: 'web' }, String(bytesOf([webProd]))],
    ]);
  });
});
