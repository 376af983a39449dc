// Live tail end to end, on a node and on a cluster: every line pushed during a tail arrives,
// exactly once, lagging timestamps included, and replicas' copies are not repeated.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningNorn } from '../app/norn.js';
import { LokiClient, nowNs } from './helpers/loki-client.js';
import { startTestNorn } from './helpers/norn.js';
import { startCluster, type TestCluster } from './helpers/cluster.js';

interface Tail {
  readonly lines: string[];
  close(): void;
}

async function tail(base: string, query: string, tenant?: string): Promise<Tail> {
  const url = `${base.replace('http', 'ws')}/loki/api/v1/tail?query=${encodeURIComponent(query)}&start=${nowNs()}`;
  const socket = new WebSocket(url, { headers: tenant !== undefined ? { 'X-Scope-OrgID': tenant } : {} });
  const lines: string[] = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { streams: { values: [string, string][] }[] };
    for (const stream of message.streams) for (const [, line] of stream.values) lines.push(line);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { lines, close: () => socket.close() };
}

/** Pushes `count` lines in batches of 500; every 7th line is 10 minutes behind (a shipper catching up). */
async function pushLines(loki: LokiClient, app: string, count: number): Promise<string[]> {
  const expected: string[] = [];
  const base = nowNs();
  for (let start = 0; start < count; start += 500) {
    const values: [string, string][] = [];
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const lag = i % 7 === 0 ? 600_000_000_000n : 0n;
      const line = `line ${i}${lag > 0n ? ' lagging' : ''}`;
      values.push([String(base + BigInt(i) * 1000n - lag), line]);
      expected.push(line);
    }
    const response = await loki.pushRaw(JSON.stringify({ streams: [{ stream: { app }, values }] }));
    expect(response.status).toBe(204);
  }
  return expected;
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('live tail on one node', () => {
  let norn: RunningNorn;
  beforeAll(async () => {
    norn = await startTestNorn({ limits: { discoverServiceName: [], discoverLogLevels: false } });
  });
  afterAll(async () => {
    await norn.stop();
  });

  it('delivers every one of 20,000 lines pushed during the tail once, lagging ones too', async () => {
    const loki = new LokiClient(norn.address);
    const live = await tail(norn.address, '{app="tailed"} |= "line"');
    const expected = await pushLines(loki, 'tailed', 20_000);
    await until(() => live.lines.length >= expected.length);
    await new Promise((resolve) => setTimeout(resolve, 300));
    live.close();
    expect(live.lines.length).toBe(expected.length);
    expect(new Set(live.lines)).toEqual(new Set(expected));
  });

  it('applies the query pipeline to the live lines', async () => {
    const loki = new LokiClient(norn.address);
    const live = await tail(norn.address, '{app="piped"} |= "lagging" | line_format "{{ __line__ }}!"');
    const expected = (await pushLines(loki, 'piped', 700)).filter((line) => line.includes('lagging')).map((line) => `${line}!`);
    await until(() => live.lines.length >= expected.length);
    live.close();
    expect([...live.lines].sort()).toEqual([...expected].sort());
  });
});

describe('live tail on a cluster (3 ingesters, RF 3, real nats-server)', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ ingesters: 3, replicationFactor: 3 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('sends each line once although three replicas hold it', async () => {
    const base = cluster.gateway.url;
    const loki = new LokiClient(base);
    const live = await tail(base, '{app="replicated"}');
    const expected = await pushLines(loki, 'replicated', 3_000);
    await until(() => live.lines.length >= expected.length);
    await new Promise((resolve) => setTimeout(resolve, 500));
    live.close();
    expect(live.lines.length).toBe(expected.length);
    expect(new Set(live.lines)).toEqual(new Set(expected));
  });
});
