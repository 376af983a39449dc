// End-to-end figures for one node (`norn run` as its own process; this script is the client),
// over real HTTP on loopback:
//   push:   protobuf + snappy, 1,000-line batches of loghub lines, a few requests in flight,
//           WAL on with its default fsync policy (every acknowledged line durable), beside the
//           same-run floor (push-floor.ts) and the node/floor ratio (aim >= 0.8x)
//   latency: push p50/p99 with requests paced at half the peak rate (aim p99 <= 25 ms)
//   ratio:  raw log bytes / chunk bytes written to storage after a flush
//   scan:   `{job="..."} |= "<rare word>"` over flushed chunks only (a fresh node on the same
//           data dir with the WAL off, so nothing is in memory): MB/s of raw log scanned
// Run: npm run bench:push   (options: --copies N  --in-flight N  --max-seconds N  --no-wal  --profile DIR)

import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CURRENT_CHUNK_FORMAT, GZIP_LEVEL } from '../../storage/chunk/mod.js';
import { spawnNorn, tempDir } from '../helpers/norn.js';
import { runWithCleanup } from './cleanup.js';
import { fmt, loadLoghub, mb } from './loghub.js';
import { measureFloor } from './push-floor.js';
import { buildBodies, percentile, pushClosedLoop, pushPaced } from './push-load.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const COPIES = option('copies', 20);
const IN_FLIGHT = option('in-flight', 8);
const WAL = !args.includes('--no-wal');
/** `--profile DIR`: write a V8 CPU profile of the Norn process there. */
const PROFILE = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : undefined;
const BATCH = 1000;
const t0 = Date.now();
/** Progress on stderr, so a slow phase on a loaded machine is visible. */
const progress = (what: string): void => void process.stderr.write(`  [${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}\n`);
const RARE = 'zq-needle-7731';
/** The paced phase sends at most this many seconds' worth of requests. */
const PACED_SECONDS = 10;
/** No request of the timed phase starts after this (all are sent well before, unloaded). */
const MAX_SECONDS = option('max-seconds', 60);

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    total += stat.isDirectory() ? dirBytes(path) : stat.size;
  }
  return total;
}

async function main(defer: (step: () => unknown) => void): Promise<void> {
  const jobs = loadLoghub();
  const dataDir = tempDir('norn-bench-');
  defer(() => rmSync(dataDir, { recursive: true, force: true }));
  const load = buildBodies(jobs, {
    copies: COPIES,
    batch: BATCH,
    mark: (copy, index, line) => (copy === 0 && index === 0 ? `${line} ${RARE}` : line),
  });
  const { bodies, lineCount } = load;
  const start = load.firstTs;
  const ts = load.lastTs;
  // The second phase, paced at half the peak, writes streams of its own with the same lines.
  const pacedLoad = buildBodies(jobs, { copies: COPIES, batch: BATCH, extraLabels: 'phase="paced"' });

  // The floor runs first, in this process, before the node exists to compete for the cores.
  progress(`bodies built; measuring the floor over ${lineCount} lines`);
  const floor = measureFloor(bodies);
  progress('floor measured; starting the node');

  const configFile = join(dataDir, 'norn.yaml');
  writeFileSync(configFile, 'limits:\n  ingestion_rate: 0\n');
  const flags = ['--config', configFile, '--data-dir', dataDir, '--log-level', 'warn'];
  const norn = await spawnNorn([...flags, ...(WAL ? [] : ['--no-wal'])], {
    nodeArgs: PROFILE !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [],
  });
  defer(() => norn.stop('SIGKILL'));
  const url = `${norn.url}/loki/api/v1/push`;

  const peak = await pushClosedLoop(url, load, IN_FLIGHT, MAX_SECONDS);
  progress('peak measured; pacing at half of it');
  const pushSeconds = peak.seconds;
  const peakRate = peak.lines / pushSeconds;
  // Raw bytes each job was sent in the timed phase: the scan reads those.
  const perJob = new Map<string, number>();
  for (let i = 0; i < peak.sent; i++) perJob.set(load.jobs[i]!, (perJob.get(load.jobs[i]!) ?? 0) + load.raw[i]!);
  const linesPerBody = pacedLoad.lineCount / pacedLoad.bodies.length;
  const paced = await pushPaced(url, pacedLoad, peakRate / 2 / linesPerBody, PACED_SECONDS);

  progress('flushing');
  const flushBegan = process.hrtime.bigint();
  await fetch(`${norn.url}/flush`, { method: 'POST' });
  const flushSeconds = Number(process.hrtime.bigint() - flushBegan) / 1e9;
  await norn.stop('SIGTERM');
  const chunkBytes = dirBytes(join(dataDir, 'chunks'));

  // A fresh node on the same data: every query is answered from flushed chunks.
  const reader = await spawnNorn([...flags, '--no-wal']);
  defer(() => reader.stop('SIGKILL'));
  const scanJob = [...perJob.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const query = new URLSearchParams({
    query: `{job="${scanJob[0]}", phase=""} |= "${RARE}"`,
    start: String(start - 1_000_000_000n),
    end: String(ts + 1_000_000_000n),
    limit: '100',
  });
  const scans: number[] = [];
  let found = 0;
  for (let run = 0; run < 5; run++) {
    const t0 = process.hrtime.bigint();
    const body = (await (await fetch(`${reader.url}/loki/api/v1/query_range?${query}`)).json()) as {
      data: { result: Array<{ values: unknown[] }> };
    };
    scans.push(Number(process.hrtime.bigint() - t0) / 1e9);
    found = body.data.result.reduce((sum, stream) => sum + stream.values.length, 0);
  }
  await reader.stop('SIGTERM');
  if (found !== 1) throw new Error(`the rare word should match exactly one line, matched ${found}`);

  const scanBytes = scanJob[1];
  const cold = scans[0]!;
  const warm = Math.min(...scans.slice(1));
  console.log(`push + query benchmark (norn run as one process, ${IN_FLIGHT} requests in flight, WAL ${WAL ? 'on, fsync always' : 'off'})`);
  console.log(`  pushed           ${peak.lines.toLocaleString('en-US')} lines, ${fmt(mb(peak.rawBytes))} MiB raw, ${peak.sent} of ${bodies.length} requests`);
  console.log(`  push throughput  ${fmt(peakRate, 0)} lines/s, ${fmt(mb(peak.rawBytes) / pushSeconds)} MiB/s`);
  console.log(`  same-run floor   ${fmt(floor, 0)} lines/s (snappy + protobuf decode + chunk encoding gzip -${GZIP_LEVEL}, ${CURRENT_CHUNK_FORMAT}, one thread)`);
  console.log(`  node / floor     ${fmt(peakRate / floor, 2)}x   (aim >= 0.80x)`);
  console.log(
    `  push latency     at half the peak (${fmt(paced.lines / paced.seconds, 0)} lines/s offered, ${paced.latencies.length} requests): ` +
      `p50 ${fmt(percentile(paced.latencies, 50))} ms, p99 ${fmt(percentile(paced.latencies, 99))} ms   (aim p99 <= 25 ms); ` +
      `at peak: p50 ${fmt(percentile(peak.latencies, 50))} ms, p99 ${fmt(percentile(peak.latencies, 99))} ms`,
  );
  console.log(`  flush            ${fmt(flushSeconds, 2)} s`);
  console.log(`  compression      ${fmt((peak.rawBytes + paced.rawBytes) / chunkBytes, 2)}x (${fmt(mb(chunkBytes))} MiB of chunks)`);
  console.log(`  scan |= rare     job=${scanJob[0]}, ${fmt(mb(scanBytes))} MiB raw: cold ${fmt(mb(scanBytes) / cold)} MiB/s, warm ${fmt(mb(scanBytes) / warm)} MiB/s`);
}

runWithCleanup(main);
