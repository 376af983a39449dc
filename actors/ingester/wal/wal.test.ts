import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IngesterPushRequest } from '../protocol.js';
import { Wal } from './wal.js';
import { WalError } from './errors.js';
import { captureLogger, freshMetrics, pushRequest, walConfig } from './testing/wal-fixture.js';
import type { WalConfig } from '../config.js';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'norn-wal-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function openWal(overrides: Partial<WalConfig> = {}, metrics = freshMetrics()): Promise<Wal> {
  return Wal.open({ dataDir, config: walConfig(overrides), metrics, logger: captureLogger().logger });
}

async function replayAll(overrides: Partial<WalConfig> = {}): Promise<IngesterPushRequest[]> {
  const wal = await openWal(overrides);
  const seen: IngesterPushRequest[] = [];
  await wal.replay((request) => seen.push(request));
  await wal.close();
  return seen;
}

describe('Wal', () => {
  it('round-trips requests with bigint timestamps, metadata and unicode, in order', async () => {
    const metrics = freshMetrics();
    const wal = await openWal({}, metrics);
    const requests = [pushRequest(1), pushRequest(2, 5), pushRequest(3, 1, 'other', 'tenant-b')];
    const withMetadata: IngesterPushRequest = {
      tenant: 'tenant-a',
      streams: [
        {
          labelString: '{app="meta"}',
          labels: [{ name: 'app', value: 'meta' }],
          entries: [{ ts: 9_223_372_036_854_775_000n, line: 'big ts, emoji 🚀', metadata: [{ name: 'trace_id', value: 'abc' }] }],
        },
      ],
    };
    requests.push(withMetadata);
    for (const request of requests) await wal.append(request);
    await wal.close();

    const replayed = await replayAll();
    expect(replayed).toEqual(requests);
    expect(typeof replayed[0]!.streams[0]!.entries[0]!.ts).toBe('bigint');
    expect(replayed[3]!.streams[0]!.entries[0]!.ts).toBe(9_223_372_036_854_775_000n);
    expect(await metrics.walBytes.get()).toMatchObject({ values: [{ value: expect.any(Number) }] });
    const written = (await metrics.walBytes.get()).values[0]!.value;
    const files = await readdir(join(dataDir, 'wal'));
    expect(files).toEqual(['00000001']);
    expect((await stat(join(dataDir, 'wal', '00000001'))).size).toBe(written);
  });

  it('reports replay figures and sets the replay gauge', async () => {
    const wal = await openWal();
    for (let seq = 0; seq < 10; seq++) await wal.append(pushRequest(seq, 4));
    await wal.close();

    const metrics = freshMetrics();
    const again = await openWal({}, metrics);
    const result = await again.replay(() => undefined);
    await again.close();
    expect(result).toMatchObject({ records: 10, entries: 40, corrupt: false, segments: 1, checkpointSeq: undefined });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect((await metrics.walReplaySeconds.get()).values[0]!.value).toBe(result.durationMs / 1000);
  });

  it('group commit: concurrent appends all resolve, share fsyncs, and replay in call order', async () => {
    const wal = await openWal();
    const requests = Array.from({ length: 500 }, (_, seq) => pushRequest(seq, 2));
    // Issued in one synchronous burst: the first starts a write, the other 499 queue behind it.
    await Promise.all(requests.map((request) => wal.append(request)));
    const afterBurst = wal.stats;
    expect(afterBurst.records).toBe(500);
    expect(afterBurst.batches).toBe(2);
    expect(afterBurst.syncs).toBe(2);

    // Waves arriving while an fsync runs join the next one.
    const waves: Promise<void>[] = [];
    for (let wave = 0; wave < 5; wave++) {
      for (let i = 0; i < 20; i++) waves.push(wal.append(pushRequest(1000 + wave * 20 + i, 1)));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await Promise.all(waves);
    expect(wal.stats.records).toBe(600);
    expect(wal.stats.syncs).toBeLessThanOrEqual(afterBurst.syncs + 5);
    await wal.close();

    const replayed = await replayAll();
    expect(replayed.length).toBe(600);
    expect(replayed.slice(0, 500)).toEqual(requests);
  });

  it('resolves an append only after its record is on disk', async () => {
    const wal = await openWal();
    await wal.append(pushRequest(1));
    // No close: a second process (here, a second Wal) must already see the record.
    const seen: IngesterPushRequest[] = [];
    const reader = await openWal();
    await reader.replay((request) => seen.push(request));
    expect(seen).toEqual([pushRequest(1)]);
    await reader.close();
    await wal.close();
  });

  it('rolls to a new segment once segmentBytes would be exceeded, and replays across segments', async () => {
    const wal = await openWal({ segmentBytes: 4096 });
    const requests = Array.from({ length: 60 }, (_, seq) => pushRequest(seq, 5));
    for (const request of requests) await wal.append(request);
    await wal.close();

    const walDir = join(dataDir, 'wal');
    const files = (await readdir(walDir)).sort();
    expect(files.length).toBeGreaterThan(3);
    expect(files[0]).toBe('00000001');
    expect(files).toEqual(files.map((_, i) => String(i + 1).padStart(8, '0')));
    for (const file of files) expect((await stat(join(walDir, file))).size).toBeLessThanOrEqual(4096);
    expect(await replayAll()).toEqual(requests);
  });

  it('numbers a restarted WAL after the existing segments and does not replay its own', async () => {
    const first = await openWal();
    await first.append(pushRequest(1));
    await first.close();

    const second = await openWal();
    const seen: IngesterPushRequest[] = [];
    await second.append(pushRequest(2));
    await second.replay((request) => seen.push(request));
    await second.close();
    expect(seen).toEqual([pushRequest(1)]);
    expect((await readdir(join(dataDir, 'wal'))).sort()).toEqual(['00000001', '00000002']);
    expect(await replayAll()).toEqual([pushRequest(1), pushRequest(2)]);
  });

  for (const sync of ['interval', 'never', 'batch'] as const) {
    it(`keeps every record under sync '${sync}' once closed`, async () => {
      const wal = await openWal({ sync, syncIntervalMs: 5 });
      const requests = Array.from({ length: 50 }, (_, seq) => pushRequest(seq));
      await Promise.all(requests.map((request) => wal.append(request)));
      await wal.close();
      expect(await replayAll()).toEqual(requests);
    });
  }

  it("syncs in the background under 'interval', only when the interval has passed", async () => {
    // The interval timer is virtual, so "not yet" is exact; the fsync itself is real I/O.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const wal = await openWal({ sync: 'interval', syncIntervalMs: 50 });
      await wal.append(pushRequest(1));
      await vi.advanceTimersByTimeAsync(49);
      expect(wal.stats.syncs).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      for (let i = 0; i < 1_000 && wal.stats.syncs === 0; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(wal.stats.syncs).toBe(1);
      await wal.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses appends after close with WAL_CLOSED, and close writes what was queued', async () => {
    const wal = await openWal({ sync: 'never' });
    const queued = [wal.append(pushRequest(1)), wal.append(pushRequest(2))];
    await wal.close();
    await Promise.all(queued);
    await expect(wal.append(pushRequest(3))).rejects.toMatchObject({ code: 'WAL_CLOSED' });
    await expect(wal.append(pushRequest(3))).rejects.toBeInstanceOf(WalError);
    expect(await replayAll()).toEqual([pushRequest(1), pushRequest(2)]);
  });

  it('rejects an unencodable request without touching the log', async () => {
    const wal = await openWal();
    const bad = { tenant: 'a', streams: [{ labelString: '{}', labels: [], entries: [{ ts: 1n, line: Symbol('x') }] }] };
    await expect(wal.append(bad as unknown as IngesterPushRequest)).rejects.toMatchObject({ code: 'WAL_ENCODE' });
    await wal.append(pushRequest(1));
    await wal.close();
    expect(await replayAll()).toEqual([pushRequest(1)]);
  });

  it('reset removes every segment and checkpoint; later appends start afresh', async () => {
    const wal = await openWal({ segmentBytes: 2048 });
    for (let seq = 0; seq < 20; seq++) await wal.append(pushRequest(seq, 5));
    await wal.checkpoint(() => [pushRequest(100)]);
    await wal.append(pushRequest(21));
    await wal.reset();
    expect(await readdir(join(dataDir, 'wal'))).toEqual([]);
    await wal.append(pushRequest(22));
    await wal.close();
    expect(await replayAll()).toEqual([pushRequest(22)]);
  });
});
