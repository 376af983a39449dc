// Data survives restarts of the real `norn` process: a graceful stop flushes to storage, and a
// kill -9 leaves the acknowledged lines in the WAL for the next start to replay.

import { afterEach, describe, expect, it } from 'vitest';
import { LokiClient, nowNs } from './helpers/loki-client.js';
import { spawnNorn, tempDir, type NornProcess } from './helpers/norn.js';

const running: NornProcess[] = [];

afterEach(async () => {
  for (const norn of running.splice(0)) await norn.stop('SIGKILL');
});

async function start(args: string[]): Promise<NornProcess> {
  const norn = await spawnNorn(args);
  running.push(norn);
  return norn;
}

function lines(count: number, prefix: string): Array<[string, string]> {
  const base = nowNs() - 60_000_000_000n;
  return Array.from({ length: count }, (_, i) => [String(base + BigInt(i) * 1_000_000n), `${prefix} ${i}`]);
}

describe('restarts', () => {
  it('answers from storage after a graceful stop (no WAL involved)', async () => {
    const dataDir = tempDir();
    const first = await start(['--data-dir', dataDir, '--no-wal']);
    const pushed = lines(500, 'graceful');
    await new LokiClient(first.url).push([{ stream: { job: 'restart', run: 'graceful' }, values: pushed }]);

    expect(await first.stop('SIGTERM')).toBe(0);
    running.splice(running.indexOf(first), 1);

    const second = await start(['--data-dir', dataDir, '--no-wal']);
    const found = await new LokiClient(second.url).lines('{job="restart", run="graceful"}');
    expect(found).toEqual(pushed.map(([, line]) => line));
  });

  it('replays the WAL after kill -9 and loses no acknowledged line', async () => {
    const dataDir = tempDir();
    const first = await start(['--data-dir', dataDir]);
    const client = new LokiClient(first.url);
    const acknowledged: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const values = lines(100, `crash b${batch}`);
      await client.push([{ stream: { job: 'restart', run: 'crash' }, values }]);
      acknowledged.push(...values.map(([, line]) => line));
    }
    await first.stop('SIGKILL');
    running.splice(running.indexOf(first), 1);

    const second = await start(['--data-dir', dataDir]);
    const found = await new LokiClient(second.url).lines('{job="restart", run="crash"}');
    expect(new Set(found).size).toBe(found.length);
    expect(found.sort()).toEqual(acknowledged.sort());
  });

  it('prints its flags with --help and refuses unknown flags', async () => {
    const { spawnSync } = await import('node:child_process');
    const { NORN_BIN } = await import('./helpers/norn.js');
    const help = spawnSync(process.execPath, [NORN_BIN, 'run', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const flag of ['--config', '--target', '--http-port', '--data-dir', '--nats', '--s3-endpoint', '--id', '--auth', '--replication-factor']) {
      expect(help.stdout).toContain(flag);
    }
    const bad = spawnSync(process.execPath, [NORN_BIN, 'run', '--no-such-flag'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--no-such-flag');
  });

  it('says plainly when its port is taken', async () => {
    const first = await start(['--data-dir', tempDir()]);
    const { spawnSync } = await import('node:child_process');
    const { NORN_BIN } = await import('./helpers/norn.js');
    const second = spawnSync(
      process.execPath,
      [NORN_BIN, 'run', '--http-host', '127.0.0.1', '--http-port', String(first.port), '--data-dir', tempDir(), '--log-level', 'silent'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/^norn: cannot listen: .*EADDRINUSE.*choose another --http-port/);
  });
});
