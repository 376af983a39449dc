// The WAL on a full disk: every append is refused (the push fails, nothing is acknowledged), no
// empty segment is left per refused append, and once space is back appends work and replay
// returns exactly what was acknowledged. The disk is simulated by a file handle whose writes
// fail with ENOSPC on cue, after writing part of what they were given, as a real one can.

import { mkdtemp, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IngesterPushRequest } from '../protocol.js';
import { Wal } from './wal.js';
import { WalError } from './errors.js';
import { captureLogger, freshMetrics, pushRequest, walConfig } from './testing/wal-fixture.js';
import type { WalSyncPolicy } from '../config.js';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'norn-wal-full-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** A disk that can fill up: while `full`, a write puts its first bytes down, then fails ENOSPC. */
class FillableDisk {
  full = false;

  readonly open = async (path: string, flags: 'wx'): Promise<FileHandle> => {
    const handle = await open(path, flags);
    return new Proxy(handle, {
      get: (target, property) => {
        if (property === 'writev') {
          return async (buffers: Buffer[], position: number) => {
            if (!this.full) return target.writev(buffers, position);
            // What fitted before the disk ran out: a partial record past the last good one.
            await target.write(buffers[0]!.subarray(0, Math.min(5, buffers[0]!.length)), 0, undefined, position);
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
}

function openWal(disk: FillableDisk, sync: WalSyncPolicy = 'always'): Promise<Wal> {
  return Wal.open({ dataDir, config: walConfig({ sync }), metrics: freshMetrics(), logger: captureLogger().logger, openFile: disk.open });
}

async function replayAll(): Promise<IngesterPushRequest[]> {
  const wal = await Wal.open({ dataDir, config: walConfig(), metrics: freshMetrics(), logger: captureLogger().logger });
  const seen: IngesterPushRequest[] = [];
  const result = await wal.replay((request) => seen.push(request));
  expect(result.corrupt).toBe(false);
  await wal.close();
  return seen;
}

const walFiles = async (): Promise<string[]> => (await readdir(join(dataDir, 'wal'))).sort();

describe('WAL on a full disk', () => {
  it.each(['always', 'interval', 'never'] as const)('refuses every append without leaving a segment per refusal (sync %s)', async (sync) => {
    const disk = new FillableDisk();
    const wal = await openWal(disk, sync);
    const acknowledged = [pushRequest(1), pushRequest(2)];
    for (const request of acknowledged) await wal.append(request);
    const before = await walFiles();
    expect(before).toEqual(['00000001']);
    const goodSize = (await stat(join(dataDir, 'wal', '00000001'))).size;

    disk.full = true;
    for (let seq = 100; seq < 200; seq++) {
      await expect(wal.append(pushRequest(seq))).rejects.toMatchObject({ code: 'WAL_WRITE', message: expect.stringContaining('ENOSPC') });
    }
    // 100 refused pushes: still the one segment, cut back to its acknowledged records.
    expect(await walFiles()).toEqual(['00000001']);
    expect((await stat(join(dataDir, 'wal', '00000001'))).size).toBe(goodSize);

    disk.full = false;
    const after = pushRequest(3);
    await wal.append(after);
    acknowledged.push(after);
    await wal.close();

    const files = await walFiles();
    expect(files).toHaveLength(2);
    expect(await replayAll()).toEqual(acknowledged);
  });

  it('leaves no file at all when the disk is full from the first append', async () => {
    const disk = new FillableDisk();
    disk.full = true;
    const wal = await openWal(disk);
    for (let seq = 0; seq < 50; seq++) await expect(wal.append(pushRequest(seq))).rejects.toBeInstanceOf(WalError);
    expect(await walFiles()).toEqual([]);
    disk.full = false;
    await wal.append(pushRequest(7));
    await wal.close();
    expect(await walFiles()).toHaveLength(1);
    expect(await replayAll()).toEqual([pushRequest(7)]);
  });
});
