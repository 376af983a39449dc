// One node, end to end over real HTTP: Loki's own client libraries push, the query API reads
// back, bad input is refused with Loki's words while the node keeps serving.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { pinoLoki } from 'pino-loki';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { LokiClient, nowNs } from './helpers/loki-client.js';
import { startTestNorn } from './helpers/norn.js';
import type { RunningNorn } from '../app/norn.js';

let norn: RunningNorn;
let loki: LokiClient;

beforeAll(async () => {
  norn = await startTestNorn();
  loki = new LokiClient(norn.address);
});

afterAll(async () => {
  await norn?.stop();
});

describe('Loki clients', () => {
  it('reads back what pino-loki pushed (JSON)', async () => {
    const stream = pinoLoki({ host: norn.address, batching: false, labels: { app: 'pino-e2e' } });
    const logger = pino({ level: 'info' }, stream);
    for (let i = 0; i < 25; i++) logger.info({ seq: i }, `pino line ${i}`);
    const lines = await loki.waitForLines('{app="pino-e2e"}', (found) => found.length === 25);
    // pino stamps milliseconds, so lines share timestamps and their order within one is arbitrary.
    const seqs = lines.map((line) => JSON.parse(line) as { seq: number; msg: string });
    expect(seqs.map((log) => log.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(seqs.every((log) => log.msg === `pino line ${log.seq}`)).toBe(true);
  });

  it('reads back what winston-loki pushed (protobuf + snappy)', async () => {
    const transport = new LokiTransport({ host: norn.address, labels: { app: 'winston-e2e' }, json: false, batching: true, interval: 0.2 });
    // winston-loki falls back to JSON when the snappy binding is missing: prove the protobuf path ran.
    expect((transport as unknown as { batcher: { contentType: string } }).batcher.contentType).toBe('application/x-protobuf');
    const logger = winston.createLogger({ transports: [transport] });
    for (let i = 0; i < 40; i++) logger.info(`winston line ${i}`, { labels: { level: 'info' } });
    await transport.flush();
    const lines = await loki.waitForLines('{app="winston-e2e"}', (found) => found.length === 40);
    expect(lines.every((line) => /winston line \d+/.test(line))).toBe(true);
    expect(new Set(lines).size).toBe(40);
    await transport.close();
  });
});

describe('push and query', () => {
  it('filters lines and keeps nanosecond timestamps exact', async () => {
    const base = nowNs() - 5_000_000_000n;
    await loki.push([
      {
        stream: { job: 'filters', env: 'prod' },
        values: [
          [String(base + 1n), 'GET /index 200'],
          [String(base + 2n), 'GET /missing 404'],
          [String(base + 3n), 'POST /login 500 error'],
        ],
      },
    ]);
    const body = await loki.queryRange('{job="filters"} |= "GET" != "404"', { direction: 'forward' });
    expect(body.status).toBe('success');
    expect(body.data.resultType).toBe('streams');
    expect(body.data.result).toEqual([{ stream: { env: 'prod', job: 'filters' }, values: [[String(base + 1n), 'GET /index 200']] }]);
    expect(await loki.lines('{job="filters"} |~ "(404|500)"')).toEqual(['GET /missing 404', 'POST /login 500 error']);
    expect(await loki.lines('{job=~"fil.*", env!="dev"} !~ "GET"')).toEqual(['POST /login 500 error']);
  });

  it('answers labels, label values and series', async () => {
    const labels = await loki.getJson<{ status: string; data: string[] }>('/loki/api/v1/labels', { start: '0' });
    expect(labels.data).toEqual(expect.arrayContaining(['app', 'env', 'job']));
    const values = await loki.getJson<{ data: string[] }>('/loki/api/v1/label/job/values', { start: '0' });
    expect(values.data).toContain('filters');
    const series = await loki.getJson<{ data: Array<Record<string, string>> }>('/loki/api/v1/series', { 'match[]': '{job="filters"}', start: '0' });
    expect(series.data).toEqual([{ env: 'prod', job: 'filters' }]);
  });

  it('returns the newest lines first and honours limit', async () => {
    const base = nowNs() - 10_000_000_000n;
    const values: Array<[string, string]> = Array.from({ length: 10 }, (_, i) => [String(base + BigInt(i) * 1000n), `line ${i}`]);
    await loki.push([{ stream: { job: 'limits' }, values }]);
    const body = await loki.queryRange('{job="limits"}', { limit: '3' });
    expect(body.data.result[0]!.values.map((value) => value[1])).toEqual(['line 9', 'line 8', 'line 7']);
  });
});

describe('bad input', () => {
  it('refuses malformed bodies with 400 and keeps serving', async () => {
    const bad = [
      await loki.pushRaw('{"streams": [', 'application/json'),
      await loki.pushRaw('{"streams":[{"stream":{"a":"b"},"values":[["not-a-time","x"]]}]}', 'application/json'),
      await loki.pushRaw(new Uint8Array([0xff, 0x00, 0x13, 0x37]), 'application/x-protobuf'),
      await loki.pushRaw('{"streams":[{"stream":{},"values":[["1","x"]]}]}', 'application/json'),
    ];
    for (const response of bad) {
      expect(response.status).toBe(400);
      expect((await response.text()).length).toBeGreaterThan(0);
    }
    const ts = String(nowNs());
    await loki.push([{ stream: { job: 'after-bad' }, values: [[ts, 'still here']] }]);
    expect(await loki.lines('{job="after-bad"}')).toEqual(['still here']);
  });

  it('writes the valid streams of a request that also has invalid ones', async () => {
    const now = nowNs();
    const tooOld = now - 30n * 24n * 3600n * 1_000_000_000n;
    const response = await loki.pushRaw(
      JSON.stringify({
        streams: [
          { stream: { job: 'mixed', kind: 'good' }, values: [[String(now), 'kept']] },
          { stream: { job: 'mixed', kind: 'old' }, values: [[String(tooOld), 'too old']] },
          { stream: { job: 'mixed', kind: 'long' }, values: [[String(now), 'x'.repeat(300 * 1024)]] },
        ],
      }),
    );
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain(`entry for stream '{job="mixed", kind="old"}' has timestamp too old`);
    expect(text).toContain(`Max entry size '262144' bytes exceeded for stream '{job="mixed", kind="long"}'`);
    expect(await loki.lines('{job="mixed"}')).toEqual(['kept']);
  });

  it('refuses entries too far behind the stream\'s newest one', async () => {
    const now = nowNs();
    await loki.push([{ stream: { job: 'order' }, values: [[String(now), 'newest']] }]);
    const twoHours = 2n * 3600n * 1_000_000_000n;
    const response = await loki.pushRaw(JSON.stringify({ streams: [{ stream: { job: 'order' }, values: [[String(now - twoHours), 'late']] }] }));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('entry too far behind');
    // Within the window (half the max chunk age) out-of-order entries are fine.
    await loki.push([{ stream: { job: 'order' }, values: [[String(now - 60_000_000_000n), 'a minute earlier']] }]);
    expect(await loki.lines('{job="order"}')).toEqual(['a minute earlier', 'newest']);
  });

  it('refuses bad queries with 400', async () => {
    const response = await loki.get('/loki/api/v1/query_range', { query: '{job="x"' });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/parse error/);
    const empty = await loki.get('/loki/api/v1/query_range', { query: '{job=""}' });
    expect(empty.status).toBe(400);
  });
});

describe('flush and storage', () => {
  it('flushes on POST /flush and still answers from storage', async () => {
    const ts = nowNs() - 1_000_000_000n;
    await loki.push([{ stream: { job: 'flushed' }, values: [[String(ts), 'to storage']] }]);
    const flushed = await fetch(`${norn.address}/flush`, { method: 'POST' });
    expect(flushed.status).toBe(204);
    expect(await loki.lines('{job="flushed"}')).toEqual(['to storage']);
    const metrics = await (await fetch(`${norn.address}/metrics`)).text();
    expect(metrics).toMatch(/norn_ingester_chunks_flushed_total\{reason="forced"\} [1-9]/);
    expect(metrics).toContain('norn_ring_members{state="ACTIVE"} 1');
    expect(metrics).toMatch(/norn_distributor_lines_received_total\{tenant="fake"\} [1-9]/);
  });
});
