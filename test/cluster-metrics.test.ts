// A day of lines on three ingesters (RF 3) behind a nats-server with a 1 MiB max_payload: a
// metric query over the whole day needs each ingester's answer in many messages, streamed and
// consumed as they arrive, and its values must be exact (replicas' copies counted once).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, waitForRing, type TestCluster } from './helpers/cluster.js';
import { LokiClient } from './helpers/loki-client.js';

const STREAMS = 40;
const EVERY_S = 10;
const HOURS = 24;
const PER_STREAM = (HOURS * 3600) / EVERY_S; // 8,640 lines a stream, 345,600 in all
const SECOND = 1_000_000_000n;

let cluster: TestCluster;
let loki: LokiClient;
// Whole hours, so the hourly windows of the query fall on exact boundaries.
const endS = Math.floor(Date.now() / 3_600_000) * 3600 - 3600;
const startS = endS - HOURS * 3600;

beforeAll(async () => {
  cluster = await startCluster({ ingesters: 3, replicationFactor: 3, maxPayloadBytes: 1024 * 1024 });
  loki = new LokiClient(cluster.gateway.url);
  await waitForRing(cluster.gateway, (r) => r.members.filter((m) => m.state === 'ACTIVE').length === 3);
  // Line i of stream s sits at start + (i + 1) * 10 s, so the last one is exactly at the end.
  const batch = 240;
  for (let from = 0; from < PER_STREAM; from += batch) {
    const streams = [];
    for (let s = 0; s < STREAMS; s++) {
      const values: Array<[string, string]> = [];
      for (let i = from; i < Math.min(PER_STREAM, from + batch); i++) {
        values.push([String(BigInt(startS + (i + 1) * EVERY_S) * SECOND), `n=${i}`]);
      }
      streams.push({ stream: { bench: 'day', job: `job-${s % 4}`, stream: String(s) }, values });
    }
    // A 500 is Loki's "retry": a busy replica may miss the push timeout.
    for (let attempt = 1; ; attempt++) {
      try {
        await loki.push(streams);
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
  }
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('a day-long metric query on a cluster with a 1 MiB bus limit', () => {
  it('answers sum by (job) (count_over_time(...[1h])) over the day with exact counts', async () => {
    const body = await loki.getJson<{ data: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } }>(
      '/loki/api/v1/query_range',
      {
        query: 'sum by (job) (count_over_time({bench="day"}[1h]))',
        start: String(startS + 3600),
        end: String(endS),
        step: '3600',
      },
    );
    expect(body.data.resultType).toBe('matrix');
    expect(body.data.result.map((series) => series.metric)).toEqual([0, 1, 2, 3].map((j) => ({ job: `job-${j}` })));
    // Every hourly window (T - 1h, T] holds 360 lines of each of a job's 10 streams.
    for (const series of body.data.result) {
      expect(series.values).toEqual(Array.from({ length: HOURS }, (_, h) => [startS + 3600 * (h + 1), '3600']));
    }
  }, 120_000);

  it('answers the same day as a log query, limit respected', async () => {
    const body = await loki.queryRange('{bench="day", stream="7"}', { start: String(startS), end: String(endS + 1), limit: '5000', direction: 'backward' });
    const values = body.data.result.flatMap((stream) => stream.values.map(([, line]) => line));
    expect(values.length).toBe(5000);
    expect(values[0]).toBe(`n=${PER_STREAM - 1}`);
  }, 120_000);
});
