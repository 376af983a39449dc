// `norn canary` end to end: a clean run reports nothing missing; a node without a WAL killed
// with SIGKILL loses exactly the lines it had acknowledged, and the canary counts them.

import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startTestNorn, tempDir } from '../helpers/norn.js';
import { eventually, metricValue, nornNode, nornProcess, sleep, type CliProcess } from './cli.js';

const started: CliProcess[] = [];

afterAll(async () => {
  for (const proc of started) await proc.stop('SIGKILL');
});

const SUMMARY = /^norn canary: (\d+) written, (\d+) acknowledged, (\d+) failed writes; (\d+) checked: missing (\d+), websocket missing (\d+), out of order (\d+), duplicates (\d+), unexpected (\d+);/m;

describe('norn canary', () => {
  it('reports every line written and none missing against a healthy node', { timeout: 180_000 }, async () => {
    const node = await startTestNorn();
    try {
      const metricsPort = await freePort();
      const canary = nornProcess(['canary', '--addr', node.address, '--interval', '100ms', '--duration', '6s', '--wait', '2s', '--check-interval', '1s', '--port', String(metricsPort), '--metrics-host', '127.0.0.1']);
      started.push(canary);
      await canary.waitFor(/metrics on :\d+/, 'stderr');
      const metrics = await eventually(async () => {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        return (metricValue(text, 'norn_canary_spot_check_entries_total') ?? 0) > 0 ? text : undefined;
      }, 60_000, 'a periodic check');
      expect(metricValue(metrics, 'norn_canary_missing_entries_total')).toBe(0);
      expect(await canary.exited).toBe(0);
      const [, written, acked, failed, checked, missing, , outOfOrder, duplicates, unexpected] = canary.stdout().match(SUMMARY)!.map(Number);
      expect(written).toBeGreaterThan(5);
      expect({ acked, failed, checked, missing, outOfOrder, duplicates, unexpected }).toEqual({ acked: written, failed: 0, checked: written, missing: 0, outOfOrder: 0, duplicates: 0, unexpected: 0 });
      // Lines came back over the tail too, so the write-to-read latency was measured.
      expect(canary.stdout()).toMatch(/latency p50 \d+\.\d{3}s p99 \d+\.\d{3}s/);
    } finally {
      await node.stop();
    }
  });

  it('counts the acknowledged lines a --no-wal node lost to SIGKILL as missing', { timeout: 240_000 }, async () => {
    const port = await freePort();
    const dataDir = tempDir('norn-canary-');
    let node = await nornNode(port, ['--data-dir', dataDir, '--no-wal']);
    started.push(node);
    const metricsPort = await freePort();
    const canary = nornProcess(['canary', '--addr', node.url, '--interval', '100ms', '--wait', '5s', '--check-interval', '1h', '--timeout', '2s', '--port', String(metricsPort), '--metrics-host', '127.0.0.1']);
    started.push(canary);
    const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    await eventually(async () => ((metricValue(await metrics(), 'norn_canary_acknowledged_entries_total') ?? 0) >= 20 ? true : undefined), 60_000, '20 acknowledged lines');

    await node.stop('SIGKILL');
    // Once writes fail, no more can be acknowledged: what was acknowledged by now is what the
    // node held in memory only.
    await eventually(async () => ((metricValue(await metrics(), 'norn_canary_write_failures_total') ?? 0) >= 3 ? true : undefined), 60_000, 'failed writes');
    const lost = metricValue(await metrics(), 'norn_canary_acknowledged_entries_total')!;

    node = await nornNode(port, ['--data-dir', dataDir, '--no-wal']);
    started.push(node);
    await eventually(async () => ((metricValue(await metrics(), 'norn_canary_acknowledged_entries_total') ?? 0) >= lost + 10 ? true : undefined), 60_000, 'writes acknowledged again');
    await sleep(500);
    expect(await canary.stop('SIGTERM')).toBe(1);
    const [, written, acked, failed, checked, missing, , , duplicates, unexpected] = canary.stdout().match(SUMMARY)!.map(Number);
    expect(missing).toBe(lost);
    expect(acked).toBeGreaterThanOrEqual(lost + 10);
    expect(failed).toBeGreaterThanOrEqual(3);
    expect({ checked, duplicates, unexpected }).toEqual({ checked: written, duplicates: 0, unexpected: 0 });
    expect(canary.stderr()).toMatch(new RegExp(`${lost} acknowledged entries missing`));
    await node.stop();
  });
});
