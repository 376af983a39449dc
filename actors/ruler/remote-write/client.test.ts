import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import protobuf from 'protobufjs';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REMOTE_WRITE } from '../config.js';
import { rulerMetrics } from '../metrics.js';
import { RemoteWriteClient } from './client.js';

const snappy = createRequire(import.meta.url)('snappyjs') as { uncompress(input: Uint8Array): Uint8Array };

interface Received {
  headers: IncomingMessage['headers'];
  series: Array<{ labels: Record<string, string>; samples: Array<{ bits: string; value: number; timestampMs: number }> }>;
}

/** Decodes a WriteRequest by hand, keeping each sample's raw bits (staleness markers are NaNs). */
function decode(body: Uint8Array): Received['series'] {
  const reader = protobuf.Reader.create(snappy.uncompress(body));
  const series: Received['series'] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    expect(tag).toBe((1 << 3) | 2);
    const end = reader.uint32() + reader.pos;
    const one: Received['series'][number] = { labels: {}, samples: [] };
    while (reader.pos < end) {
      const field = reader.uint32() >>> 3;
      const fieldEnd = reader.uint32() + reader.pos;
      if (field === 1) {
        let name = '';
        let value = '';
        while (reader.pos < fieldEnd) {
          const t = reader.uint32() >>> 3;
          if (t === 1) name = reader.string();
          else value = reader.string();
        }
        one.labels[name] = value;
      } else {
        const sample = { bits: '', value: 0, timestampMs: 0 };
        while (reader.pos < fieldEnd) {
          const t = reader.uint32() >>> 3;
          if (t === 1) {
            const bytes = reader.buf.subarray(reader.pos, reader.pos + 8);
            sample.bits = Buffer.from(bytes).reverse().toString('hex');
            sample.value = reader.double();
          } else sample.timestampMs = Number(reader.int64());
        }
        one.samples.push(sample);
      }
    }
    series.push(one);
  }
  return series;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A receiver answering each request with the next status of `statuses` (then 204). */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, series: decode(Buffer.concat(chunks)) });
      const status = statuses.shift() ?? 204;
      response.writeHead(status).end(status >= 400 ? 'out of order sample' : '');
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api/v1/write`, received };
}

function client(url: string, overrides: Partial<typeof DEFAULT_REMOTE_WRITE> = {}) {
  const registry = new Registry();
  const metrics = rulerMetrics(registry);
  const waits: number[] = [];
  const rw = new RemoteWriteClient({
    config: { ...DEFAULT_REMOTE_WRITE, url, headers: { 'X-Scope-OrgID': 'tenant-1' }, basicAuth: { username: 'u', password: 'p' }, ...overrides },
    externalLabels: { cluster: 'eu-1' },
    metrics,
    logger: pino({ level: 'silent' }),
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
  return { rw, waits, value };
}

const sample = (value: number, t = 1_700_000_000_000, extra: Record<string, string> = {}) => ({
  labels: { __name__: 'app:errors:count1m', app: 'checkout', ...extra },
  value,
  timestampMs: t,
});

describe('RemoteWriteClient', () => {
  it('sends snappy protobuf with Prometheus headers, external labels and staleness markers', async () => {
    const { url, received } = await receiver([]);
    const { rw, value } = client(url);
    rw.append('fake', [sample(7), { ...sample(Number.NaN, 1_700_000_001_000, { app: 'gone' }), stale: true }]);
    await rw.flush();
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.headers['content-encoding']).toBe('snappy');
    expect(request!.headers['content-type']).toBe('application/x-protobuf');
    expect(request!.headers['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(request!.headers['x-scope-orgid']).toBe('tenant-1');
    expect(request!.headers['authorization']).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(request!.series[0]).toEqual({
      labels: { __name__: 'app:errors:count1m', app: 'checkout', cluster: 'eu-1' },
      samples: [{ bits: '401c000000000000', value: 7, timestampMs: 1_700_000_000_000 }],
    });
    expect(request!.series[1]!.samples[0]!.bits).toBe('7ff0000000000002');
    expect(await value('norn_ruler_remote_write_samples_total')).toBe(2);
    expect(await value('norn_ruler_remote_write_samples_pending')).toBe(0);
  });

  it('retries 5xx and 429 with doubling backoff, then sends in order', async () => {
    const { url, received } = await receiver([503, 429, 500]);
    const { rw, waits, value } = client(url, { minBackoffMs: 30, maxBackoffMs: 100, maxSamplesPerSend: 2 });
    rw.append('fake', [sample(1, 1), sample(2, 2), sample(3, 3)]);
    await rw.flush();
    expect(waits).toEqual([30, 60, 100]);
    expect(received.map((r) => r.series.map((s) => s.samples[0]!.value))).toEqual([[1, 2], [1, 2], [1, 2], [1, 2], [3]]);
    expect(await value('norn_ruler_remote_write_samples_total')).toBe(3);
    expect(await value('norn_ruler_remote_write_samples_retried_total')).toBe(6);
    expect(await value('norn_ruler_remote_write_samples_failed_total')).toBe(0);
  });

  it('counts samples the receiver refuses (4xx) as failed and goes on', async () => {
    const { url, received } = await receiver([400]);
    const { rw, value } = client(url, { maxSamplesPerSend: 1 });
    rw.append('fake', [sample(1), sample(2)]);
    await rw.flush();
    expect(received).toHaveLength(2);
    expect(await value('norn_ruler_remote_write_samples_failed_total')).toBe(1);
    expect(await value('norn_ruler_remote_write_samples_total')).toBe(1);
  });

  it('counts what does not fit in the queue as dropped, never silently', async () => {
    const { url } = await receiver([]);
    const { rw, value } = client(url, { queueCapacity: 2 });
    rw.append('fake', [sample(1), sample(2), sample(3), sample(4), sample(5)]);
    expect(await value('norn_ruler_remote_write_samples_dropped_total')).toBe(3);
    await rw.flush();
    expect(await value('norn_ruler_remote_write_samples_total')).toBe(2);
  });
});
