// Load generation shared by the push benchmarks: protobuf + snappy request bodies built from
// loghub before the clock starts (the benchmark measures Norn, not the client), a closed loop of
// N requests in flight, an open loop paced at a fixed rate, and latency percentiles.

import { encodePushRequest, snappyCompress } from '../../gateway/mod.js';
import type { Entry } from '../../core/model.js';
import type { LoghubJob } from './loghub.js';

export interface PushBodies {
  readonly bodies: Uint8Array[];
  /** Lines in each body, same order. */
  readonly lines: number[];
  /** Raw line bytes in each body, same order. */
  readonly raw: number[];
  /** The loghub job of each body, same order. */
  readonly jobs: string[];
  readonly lineCount: number;
  readonly rawBytes: number;
  readonly firstTs: bigint;
  readonly lastTs: bigint;
}

export interface BuildOptions {
  readonly copies: number;
  readonly batch: number;
  /** Extra labels beside job and source, so a second phase writes streams of its own. */
  readonly extraLabels?: string;
  /** Called per entry, to plant a marker line. */
  readonly mark?: (copy: number, index: number, line: string) => string;
}

/** Timestamps one ms apart, ending a minute ago, so nothing is too old or too new. */
export function buildBodies(jobs: readonly LoghubJob[], options: BuildOptions): PushBodies {
  const totalLines = jobs.reduce((sum, job) => sum + job.lines.length, 0) * options.copies;
  const firstTs = BigInt(Date.now() - 60_000 - totalLines) * 1_000_000n;
  const extra = options.extraLabels === undefined ? '' : `, ${options.extraLabels}`;
  const bodies: Uint8Array[] = [];
  const lines: number[] = [];
  const raw: number[] = [];
  const jobNames: string[] = [];
  let rawBytes = 0;
  let ts = firstTs;
  for (let copy = 0; copy < options.copies; copy++) {
    for (const job of jobs) {
      for (let i = 0; i < job.lines.length; i += options.batch) {
        const entries: Entry[] = job.lines.slice(i, i + options.batch).map((line, k) => ({
          ts: (ts += 1_000_000n),
          line: options.mark === undefined ? line : options.mark(copy, i + k, line),
        }));
        bodies.push(snappyCompress(encodePushRequest([{ labels: `{job="${job.job}", source="loghub"${extra}}`, entries }])));
        lines.push(entries.length);
        const bytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(entry.line), 0);
        raw.push(bytes);
        jobNames.push(job.job);
        rawBytes += bytes;
      }
    }
  }
  return { bodies, lines, raw, jobs: jobNames, lineCount: lines.reduce((a, b) => a + b, 0), rawBytes, firstTs, lastTs: ts };
}

export interface PushRun {
  readonly seconds: number;
  /** Per-request latency, ms. */
  readonly latencies: number[];
  readonly lines: number;
  readonly rawBytes: number;
  /** Bodies sent (all of them unless the time limit stopped the run). */
  readonly sent: number;
}

async function pushOne(url: string, body: Uint8Array, headers: Record<string, string>): Promise<number> {
  const t0 = process.hrtime.bigint();
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', ...headers }, body });
  if (response.status !== 204) throw new Error(`push failed: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Closed loop: `inFlight` workers each send the next body as soon as their last was answered.
 * No body is sent after `maxSeconds`, which bounds the run on a slow or loaded machine.
 */
export async function pushClosedLoop(
  url: string,
  load: PushBodies,
  inFlight: number,
  maxSeconds = Number.POSITIVE_INFINITY,
  headers: Record<string, string> = {},
): Promise<PushRun> {
  let next = 0;
  let lines = 0;
  let rawBytes = 0;
  const latencies: number[] = [];
  const began = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < load.bodies.length && Number(process.hrtime.bigint() - began) / 1e9 < maxSeconds) {
        const at = next++;
        latencies.push(await pushOne(url, load.bodies[at]!, headers));
        lines += load.lines[at]!;
        rawBytes += load.raw[at]!;
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - began) / 1e9, latencies, lines, rawBytes, sent: next };
}

/**
 * Open loop: body i is sent at start + i / rate, whether or not earlier ones were answered, so a
 * slow answer shows as latency instead of quietly lowering the offered rate.
 */
export async function pushPaced(url: string, load: PushBodies, requestsPerSecond: number, maxSeconds: number): Promise<PushRun> {
  const count = Math.min(load.bodies.length, Math.max(1, Math.floor(requestsPerSecond * maxSeconds)));
  const interval = 1000 / requestsPerSecond;
  const began = process.hrtime.bigint();
  const pending: Promise<number>[] = [];
  let lines = 0;
  let rawBytes = 0;
  for (let i = 0; i < count; i++) {
    const due = i * interval - Number(process.hrtime.bigint() - began) / 1e6;
    if (due > 1) await new Promise((resolve) => setTimeout(resolve, due));
    pending.push(pushOne(url, load.bodies[i]!, {}));
    lines += load.lines[i]!;
    rawBytes += load.raw[i]!;
  }
  const latencies = await Promise.all(pending);
  return { seconds: Number(process.hrtime.bigint() - began) / 1e9, latencies, lines, rawBytes, sent: count };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
