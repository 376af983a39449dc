// One process per data directory. Two ingesters on one `--data-dir` would write into one WAL,
// and one's graceful stop resets what the other acknowledged. The first process writes
// `<dataDir>/norn.lock` naming itself (pid, host, start time) and keeps it for its life; a second
// process reads it and refuses to start, naming the holder.
//
// Node has no flock(2), so liveness is judged from the file: on the same host a lock whose pid
// is no longer running is stale (the holder was killed with -9); from another host (a shared
// volume) the holder touches the file every `refreshMs`, and a lock untouched for `staleMs` is
// stale. A stale lock is taken over with a warning.

import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from './config-file.js';

export const LOCK_FILE = 'norn.lock';

/** Locks this process holds: a pid equal to ours in a lock file is otherwise a previous run's. */
const heldHere = new Set<string>();

export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

export interface LockOptions {
  readonly pid?: number;
  readonly hostname?: string;
  /** Whether a pid on this host is a running process. */
  readonly isAlive?: (pid: number) => boolean;
  readonly refreshMs?: number;
  readonly staleMs?: number;
  readonly now?: () => number;
  /** Told when a stale lock is taken over. */
  readonly onStale?: (holder: LockHolder | undefined) => void;
}

export class DataDirLockedError extends ConfigError {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | undefined,
  ) {
    const who = holder !== undefined ? `process ${holder.pid} on ${holder.hostname} (started ${holder.startedAt})` : 'another process';
    super(
      `data directory ${dataDir} is in use by ${who}: two processes on one data directory would lose data. ` +
        `Stop it, or give this process its own --data-dir (remove ${join(dataDir, LOCK_FILE)} only if that process is gone).`,
    );
  }
}

/**
 * mkdir -p, one level at a time. Node's recursive mkdir loops forever on some paths that can
 * never be created (under /proc, it spins at full CPU); this gives up with the error instead.
 */
export function makeDirectory(path: string, depth = 64): void {
  try {
    mkdirSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (!statSync(path).isDirectory()) throw new Error(`${path} exists and is not a directory`, { cause: error });
      return;
    }
    const parent = dirname(path);
    if (code !== 'ENOENT' || depth <= 0 || parent === path) throw error;
    makeDirectory(parent, depth - 1);
    mkdirSync(path);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the pid exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.hostname === 'string') {
      return { pid: parsed.pid, hostname: parsed.hostname, startedAt: String(parsed.startedAt ?? '') };
    }
  } catch {
    // Unreadable or half-written: judged by its age alone.
  }
  return undefined;
}

/** Takes the lock on `dataDir` (creating the directory) or throws DataDirLockedError. */
export function lockDataDir(dataDir: string, options: LockOptions = {}): DataDirLock {
  const pid = options.pid ?? process.pid;
  const host = options.hostname ?? osHostname();
  const isAlive = options.isAlive ?? processAlive;
  const refreshMs = options.refreshMs ?? 10_000;
  const staleMs = options.staleMs ?? 6 * refreshMs;
  const now = options.now ?? Date.now;
  try {
    makeDirectory(resolve(dataDir), 64);
  } catch (error) {
    throw new ConfigError(`cannot create data directory ${dataDir}: ${(error as Error).message}`, { cause: error });
  }
  const path = join(dataDir, LOCK_FILE);
  if (heldHere.has(path)) throw new DataDirLockedError(dataDir, readHolder(path));
  const me: LockHolder = { pid, hostname: host, startedAt: new Date(now()).toISOString() };
  const body = `${JSON.stringify(me)}\n`;

  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, body, { flag: 'wx' });
      return holdLock(path, me, refreshMs);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new ConfigError(`cannot write ${path}: ${(error as Error).message}`, { cause: error });
    }
    const holder = readHolder(path);
    if (!isStale(path, holder, { pid, host, isAlive, staleMs, now })) throw new DataDirLockedError(dataDir, holder);
    options.onStale?.(holder);
    // Replace atomically, then read back: of two processes taking over at once, one wins.
    const temp = `${path}.${pid}.tmp`;
    writeFileSync(temp, body);
    renameSync(temp, path);
    const winner = readHolder(path);
    if (winner?.pid === pid && winner.hostname === host) return holdLock(path, me, refreshMs);
  }
  throw new DataDirLockedError(dataDir, readHolder(path));
}

function isStale(
  path: string,
  holder: LockHolder | undefined,
  self: { pid: number; host: string; isAlive: (pid: number) => boolean; staleMs: number; now: () => number },
): boolean {
  if (holder !== undefined && holder.hostname === self.host) {
    // Our own pid in the file is a previous run's (a restarted container is pid 1 again).
    return holder.pid === self.pid || !self.isAlive(holder.pid);
  }
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return true;
  }
  return self.now() - mtimeMs > self.staleMs;
}

function holdLock(path: string, me: LockHolder, refreshMs: number): DataDirLock {
  const timer = setInterval(() => {
    try {
      const seconds = Date.now() / 1000;
      utimesSync(path, seconds, seconds);
    } catch {
      // The next start judges the lock by its pid on this host; nothing to do here.
    }
  }, refreshMs);
  timer.unref();
  heldHere.add(path);
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      heldHere.delete(path);
      const holder = readHolder(path);
      if (holder?.pid === me.pid && holder.hostname === me.hostname) {
        try {
          unlinkSync(path);
        } catch {
          // Already gone.
        }
      }
    },
  };
}
