// A three-ingester cluster of separate processes on a real nats-server and S3 server: quorum
// writes, deduplicated reads, crash recovery from the WAL, and handoff on a graceful leave.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, waitForRing, type TestCluster } from './helpers/cluster.js';
import { LokiClient, nowNs } from './helpers/loki-client.js';

let cluster: TestCluster;
let loki: LokiClient;
let seq = 0;
const acknowledged: string[] = [];

async function writeBatch(count: number, label = 'cluster'): Promise<void> {
  const base = nowNs() - 30_000_000_000n;
  const values: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) {
    const n = seq++;
    values.push([String(base + BigInt(n) * 1000n), `seq=${n}`]);
  }
  await loki.push([{ stream: { job: label, shard: String(seq % 4) }, values }]);
  acknowledged.push(...values.map(([, line]) => line));
}

async function readAll(label = 'cluster'): Promise<string[]> {
  const lines: string[] = [];
  for (let shard = 0; shard < 4; shard++) lines.push(...(await loki.lines(`{job="${label}", shard="${shard}"}`)));
  return lines;
}

beforeAll(async () => {
  cluster = await startCluster({ ingesters: 3, replicationFactor: 3 });
  loki = new LokiClient(cluster.gateway.url);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('a three-ingester cluster', () => {
  it('puts every ingester in the ring as ACTIVE with 128 tokens', async () => {
    const ring = await waitForRing(cluster.gateway, (r) => r.members.filter((m) => m.state === 'ACTIVE').length === 3);
    expect(ring.members.map((m) => [m.id, m.state, m.tokens, m.healthy])).toEqual([
      ['ingester-1', 'ACTIVE', 128, true],
      ['ingester-2', 'ACTIVE', 128, true],
      ['ingester-3', 'ACTIVE', 128, true],
    ]);
  });

  it('replicates writes and shows each line once', async () => {
    for (let i = 0; i < 5; i++) await writeBatch(100);
    const lines = await readAll();
    expect(lines.length).toBe(acknowledged.length);
    expect(new Set(lines)).toEqual(new Set(acknowledged));
  });

  it('keeps acknowledging writes with one ingester killed, and recovers it from its WAL', async () => {
    const victim = cluster.ingesters.get('ingester-2')!;
    await victim.stop('SIGKILL');
    for (let i = 0; i < 5; i++) await writeBatch(50);
    expect(new Set(await readAll())).toEqual(new Set(acknowledged));

    await cluster.startIngester('ingester-2');
    await waitForRing(cluster.gateway, (r) => r.members.filter((m) => m.state === 'ACTIVE' && m.healthy).length === 3);
    for (let i = 0; i < 2; i++) await writeBatch(50);
    const lines = await readAll();
    expect(lines.length).toBe(acknowledged.length);
    expect(new Set(lines)).toEqual(new Set(acknowledged));
  });

  it('hands a leaving ingester\'s chunks and tokens to a PENDING one', async () => {
    // A new ingester that waits long enough in PENDING to be chosen as the handoff target.
    const newcomer = await cluster.startIngester('ingester-4', { waitReady: false, joinAfter: '60s' });
    await waitForRing(cluster.gateway, (r) => r.members.some((m) => m.id === 'ingester-4' && m.state === 'PENDING'));

    const leaver = cluster.ingesters.get('ingester-1')!;
    expect(await leaver.stop('SIGTERM')).toBe(0);
    const ring = await waitForRing(
      cluster.gateway,
      (r) => r.members.some((m) => m.id === 'ingester-4' && m.state === 'ACTIVE') && !r.members.some((m) => m.id === 'ingester-1'),
    );
    expect(ring.members.find((m) => m.id === 'ingester-4')!.tokens).toBe(128);
    const metrics = await (await fetch(`${newcomer.url}/metrics`)).text();
    expect(metrics).toMatch(/norn_ingester_handoff_batches_total\{direction="received"\} [1-9]/);

    await writeBatch(100);
    const lines = await readAll();
    expect(lines.length).toBe(acknowledged.length);
    expect(new Set(lines)).toEqual(new Set(acknowledged));
  });

  it('loses nothing when every ingester is killed at once', async () => {
    await writeBatch(200);
    const ids = [...cluster.ingesters.keys()].filter((id) => cluster.ingesters.get(id)!.child.exitCode === null);
    await Promise.all(ids.map((id) => cluster.ingesters.get(id)!.stop('SIGKILL')));
    await Promise.all(ids.map((id) => cluster.startIngester(id)));
    await waitForRing(cluster.gateway, (r) => r.members.filter((m) => m.state === 'ACTIVE' && m.healthy).length === ids.length);
    const lines = await readAll();
    expect(lines.length).toBe(acknowledged.length);
    expect(new Set(lines)).toEqual(new Set(acknowledged));
  });
});
