// The WAL wired to the real Ingester: push logs before it applies, a checkpoint reads the
// ingester's unflushed chunks, and replay through Ingester.apply() rebuilds the same memory.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../../bus/bus.js';
import { DEFAULT_INGESTER } from '../config.js';
import { DEFAULT_LIMITS } from '../../../core/limits.js';
import { Ingester, type PushLog } from '../ingester.js';
import { ingesterSnapshot } from './snapshot.js';
import { Wal } from './wal.js';
import { freshMetrics, ingesterContents, pushRequest, requestContents, walConfig } from './testing/wal-fixture.js';
import { DisabledPatternMiner, ThreadPatternMiner, type PatternMiner } from '../patterns/mod.js';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'norn-wal-ingester-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function newIngester(wal?: PushLog, patterns: PatternMiner = new DisabledPatternMiner()): Ingester {
  const ingester = new Ingester({
    id: 'ingester-wal-test',
    bus: {} as Bus,
    config: DEFAULT_INGESTER,
    limits: DEFAULT_LIMITS,
    flushTarget: { putChunk: async () => undefined },
    metrics: freshMetrics(),
    logger: pino({ level: 'silent' }),
    patterns,
    ...(wal === undefined ? {} : { wal }),
  });
  ingester.acceptingWrites = true;
  return ingester;
}

function openWal(): Promise<Wal> {
  return Wal.open({ dataDir, config: walConfig({ segmentBytes: 4096 }), metrics: freshMetrics(), logger: pino({ level: 'silent' }) });
}

describe('WAL with the Ingester', () => {
  it('pushes, checkpoints and replays into an equal ingester', async () => {
    const wal = await openWal();
    const ingester = newIngester(wal);
    const requests = Array.from({ length: 80 }, (_, seq) => pushRequest(seq, 6, `app-${seq % 5}`, seq % 3 === 0 ? 'tenant-b' : 'tenant-a'));
    await Promise.all(requests.slice(0, 50).map((request) => ingester.push(request)));
    const checkpoint = wal.checkpoint(() => ingesterSnapshot(ingester));
    await Promise.all(requests.slice(50).map((request) => ingester.push(request)));
    await checkpoint;
    await wal.close();

    const restored = newIngester();
    const reopened = await openWal();
    const result = await reopened.replay((request) => void restored.apply(request));
    await reopened.close();
    expect(result.corrupt).toBe(false);
    expect(ingesterContents(restored)).toEqual(ingesterContents(ingester));
    expect(ingesterContents(restored)).toEqual(requestContents(requests));
    expect(restored.unflushedEntries).toBe(480);
  });

  it('with a mining thread, logs each push as a record it frames itself and mines the same lines', async () => {
    const wal = await openWal();
    // The fixture's lines are from 2023: the miner's clock stands beside them.
    const nowMs = 1_700_000_000_000 + 60_000;
    const miner = new ThreadPatternMiner({ now: () => nowMs });
    const ingester = newIngester(wal, miner);
    try {
      const requests = Array.from({ length: 20 }, (_, seq) => pushRequest(seq, 6, `app-${seq % 2}`));
      await Promise.all(requests.map((request) => ingester.push(request)));
      await wal.close();
      const restored = newIngester();
      const reopened = await openWal();
      const result = await reopened.replay((request) => void restored.apply(request));
      await reopened.close();
      expect(result.corrupt).toBe(false);
      expect(ingesterContents(restored)).toEqual(requestContents(requests));
      const answer = await miner.query({ tenant: 'tenant-a', selector: '{app=~"app-.*"}', startMs: nowMs - 3_600_000, endMs: nowMs, stepMs: 60_000 });
      const mined = answer.reduce((sum, stream) => sum + stream.patterns.reduce((s, p) => s + p.samples.reduce((n, [, count]) => n + count, 0), 0), 0);
      expect(mined).toBe(120);
      await expect(ingester.push(pushRequest(99))).rejects.toMatchObject({ code: 'WAL_CLOSED' });
    } finally {
      await miner.close();
    }
  });

  it('a push the WAL refuses is not applied', async () => {
    const wal = await openWal();
    const ingester = newIngester(wal);
    await wal.close();
    await expect(ingester.push(pushRequest(1))).rejects.toMatchObject({ code: 'WAL_CLOSED' });
    expect(ingester.unflushedEntries).toBe(0);
  });
});
