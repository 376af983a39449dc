// Query figures for one node over flushed chunks, against limits measured in the same run.
//   data:    loghub lines, COPIES times over, in 160 streams ({bench="q", job, shard}); even
//            copies carry a logfmt prefix (`level=... status=...`), odd copies are JSON objects
//   node:    `norn run` as its own process, rate limits off; pushed, flushed, then a fresh node
//            on the same data dir with the WAL off answers every query from stored chunks
//   queries: each shape once cold (first after start) and three times warm, via HTTP; MB/s is
//            raw log bytes in the queried range per second
//   limits:  `zcat | grep -F <word>` and `zcat | wc -l` over the same lines, gzip'd, one core
//   memory:  the reader's RSS after start, after the queries, and its peak (VmHWM)
// Run: npm run bench:query   (options: --copies N (default 20)  --query-workers N
//      --profile DIR: V8 CPU profiles of the reader, one per thread, written to DIR
//      --only TEXT: only the shapes whose name contains TEXT, e.g. to profile one shape)

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Entry } from '../../core/model.js';
import { encodePushRequest, snappyCompress } from '../../gateway/mod.js';
import { spawnNorn, tempDir, type NornProcess } from '../helpers/norn.js';
import { fmt, loadLoghub, mb } from './loghub.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const COPIES = Number(option('copies') ?? 20);
const WORKERS = option('query-workers');
const PROFILE_DIR = option('profile');
const ONLY = option('only');
const SHARDS = 10;
const BATCH = 1000;
const RARE = 'zq-needle-7731';
const LEVELS = ['info', 'info', 'info', 'warn', 'error', 'debug'];

interface Shape {
  readonly name: string;
  readonly query: string;
  readonly kind: 'range' | 'instant';
  readonly limit?: number;
  readonly step?: number;
  /** The aim, as a ratio to the same run's `zcat | grep -F`. */
  readonly aim?: number;
}

const SHAPES: Shape[] = [
  { name: '|= rare word', query: `{bench="q"} |= "${RARE}"`, kind: 'range', limit: 100, aim: 3 },
  { name: 'sum by (job) count_over_time [1h]', query: 'sum by (job) (count_over_time({bench="q"}[1h]))', kind: 'instant', aim: 3 },
  { name: 'sum bytes_over_time [1h]', query: 'sum(bytes_over_time({bench="q"}[1h]))', kind: 'instant', aim: 3 },
  { name: 'sum by (job) rate [1h]', query: 'sum by (job) (rate({bench="q"}[1h]))', kind: 'instant', aim: 3 },
  { name: 'sum by (level) count | logfmt [1m]', query: 'sum by (level) (count_over_time({bench="q"} | logfmt [1m]))', kind: 'range', step: 60, aim: 1.5 },
  { name: '| json | status >= 500', query: '{bench="q"} | json | status >= 500', kind: 'range', limit: 1000, aim: 1 },
  { name: 'limit=1000, no filter', query: '{bench="q"}', kind: 'range', limit: 1000 },
];

function rssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(/(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(name)) ?? '')?.[1] ?? 0) / 1024;
  return { rss: field('VmRSS:'), peak: field('VmHWM:') };
}

function seconds(run: () => void): number {
  const t0 = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function query(norn: NornProcess, shape: Shape, startNs: bigint, endNs: bigint): Promise<{ seconds: number; results: number }> {
  const params = new URLSearchParams({ query: shape.query });
  if (shape.kind === 'instant') params.set('time', String(endNs));
  else {
    params.set('start', String(startNs));
    params.set('end', String(endNs));
    if (shape.limit !== undefined) params.set('limit', String(shape.limit));
    if (shape.step !== undefined) params.set('step', String(shape.step));
  }
  const path = shape.kind === 'instant' ? 'query' : 'query_range';
  const t0 = process.hrtime.bigint();
  const response = await fetch(`${norn.url}/loki/api/v1/${path}?${params}`);
  const text = await response.text();
  const took = Number(process.hrtime.bigint() - t0) / 1e9;
  if (!response.ok) throw new Error(`${shape.name}: ${response.status} ${text}`);
  const body = JSON.parse(text) as { data: { result: unknown[] } };
  return { seconds: took, results: body.data.result.length };
}

async function main(): Promise<void> {
  const jobs = loadLoghub();
  const dataDir = tempDir('norn-bench-query-');
  const totalLines = jobs.reduce((sum, job) => sum + job.lines.length, 0) * COPIES;
  // One ms apart, ending a minute ago: the whole set fits in one hour, so [1h] covers it.
  const startNs = BigInt(Date.now() - 60_000 - totalLines) * 1_000_000n;

  const bodies: Uint8Array[] = [];
  const raw: string[] = [];
  let rawBytes = 0;
  let ts = startNs;
  for (let copy = 0; copy < COPIES; copy++) {
    for (const job of jobs) {
      for (let i = 0; i < job.lines.length; i += BATCH) {
        const entries: Entry[] = job.lines.slice(i, i + BATCH).map((line, k) => {
          const n = i + k;
          const level = LEVELS[n % LEVELS.length]!;
          const status = n % 50 === 0 ? 503 : 200;
          const text = copy % 2 === 0 ? `level=${level} status=${status} ${line}` : JSON.stringify({ level, status, msg: line });
          return { ts: (ts += 1_000_000n), line: text };
        });
        if (copy === COPIES - 1 && i === 0 && job === jobs[0]) entries[0] = { ts: entries[0]!.ts, line: `${entries[0]!.line} ${RARE}` };
        const labels = `{bench="q", job="${job.job}", shard="${copy % SHARDS}"}`;
        bodies.push(snappyCompress(encodePushRequest([{ labels, entries }])));
        for (const entry of entries) {
          rawBytes += Buffer.byteLength(entry.line) + 1;
          raw.push(entry.line);
        }
      }
    }
  }
  const endNs = ts + 1_000_000_000n;

  // The same-run limits: the same lines, gzip'd, through zcat.
  const rawFile = join(dataDir, 'raw.log');
  writeFileSync(rawFile, raw.join('\n') + '\n');
  raw.length = 0;
  execFileSync('gzip', ['-k', '-4', rawFile]);
  const gz = `${rawFile}.gz`;
  const sh = (command: string): void => {
    const result = spawnSync('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0 && result.status !== 1) throw new Error(`${command} failed: ${result.status}`);
  };
  const grepS = Math.min(...[0, 1, 2].map(() => seconds(() => sh(`zcat ${gz} | grep -F ${RARE} > /dev/null`))));
  const wcS = Math.min(...[0, 1, 2].map(() => seconds(() => sh(`zcat ${gz} | wc -l > /dev/null`))));
  const grepMBs = mb(rawBytes) / grepS;
  const wcMBs = mb(rawBytes) / wcS;

  const configFile = join(dataDir, 'norn.yaml');
  writeFileSync(configFile, 'limits:\n  ingestion_rate: 0\n');
  const flags = ['--config', configFile, '--data-dir', dataDir, '--log-level', 'warn', ...(WORKERS !== undefined ? ['--query-workers', WORKERS] : [])];
  const writer = await spawnNorn(flags);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < bodies.length) {
        const response = await fetch(`${writer.url}/loki/api/v1/push`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-protobuf' },
          body: bodies[next++]!,
        });
        if (response.status !== 204) throw new Error(`push failed: ${response.status} ${await response.text()}`);
      }
    }),
  );
  bodies.length = 0;
  await fetch(`${writer.url}/flush`, { method: 'POST' });
  await writer.stop('SIGTERM');

  const reader = await spawnNorn([...flags, '--no-wal'], PROFILE_DIR !== undefined ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] } : {});
  const pid = reader.child.pid!;
  const before = rssMiB(pid);
  const rows: string[] = [];
  for (const shape of SHAPES.filter((s) => ONLY === undefined || s.name.includes(ONLY))) {
    const cold = await query(reader, shape, startNs, endNs);
    const warm: number[] = [];
    for (let run = 0; run < 3; run++) warm.push((await query(reader, shape, startNs, endNs)).seconds);
    const best = Math.min(...warm);
    const warmMBs = mb(rawBytes) / best;
    const ratio = warmMBs / grepMBs;
    rows.push(
      `  ${shape.name.padEnd(36)} cold ${fmt(mb(rawBytes) / cold.seconds).padStart(7)} MB/s  warm ${fmt(warmMBs).padStart(7)} MB/s` +
        `  ${fmt(ratio, 2)}x grep${shape.aim !== undefined ? ` (aim ${shape.aim}x)` : ''}  cold/warm ${fmt(cold.seconds / best, 2)}  ${cold.results} results`,
    );
  }
  const after = rssMiB(pid);
  const heapAfter = await mainHeapMiB(reader);
  await reader.stop('SIGTERM');

  console.log(`query benchmark (norn run as one process, reading flushed chunks only; query workers: ${WORKERS ?? 'auto'})`);
  console.log(`  data             ${totalLines.toLocaleString('en-US')} lines, ${fmt(mb(rawBytes))} MiB raw, ${jobs.length * SHARDS} streams`);
  console.log(`  zcat | grep -F   ${fmt(grepMBs)} MB/s    zcat | wc -l   ${fmt(wcMBs)} MB/s   (same lines, one core)`);
  for (const row of rows) console.log(row);
  console.log(`  reader RSS       ${fmt(before.rss, 0)} MiB after start, ${fmt(after.rss, 0)} MiB after the queries (peak ${fmt(after.peak, 0)} MiB)`);
  console.log(`  of which          main thread's V8 heap ${fmt(heapAfter.used, 0)} MiB used of ${fmt(heapAfter.total, 0)} MiB; external ${fmt(heapAfter.external, 0)} MiB; the rest is worker threads and native memory`);
}

/** The reader's main-thread heap from its own /metrics (prom-client's default metrics). */
async function mainHeapMiB(norn: NornProcess): Promise<{ used: number; total: number; external: number }> {
  const text = await (await fetch(`${norn.url}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 1024 / 1024;
  return { used: value('nodejs_heap_size_used_bytes'), total: value('nodejs_heap_size_total_bytes'), external: value('nodejs_external_memory_bytes') };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
