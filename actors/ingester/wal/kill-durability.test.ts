import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Wal } from './wal.js';
import { StreamMemory, captureLogger, freshMetrics, ingesterContents, pushRequest, requestContents, walConfig } from './testing/wal-fixture.js';

const CHILD = fileURLToPath(new URL('./testing/append-until-killed.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'norn-wal-kill-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs the child until it has acknowledged `acks` appends, SIGKILLs it, returns every ack it printed. */
function appendUntilKilled(args: string[], acks: number): Promise<{ acked: number[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, ...args], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!killed && stdout.split('\n').length > acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    // 'close' comes after the pipes are drained: every ack the child printed is in `stdout`.
    child.on('close', (code, signal) => {
      if (!killed) reject(new Error(`child exited on its own (code ${code}): ${stderr}`));
      const acked = stdout.split('\n').filter((line) => line.length > 0).map(Number);
      resolve({ acked, signal });
    });
  });
}

async function replayAll(): Promise<{ memory: StreamMemory; corrupt: boolean }> {
  const memory = new StreamMemory();
  const wal = await Wal.open({ dataDir, config: walConfig(), metrics: freshMetrics(), logger: captureLogger().logger });
  const result = await wal.replay((request) => void memory.apply(request));
  await wal.close();
  return { memory, corrupt: result.corrupt };
}

describe('WAL durability through kill -9', () => {
  const cases: Array<{ name: string; args: string[] }> = [
    { name: "sync 'always'", args: ['always'] },
    // write(2) returned, so the page cache holds the record: a process kill cannot lose it.
    { name: "sync 'interval'", args: ['interval'] },
    { name: "sync 'always' with checkpoints and segment rolls running", args: ['always', 'checkpoint'] },
  ];

  for (const { name, args } of cases) {
    it(`every acknowledged record replays after SIGKILL mid-stream (${name})`, async () => {
      const { acked, signal } = await appendUntilKilled(args, args.includes('checkpoint') ? 3000 : 600);
      expect(signal).toBe('SIGKILL');
      expect(acked.length).toBeGreaterThanOrEqual(600);
      expect(new Set(acked).size).toBe(acked.length);

      const files = await readdir(join(dataDir, 'wal'));
      if (args.includes('checkpoint')) {
        // The kill must have come after checkpoints replaced segments, or this case tests nothing new.
        expect(files.some((file) => file.startsWith('checkpoint.'))).toBe(true);
      }
      const { memory } = await replayAll();
      const present = new Set(ingesterContents(memory));
      const missing = requestContents(acked.map((seq) => pushRequest(seq, 10))).filter((line) => !present.has(line));
      expect(missing).toEqual([]);
    });
  }
});
