// Small filesystems for ingester data dirs, so a chaos run can fill one up: each dir is its own
// tmpfs mount of a few MiB, and filling it is one ballast file written until the kernel says
// ENOSPC. Mounting needs root (CAP_SYS_ADMIN); `tmpfsUnavailable` says why it cannot be done
// here, so a run leaves the fault out instead of failing. Every mount is undone by `unmountAll`,
// and by a process exit hook should a run die before it gets there.

import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const mounted = new Set<string>();
let exitHookInstalled = false;

function run(command: string, args: readonly string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error !== undefined) return result.error.message;
  if (result.status !== 0) return (result.stderr || result.stdout || `exit code ${String(result.status)}`).trim();
  return undefined;
}

/** Why a tmpfs cannot be mounted here (not root, no mount in this container), or undefined if it can. */
export function tmpfsUnavailable(scratch: string): string | undefined {
  if (process.platform !== 'linux') return `tmpfs mounts need Linux (this is ${process.platform})`;
  const probe = join(scratch, 'tmpfs-probe');
  mkdirSync(probe, { recursive: true });
  const failed = run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]);
  if (failed !== undefined) {
    rmSync(probe, { recursive: true, force: true });
    return `cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): ${failed.split('\n')[0]}`;
  }
  run('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
  return undefined;
}

/** Mounts a tmpfs of `sizeMiB` on `dir` (created if missing). */
export function mountTmpfs(dir: string, sizeMiB: number): void {
  mkdirSync(dir, { recursive: true });
  const failed = run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0755`, 'tmpfs', dir]);
  if (failed !== undefined) throw new Error(`mount -t tmpfs on ${dir} failed: ${failed}`);
  mounted.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => unmountAll());
  }
}

/** Unmounts every tmpfs mounted here (lazily if a process still has files open on it). */
export function unmountAll(): void {
  for (const dir of [...mounted]) {
    if (run('umount', [dir]) !== undefined) run('umount', ['-l', dir]);
    mounted.delete(dir);
  }
}

const BALLAST = '.chaos-ballast';

/** Bytes still free for an unprivileged writer on the filesystem holding `dir`. */
export function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return Number(stats.bavail) * Number(stats.bsize);
}

/**
 * Fills the filesystem holding `dir` with a ballast file: big writes while they fit, then
 * single pages, until the kernel refuses with ENOSPC. Returns the ballast's size.
 */
export function fillUp(dir: string): number {
  const fd = openSync(join(dir, BALLAST), 'a');
  let written = 0;
  try {
    for (const size of [1 << 20, 4096, 512]) {
      const buffer = Buffer.alloc(size, 0x61);
      for (;;) {
        try {
          written += writeSync(fd, buffer);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

/** Deletes the ballast: the space is free again. */
export function freeUp(dir: string): void {
  rmSync(join(dir, BALLAST), { force: true });
}
