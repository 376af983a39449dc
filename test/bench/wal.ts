// WAL benchmark: appends/s and MB/s of 1000-entry push records (lines from the loghub samples)
// under sync 'always' with 1, 8 and 32 concurrent appenders; 'interval' and 'never' at 32 for
// reference; the replay rate of what was written; and 10-entry records under 'always', where
// the fsync dominates and group commit's effect is plain.
// Run: npx tsx test/bench/wal.ts   (NORN_BENCH_DIR picks the disk; figures: actors/ingester/wal/README.md)

import { mkdtemp, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { WalSyncPolicy } from '../../actors/ingester/config.js';
import { createIngesterMetrics } from '../../actors/ingester/metrics.js';
import type { IngesterPushRequest } from '../../actors/ingester/protocol.js';
import { Wal } from '../../actors/ingester/wal/mod.js';
import { labelsFromRecord, labelsToString, type Entry } from '../../core/model.js';

const LOGHUB_DIR = process.env.NORN_LOGHUB_DIR ?? fileURLToPath(new URL('../../../shared/data/loghub/', import.meta.url));
const BASE_DIR = process.env.NORN_BENCH_DIR ?? tmpdir();
const SECONDS = Number(process.env.NORN_BENCH_SECONDS ?? 3);

function loadLines(): string[] {
  const files = readdirSync(LOGHUB_DIR).filter((file) => file.endsWith('.log')).sort();
  if (files.length === 0) throw new Error(`no .log files in ${LOGHUB_DIR}`);
  return files.flatMap((file) => readFileSync(join(LOGHUB_DIR, file), 'utf8').split('\n').filter((line) => line.length > 0));
}

function buildRequests(lines: string[], count: number, entriesPerRecord: number): IngesterPushRequest[] {
  const requests: IngesterPushRequest[] = [];
  let ts = 1_700_000_000_000_000_000n;
  for (let r = 0; r < count; r++) {
    const labels = labelsFromRecord({ app: `app-${r % 8}`, env: 'bench' });
    const entries: Entry[] = [];
    for (let i = 0; i < entriesPerRecord; i++) {
      entries.push({ ts, line: lines[(r * entriesPerRecord + i) % lines.length]! });
      ts += 1_000n;
    }
    requests.push({ tenant: 'bench', streams: [{ labelString: labelsToString(labels), labels, entries }] });
  }
  return requests;
}

interface Figures {
  readonly sync: WalSyncPolicy;
  readonly concurrency: number;
  readonly appendsPerSec: number;
  readonly mbPerSec: number;
  readonly recordsPerFsync: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly replayMBs: number;
}

async function run(sync: WalSyncPolicy, concurrency: number, requests: IngesterPushRequest[]): Promise<Figures> {
  const dataDir = await new Promise<string>((resolve, reject) =>
    mkdtemp(join(BASE_DIR, 'norn-wal-bench-'), (error, dir) => (error ? reject(error) : resolve(dir))),
  );
  const metrics = createIngesterMetrics(new Registry());
  const logger = pino({ level: 'warn' });
  const wal = await Wal.open({ dataDir, config: { sync, syncIntervalMs: 100, segmentBytes: 64 * 1024 * 1024 }, metrics, logger });
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const request = requests[next++ % requests.length]!;
        const t0 = performance.now();
        await wal.append(request);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await wal.close();
  const bytes = (await metrics.walBytes.get()).values[0]?.value ?? 0;
  const { records, syncs } = wal.stats;

  const reader = await Wal.open({ dataDir, config: { sync, syncIntervalMs: 100, segmentBytes: 64 * 1024 * 1024 }, metrics, logger });
  const replay = await reader.replay(() => undefined);
  await reader.close();
  await rm(dataDir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    sync,
    concurrency,
    appendsPerSec: records / elapsed,
    mbPerSec: bytes / 1e6 / elapsed,
    recordsPerFsync: syncs === 0 ? Number.NaN : records / syncs,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    replayMBs: bytes / 1e6 / (replay.durationMs / 1000),
  };
}

const lines = loadLines();
const header = 'sync      writers  appends/s     MB/s  records/fsync  p50 ms  p99 ms  replay MB/s';
const print = (f: Figures): void =>
  console.log(
    `${f.sync.padEnd(9)} ${String(f.concurrency).padStart(7)} ${f.appendsPerSec.toFixed(0).padStart(10)} ${f.mbPerSec.toFixed(1).padStart(8)} ${(Number.isNaN(f.recordsPerFsync) ? '-' : f.recordsPerFsync.toFixed(1)).padStart(14)} ${f.p50Ms.toFixed(2).padStart(7)} ${f.p99Ms.toFixed(2).padStart(7)} ${f.replayMBs.toFixed(0).padStart(12)}`,
  );

// The figures the WAL is judged by: pushes as a gateway sends them, 1000 entries each.
const big = buildRequests(lines, 64, 1000);
console.log(`WAL benchmark: 1000-entry records, ${SECONDS}s per run, directory ${BASE_DIR}`);
console.log(header);
const runs: Array<[WalSyncPolicy, number]> = [
  ['always', 1],
  ['always', 8],
  ['always', 32],
  ['interval', 32],
  ['never', 32],
];
for (const [sync, concurrency] of runs) print(await run(sync, concurrency, big));

// Small records make the fsync, not the encoding, the cost: this is where group commit shows.
const small = buildRequests(lines, 64, 10);
console.log(`\n10-entry records under 'always' (fsync-bound)`);
console.log(header);
for (const concurrency of [1, 8, 32]) print(await run('always', concurrency, small));
