// The chaos suite's small disks on a real tmpfs: filling one leaves no byte free (a write then
// fails with ENOSPC), freeing it gives the space back, and unmounting leaves a plain directory.
// Mounting needs root; elsewhere the test is skipped with the reason the suite would print.

import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fillUp, freeBytes, freeUp, mountTmpfs, tmpfsUnavailable, unmountAll } from './disk.js';

const scratch = mkdtempSync(join(tmpdir(), 'norn-chaos-disk-'));
const unavailable = tmpfsUnavailable(scratch);

afterAll(() => {
  unmountAll();
  rmSync(scratch, { recursive: true, force: true });
});

describe('chaos disks', () => {
  it.skipIf(unavailable !== undefined)(`fill up, free and unmount a small tmpfs${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
    const dir = join(scratch, 'data');
    mountTmpfs(dir, 2);
    writeFileSync(join(dir, 'before'), 'kept');
    const ballast = fillUp(dir);
    expect(ballast).toBeGreaterThan(1_900_000);
    expect(freeBytes(dir)).toBe(0);
    expect(() => writeFileSync(join(dir, 'more'), Buffer.alloc(8192))).toThrow(/ENOSPC/);
    freeUp(dir);
    expect(freeBytes(dir)).toBeGreaterThan(1_900_000);
    unmountAll();
    // The mount's files are gone with it; the directory it covered is empty again.
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});
