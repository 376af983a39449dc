// Memory per stream: one node (`norn run` as its own process, WAL on) is sent 100,000 streams of
// 10 short lines each over real HTTP (protobuf + snappy, 1,000 streams a request), and its
// resident set is read from /proc before and after.
//   figure: RSS with every stream in memory (aim <= 256 MiB), and per stream above the idle node
//   same-run reference: the RSS of the same node idle, just after it became ready
// Run: npm run bench:streams   (options: --streams N  --in-flight N)

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  writeFileSync(configFile, 'limits:\n  ingestion_rate: 0\n  max_streams_per_tenant: 0\n');
  const norn = await spawnNorn(['--config', configFile, '--data-dir', dataDir, '--log-level', 'warn']);
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
  const series = (await (await fetch(`${norn.url}/loki/api/v1/series?match[]=${encodeURIComponent('{job="streams-bench"}')}&start=${load.firstTs - 1_000_000_000n}`)).json()) as { data: unknown[] };
  await norn.stop('SIGTERM');
  if (series.data.length !== STREAMS) throw new Error(`expected ${STREAMS} streams in the node, /series lists ${series.data.length}`);

  const perStream = (settled.rss - idle.rss) / STREAMS;
  console.log(`streams benchmark: ${STREAMS.toLocaleString('en-US')} streams x ${LINES_PER_STREAM} short lines, one node, WAL on, ${IN_FLIGHT} in flight`);
  console.log(`  pushed           ${run.lines.toLocaleString('en-US')} lines in ${fmt(run.seconds)} s (${fmt(run.lines / run.seconds, 0)} lines/s, push p99 ${fmt(percentile(run.latencies, 99))} ms)`);
  console.log(`  RSS              ${fmt(settled.rss / MIB)} MiB with every stream in memory   (aim <= 256 MiB)`);
  console.log(`                   ${fmt(justAfter.rss / MIB)} MiB right after the last push, peak ${fmt(settled.peak / MIB)} MiB`);
  console.log(`  same-run idle    ${fmt(idle.rss / MIB)} MiB before the first push: ${fmt(perStream / 1024, 2)} KiB a stream above idle`);
}

runWithCleanup(main);
