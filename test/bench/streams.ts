// Memory per stream: one node (`norn run` as its own process, WAL on) is sent 100,000 streams of
// 10 short lines each over real HTTP (protobuf + snappy, 1,000 streams a request), and its
// resident set is read from /proc before and after.
//   figure: RSS with every stream in memory (aim <= 256 MiB), and per stream above the idle node
//   same-run reference: the RSS of the same node idle, just after it became ready
// Run: npm run bench:streams   (options: --streams N  --in-flight N  --pattern-mining MODE  --heap-snapshot DIR)
//   --pattern-mining thread|inline|off sets ingester.pattern_mining (default: the node's default),
//   to tell the miner's share of the memory from the rest
//   --heap-snapshot DIR writes a V8 heap snapshot of the node once the push has settled, for
//   test/bench/heap-summary.ts (what holds the memory, by constructor)

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Entry } from '../../core/model.js';
import { encodePushRequest, snappyCompress } from '../../gateway/mod.js';
import { spawnNorn, tempDir } from '../helpers/norn.js';
import { runWithCleanup } from './cleanup.js';
import { fmt } from './loghub.js';
import { percentile, pushClosedLoop, type PushBodies } from './push-load.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const STREAMS = option('streams', 100_000);
const IN_FLIGHT = option('in-flight', 4);
const snapshotAt = args.indexOf('--heap-snapshot');
const SNAPSHOT_DIR = snapshotAt >= 0 ? resolve(args[snapshotAt + 1] ?? '.') : undefined;
const miningAt = args.indexOf('--pattern-mining');
const PATTERN_MINING = miningAt >= 0 ? args[miningAt + 1] : undefined;
const LINES_PER_STREAM = 10;
const STREAMS_PER_REQUEST = 1000;
const MIB = 1024 * 1024;

/** VmRSS and VmHWM (peak) of a process, bytes. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

function buildStreams(): PushBodies {
  const firstTs = BigInt(Date.now() - 120_000) * 1_000_000n;
  const bodies: Uint8Array[] = [];
  const lines: number[] = [];
  const raw: number[] = [];
  for (let first = 0; first < STREAMS; first += STREAMS_PER_REQUEST) {
    const streams = [];
    let bytes = 0;
    for (let s = first; s < Math.min(STREAMS, first + STREAMS_PER_REQUEST); s++) {
      const entries: Entry[] = [];
      for (let k = 0; k < LINES_PER_STREAM; k++) {
        const line = `level=info msg="request done" stream=${s} seq=${k} took=${(s * 7 + k) % 97}ms`;
        entries.push({ ts: firstTs + BigInt(k) * 1_000_000_000n + BigInt(s), line });
        bytes += line.length;
      }
      streams.push({ labels: `{job="streams-bench", instance="host-${s % 500}", pod="pod-${s}"}`, entries });
    }
    bodies.push(snappyCompress(encodePushRequest(streams)));
    lines.push(streams.length * LINES_PER_STREAM);
    raw.push(bytes);
  }
  const lineCount = lines.reduce((a, b) => a + b, 0);
  return { bodies, lines, raw, jobs: bodies.map(() => 'streams-bench'), lineCount, rawBytes: raw.reduce((a, b) => a + b, 0), firstTs, lastTs: firstTs };
}

async function main(defer: (step: () => unknown) => void): Promise<void> {
  const dataDir = tempDir('norn-bench-streams-');
  defer(() => rmSync(dataDir, { recursive: true, force: true }));
  const load = buildStreams();
  const configFile = join(dataDir, 'norn.yaml');
  const mining = PATTERN_MINING === undefined ? '' : `ingester:\n  pattern_mining: ${PATTERN_MINING}\n`;
  writeFileSync(configFile, `limits:\n  ingestion_rate: 0\n  max_streams_per_tenant: 0\n${mining}`);
  if (SNAPSHOT_DIR !== undefined) mkdirSync(SNAPSHOT_DIR, { recursive: true });
  // The snapshot is taken on a signal, so the node runs exactly as it would without it until then.
  const nodeArgs = SNAPSHOT_DIR === undefined ? [] : ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${SNAPSHOT_DIR}`];
  const norn = await spawnNorn(['--config', configFile, '--data-dir', dataDir, '--log-level', 'warn'], { nodeArgs });
  defer(() => norn.stop('SIGKILL'));
  const pid = norn.child.pid!;
  // Let start-up allocations settle before the idle reading.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idle = memoryOf(pid);
  const run = await pushClosedLoop(`${norn.url}/loki/api/v1/push`, load, IN_FLIGHT);
  // The garbage of decoding 100 requests is collected lazily: read again after a pause.
  const justAfter = memoryOf(pid);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const settled = memoryOf(pid);
  const heap = await heapOf(norn.url);
  const snapshot = SNAPSHOT_DIR === undefined ? undefined : await heapSnapshot(pid, SNAPSHOT_DIR);
  const series = (await (await fetch(`${norn.url}/loki/api/v1/series?match[]=${encodeURIComponent('{job="streams-bench"}')}&start=${load.firstTs - 1_000_000_000n}`)).json()) as { data: unknown[] };
  await norn.stop('SIGTERM');
  if (series.data.length !== STREAMS) throw new Error(`expected ${STREAMS} streams in the node, /series lists ${series.data.length}`);

  const perStream = (settled.rss - idle.rss) / STREAMS;
  console.log(`streams benchmark: ${STREAMS.toLocaleString('en-US')} streams x ${LINES_PER_STREAM} short lines, one node, WAL on, ${IN_FLIGHT} in flight${PATTERN_MINING === undefined ? '' : `, pattern_mining ${PATTERN_MINING}`}`);
  console.log(`  pushed           ${run.lines.toLocaleString('en-US')} lines in ${fmt(run.seconds)} s (${fmt(run.lines / run.seconds, 0)} lines/s, push p99 ${fmt(percentile(run.latencies, 99))} ms)`);
  console.log(`  RSS              ${fmt(settled.rss / MIB)} MiB with every stream in memory   (aim <= 256 MiB)`);
  console.log(`                   ${fmt(justAfter.rss / MIB)} MiB right after the last push, peak ${fmt(settled.peak / MIB)} MiB`);
  console.log(`  of which          main thread's V8 heap ${fmt(heap.used / MIB)} MiB used of ${fmt(heap.total / MIB)} MiB, external ${fmt(heap.external / MIB)} MiB (the rest: other threads, allocator)`);
  console.log(`  same-run idle    ${fmt(idle.rss / MIB)} MiB before the first push: ${fmt(perStream / 1024, 2)} KiB a stream above idle`);
  if (snapshot !== undefined) console.log(`  heap snapshot    ${snapshot}   (summary: node --import tsx test/bench/heap-summary.ts ${snapshot})`);
}

/** The main thread's heap as the node's own /metrics report it (prom-client's default metrics). */
async function heapOf(url: string): Promise<{ used: number; total: number; external: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { used: value('nodejs_heap_size_used_bytes'), total: value('nodejs_heap_size_total_bytes'), external: value('nodejs_external_memory_bytes') };
}

/** Signals the node to write a heap snapshot and waits until the file stops growing. */
async function heapSnapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 120_000;
  let last = -1;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const file = readdirSync(dir).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
    if (file === undefined) continue;
    const size = statSync(join(dir, file)).size;
    if (size > 0 && size === last) return join(dir, file);
    last = size;
  }
  throw new Error(`no heap snapshot of ${pid} in ${dir} after 120 s`);
}

runWithCleanup(main);
