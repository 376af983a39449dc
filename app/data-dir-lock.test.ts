import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { startTestNorn, tempDir } from '../test/helpers/norn.js';

const held: DataDirLock[] = [];
afterEach(() => {
  for (const lock of held.splice(0)) lock.release();
});

describe('data directory lock', () => {
  it('names its holder in the lock file and refuses a second holder while the first lives', () => {
    const dir = tempDir();
    held.push(lockDataDir(dir, { pid: 4242, hostname: 'host-a', isAlive: () => true }));
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: 4242, hostname: 'host-a' });
    let refused: unknown;
    try {
      lockDataDir(dir, { pid: 4343, hostname: 'host-a', isAlive: () => true });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DataDirLockedError);
    expect((refused as Error).message).toContain(`data directory ${dir} is in use by process 4242 on host-a`);
  });

  it('takes over the lock of a process that is gone (kill -9), and says so', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 999_999, hostname: 'host-a', startedAt: 'then' }));
    const stale: unknown[] = [];
    held.push(lockDataDir(dir, { pid: 7, hostname: 'host-a', isAlive: (pid) => pid !== 999_999, onStale: (holder) => stale.push(holder) }));
    expect(stale).toEqual([{ pid: 999_999, hostname: 'host-a', startedAt: 'then' }]);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(7);
  });

  it('judges a lock from another host by its age: fresh refuses, untouched for long is stale', () => {
    const dir = tempDir();
    const file = join(dir, LOCK_FILE);
    writeFileSync(file, JSON.stringify({ pid: 1, hostname: 'host-b', startedAt: 'then' }));
    expect(() => lockDataDir(dir, { pid: 1, hostname: 'host-a', staleMs: 60_000 })).toThrow(DataDirLockedError);
    const old = (Date.now() - 120_000) / 1000;
    utimesSync(file, old, old);
    held.push(lockDataDir(dir, { pid: 1, hostname: 'host-a', staleMs: 60_000 }));
    expect(JSON.parse(readFileSync(file, 'utf8')).hostname).toBe('host-a');
  });

  it('removes its lock on release, so the next process starts', () => {
    const dir = tempDir();
    lockDataDir(dir).release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    held.push(lockDataDir(dir));
  });

  it('a second Norn on the same data directory refuses to start; the first keeps serving', async () => {
    const dataDir = tempDir();
    const first = await startTestNorn({ storage: { dataDir } });
    try {
      await expect(startTestNorn({ storage: { dataDir } })).rejects.toThrow(/is in use by process \d+ on /);
      const ready = await fetch(`${first.address}/ready`);
      expect(ready.status).toBe(200);
    } finally {
      await first.stop();
    }
    const again = await startTestNorn({ storage: { dataDir } });
    await again.stop();
  });
});
