// End-to-end figures for one node (`norn run` as its own process; this script is the client),
// over real HTTP on loopback:
//   push:   protobuf + snappy, 1,000-line batches of loghub lines, a few requests in flight,
//           WAL on with its default fsync policy (every acknowledged line durable)
//   ratio:  raw log bytes / chunk bytes written to storage after a flush
//   scan:   `{job="..."} |= "<rare word>"` over flushed chunks only (a fresh node on the same
//           data dir with the WAL off, so nothing is in memory): MB/s of raw log scanned
// Run: npm run bench:push   (options: --copies N  --in-flight N  --no-wal  --profile DIR)

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { encodePushRequest, snappyCompress } from '../../gateway/mod.js';
import type { Entry } from '../../core/model.js';
import { spawnNorn, tempDir } from '../helpers/norn.js';
import { fmt, loadLoghub, mb } from './loghub.js';

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
const RARE = 'zq-needle-7731';

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    total += stat.isDirectory() ? dirBytes(path) : stat.size;
  }
  return total;
}

async function main(): Promise<void> {
  const jobs = loadLoghub();
  const dataDir = tempDir('norn-bench-');
  // Timestamps one ms apart, ending a minute ago, so nothing is too old or too new.
  const totalLines = jobs.reduce((sum, job) => sum + job.lines.length, 0) * COPIES;
  const start = BigInt(Date.now() - 60_000 - totalLines) * 1_000_000n;

  // Prepare every request body first: the benchmark measures Norn, not the client.
  const bodies: Uint8Array[] = [];
  let rawBytes = 0;
  let lineCount = 0;
  const perJob = new Map<string, number>();
  let ts = start;
  for (let copy = 0; copy < COPIES; copy++) {
    for (const job of jobs) {
      for (let i = 0; i < job.lines.length; i += BATCH) {
        const entries: Entry[] = job.lines.slice(i, i + BATCH).map((line) => ({ ts: (ts += 1_000_000n), line }));
        if (copy === COPIES - 1 && i === 0) entries[0] = { ts: entries[0]!.ts, line: `${entries[0]!.line} ${RARE}` };
        bodies.push(snappyCompress(encodePushRequest([{ labels: `{job="${job.job}", source="loghub"}`, entries }])));
        for (const entry of entries) rawBytes += Buffer.byteLength(entry.line);
        lineCount += entries.length;
      }
      perJob.set(job.job, (perJob.get(job.job) ?? 0) + job.bytes);
    }
  }

  const configFile = join(dataDir, 'norn.yaml');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(configFile, 'limits:\n  ingestion_rate: 0\n');
  const flags = ['--config', configFile, '--data-dir', dataDir, '--log-level', 'warn'];
  const norn = await spawnNorn([...flags, ...(WAL ? [] : ['--no-wal'])], {
    nodeArgs: PROFILE !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [],
  });
  const url = `${norn.url}/loki/api/v1/push`;

  let next = 0;
  const began = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body });
        if (response.status !== 204) throw new Error(`push failed: ${response.status} ${await response.text()}`);
      }
    }),
  );
  const pushSeconds = Number(process.hrtime.bigint() - began) / 1e9;

  const flushBegan = process.hrtime.bigint();
  await fetch(`${norn.url}/flush`, { method: 'POST' });
  const flushSeconds = Number(process.hrtime.bigint() - flushBegan) / 1e9;
  await norn.stop('SIGTERM');
  const chunkBytes = dirBytes(join(dataDir, 'chunks'));

  // A fresh node on the same data: every query is answered from flushed chunks.
  const reader = await spawnNorn([...flags, '--no-wal']);
  const scanJob = [...perJob.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const query = new URLSearchParams({
    query: `{job="${scanJob[0]}"} |= "${RARE}"`,
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
  console.log(`  pushed           ${lineCount.toLocaleString('en-US')} lines, ${fmt(mb(rawBytes))} MiB raw, ${bodies.length} requests`);
  console.log(`  push throughput  ${fmt(lineCount / pushSeconds, 0)} lines/s, ${fmt(mb(rawBytes) / pushSeconds)} MiB/s`);
  console.log(`  flush            ${fmt(flushSeconds, 2)} s`);
  console.log(`  compression      ${fmt(rawBytes / chunkBytes, 2)}x (${fmt(mb(chunkBytes))} MiB of chunks)`);
  console.log(`  scan |= rare     job=${scanJob[0]}, ${fmt(mb(scanBytes))} MiB raw: cold ${fmt(mb(scanBytes) / cold)} MiB/s, warm ${fmt(mb(scanBytes) / warm)} MiB/s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
