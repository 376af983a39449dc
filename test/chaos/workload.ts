// The canary workload: a few writer loops push through the gateway's HTTP API (Loki JSON),
// every line carrying a unique sequence number, and record each push's outcome as the client
// saw it: ok (204), failed (any other answer) or unknown (timeout, connection error). Like a
// Loki client, a writer retries a push that got a 5xx, a 429 or no answer, with the same lines
// and timestamps, backing off, until it is acknowledged or `maxRetries` run out; each attempt is
// its own record, so the checker takes a line's last outcome and availability counts attempts.
// With `maxRetries` 0 every line is attempted exactly once.

import type { Outcome, WriteRecord, WrittenLine } from '../../tools/canary/line.js';
import type { SeededRandom } from './random.js';
import { sleep } from './random.js';

export { seqOf, type Outcome } from '../../tools/canary/line.js';

export type CanaryLine = WrittenLine;

export interface PushRecord extends WriteRecord {
  readonly writer: number;
  /** 0 for a push's first attempt, then 1, 2, ... for its retries. */
  readonly attempt: number;
  readonly endMs: number;
  /** HTTP status when there was an answer. */
  readonly status?: number;
  /** The answer's body or the error, shortened. */
  readonly detail?: string;
}

export interface WorkloadOptions {
  readonly baseUrl: string;
  readonly writers: number;
  /** Streams `{job="chaos", stream="s0"}` ... `s<n-1>`. */
  readonly streams: number;
  readonly linesPerPush: number;
  /** Per writer: each loop starts a push at most this often. */
  readonly pushesPerSecond: number;
  readonly requestTimeoutMs: number;
  /** A hard bound on pushes over all writers, whatever happens to stop(). */
  readonly maxPushes: number;
  /** Retries of a push that was not acknowledged (5xx, 429, no answer); 0 for none. */
  readonly maxRetries: number;
  readonly random: SeededRandom;
}

export const CANARY_JOB = 'chaos';

/** `seq=<n> writer=<w> stream=<s>`: what a canary line says, so the checker can tell it is whole. */
export function canaryLineText(seq: number, writer: number, stream: string): string {
  return `seq=${seq} writer=${writer} stream=${stream}`;
}

// A Loki client backs off from 500 ms; the chaos cluster's outages last seconds, so start lower.
const RETRY_MIN_BACKOFF_MS = 250;
const RETRY_MAX_BACKOFF_MS = 2_000;

/** What a Loki client retries: no answer, too many requests, or a server error. */
function retryable(record: PushRecord): boolean {
  if (record.outcome === 'ok') return false;
  if (record.status === undefined) return true;
  return record.status === 429 || record.status >= 500;
}

export class CanaryWorkload {
  readonly history: PushRecord[] = [];
  private nextSeq = 0;
  private pushes = 0;
  private stopping = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly options: WorkloadOptions) {}

  start(): void {
    this.loops = Array.from({ length: this.options.writers }, (_, writer) => this.writerLoop(writer));
  }

  /** Lets every writer finish its push in flight, then resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  private async writerLoop(writer: number): Promise<void> {
    const intervalMs = 1000 / this.options.pushesPerSecond;
    // Spread the writers' first pushes over one interval so they do not march in step.
    await sleep(this.options.random.next() * intervalMs);
    while (!this.stopping && this.pushes < this.options.maxPushes) {
      this.pushes++;
      const started = Date.now();
      const lines = this.buildLines(writer);
      for (let attempt = 0; ; attempt++) {
        const record = await this.pushOnce(writer, lines, attempt);
        this.history.push(record);
        if (!retryable(record) || attempt >= this.options.maxRetries || this.stopping) break;
        await sleep(Math.min(RETRY_MAX_BACKOFF_MS, RETRY_MIN_BACKOFF_MS * 2 ** attempt));
      }
      const wait = intervalMs - (Date.now() - started);
      if (wait > 0) await sleep(wait);
    }
  }

  private buildLines(writer: number): CanaryLine[] {
    const { random, streams, linesPerPush } = this.options;
    // One or two streams per push: a push spanning streams must reach a quorum for each.
    const chosen = random.next() < 0.5 ? [random.int(0, streams - 1)] : random.shuffle(Array.from({ length: streams }, (_, i) => i)).slice(0, 2);
    const lines: CanaryLine[] = [];
    for (let i = 0; i < linesPerPush; i++) {
      const seq = this.nextSeq++;
      const stream = `s${chosen[i % chosen.length]!}`;
      // Unique across the whole run (seq differs within any one millisecond), so reading back
      // can page by time without ties.
      const tsNs = BigInt(Date.now()) * 1_000_000n + BigInt(seq % 1_000_000);
      lines.push({ seq, stream, tsNs, line: canaryLineText(seq, writer, stream) });
    }
    return lines;
  }

  private async pushOnce(writer: number, lines: readonly CanaryLine[], attempt: number): Promise<PushRecord> {
    const byStream = new Map<string, Array<[string, string]>>();
    for (const line of lines) {
      let values = byStream.get(line.stream);
      if (values === undefined) byStream.set(line.stream, (values = []));
      values.push([String(line.tsNs), line.line]);
    }
    const body = JSON.stringify({
      streams: [...byStream].map(([stream, values]) => ({ stream: { job: CANARY_JOB, stream }, values })),
    });
    const startMs = Date.now();
    try {
      const response = await fetch(`${this.options.baseUrl}/loki/api/v1/push`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      const text = await response.text();
      const outcome: Outcome = response.status === 204 ? 'ok' : 'failed';
      return {
        writer, attempt, startMs, endMs: Date.now(), outcome, status: response.status, lines,
        ...(outcome === 'failed' ? { detail: text.slice(0, 300) } : {}),
      };
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
      return { writer, attempt, startMs, endMs: Date.now(), outcome: 'unknown', detail: detail.slice(0, 300), lines };
    }
  }
}
