// The canary: writes a numbered line every interval, follows its stream on the tail websocket
// (latency, order, duplicates), and every check interval reads back, with paged queries, the
// lines older than --wait and runs the queue checker over them: what was acknowledged but is
// not there is missing. Checked lines are forgotten, so memory stays flat over a long run.

import { checkQueue } from './checker.js';
import type { ObservedEntry, WriteRecord, WrittenLine } from './line.js';
import { CanaryMetrics } from './metrics.js';
import { readBack } from './read-back.js';
import { TailReader } from './tail-reader.js';
import { TailTracker } from './tracker.js';
import { canaryLine, ourSeq, writeLine, type WriterTarget } from './writer.js';

export interface CanaryOptions extends WriterTarget {
  readonly runId: string;
  /** The label whose value is a line's `stream` for the checker. */
  readonly streamLabel: string;
  readonly intervalMs: number;
  readonly size: number;
  readonly waitMs: number;
  readonly checkIntervalMs: number;
  readonly tail: boolean;
  /** The tail's delay_for (0-5 s). */
  readonly tailDelaySeconds: number;
  readonly log: (message: string) => void;
}

export interface CanarySummary {
  readonly written: number;
  readonly acknowledged: number;
  readonly failedWrites: number;
  readonly missing: number;
  readonly websocketMissing: number;
  readonly outOfOrder: number;
  readonly duplicates: number;
  readonly unexpected: number;
  readonly checked: number;
  readonly latencyP50s: number | undefined;
  readonly latencyP99s: number | undefined;
}

interface Written {
  readonly record: WriteRecord;
  readonly line: WrittenLine;
  readonly writtenMs: number;
}

const LATENCY_SAMPLES = 10_000;

export class Canary {
  readonly metrics = new CanaryMetrics();
  private readonly unsettled = new Map<number, Written>();
  private readonly tracker = new TailTracker();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly latencies: number[] = [];
  private readonly totals = { written: 0, acknowledged: 0, failedWrites: 0, missing: 0, websocketMissing: 0, outOfOrder: 0, duplicates: 0, unexpected: 0, checked: 0 };
  private nextSeq = 0;
  private lastNs = 0n;
  private writeTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private tailReader: TailReader | undefined;
  private readonly startNs = BigInt(Date.now()) * 1_000_000n;

  constructor(private readonly options: CanaryOptions) {}

  get selector(): string {
    return `{${Object.entries(this.options.labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(', ')}}`;
  }

  start(): void {
    if (this.options.tail) {
      this.tailReader = new TailReader({
        addr: this.options.addr,
        query: this.selector,
        startNs: this.startNs,
        headers: this.options.headers,
        delayForSeconds: this.options.tailDelaySeconds,
        onLine: (line) => this.received(line),
        onReconnect: () => this.metrics.wsReconnects.inc(),
        onError: (message) => this.options.log(message),
      });
      this.tailReader.start();
    }
    this.writeTimer = setInterval(() => this.writeOne(), this.options.intervalMs);
    this.checkTimer = setInterval(() => void this.check(false), this.options.checkIntervalMs);
  }

  private writeOne(): void {
    const seq = this.nextSeq++;
    const now = BigInt(Date.now()) * 1_000_000n;
    this.lastNs = now > this.lastNs ? now : this.lastNs + 1n;
    const line: WrittenLine = { seq, stream: this.options.labels[this.options.streamLabel] ?? '', tsNs: this.lastNs, line: canaryLine(seq, this.options.runId, this.lastNs, this.options.size) };
    const writtenMs = Date.now();
    this.metrics.entries.inc();
    this.totals.written++;
    const write = writeLine(this.options, line).then(({ outcome, detail }) => {
      this.unsettled.set(seq, { record: { startMs: writtenMs, outcome, lines: [line] }, line, writtenMs });
      if (outcome === 'ok') {
        this.totals.acknowledged++;
        this.metrics.acknowledged.inc();
      } else {
        this.totals.failedWrites++;
        this.metrics.writeFailures.inc();
        this.options.log(`write of seq=${seq} ${outcome}: ${detail ?? ''}`);
      }
    });
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }

  private received(line: string): void {
    const seq = ourSeq(line, this.options.runId);
    if (seq === undefined) {
      // Another run's line (its run id differs) is not ours to judge; anything else is.
      if (!/^seq=\d+ run=/.test(line)) {
        this.totals.unexpected++;
        this.metrics.unexpected.inc();
      }
      return;
    }
    const arrival = this.tracker.received(seq);
    if (arrival === 'duplicate') {
      this.totals.duplicates++;
      this.metrics.duplicates.inc();
      return;
    }
    if (arrival === 'out_of_order') {
      this.totals.outOfOrder++;
      this.metrics.outOfOrder.inc();
    }
    const written = /ts=(\d+)/.exec(line);
    if (written !== null) {
      const seconds = Math.max(0, Date.now() - Number(BigInt(written[1]!) / 1_000_000n)) / 1000;
      this.metrics.latency.observe(seconds);
      if (this.latencies.length >= LATENCY_SAMPLES) this.latencies.splice(0, LATENCY_SAMPLES / 2);
      this.latencies.push(seconds);
    }
  }

  /** Checks the lines written before the cutoff (now - wait; everything when `final`). */
  check(final: boolean): Promise<void> {
    this.checking ??= this.runCheck(final).finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async runCheck(final: boolean): Promise<void> {
    const cutoff = final ? Number.POSITIVE_INFINITY : Date.now() - this.options.waitMs;
    const batch = [...this.unsettled.values()].filter((w) => w.writtenMs <= cutoff);
    if (batch.length === 0) return;
    const seqs = new Set(batch.map((w) => w.line.seq));
    const fileMode = this.options.outputFile !== undefined;
    const fromNs = batch.reduce((min, w) => (w.line.tsNs < min ? w.line.tsNs : min), batch[0]!.line.tsNs) - (fileMode ? 1_000_000_000n : 0n);
    let entries: ObservedEntry[];
    try {
      ({ entries } = await readBack({
        baseUrl: this.options.addr,
        query: this.selector,
        fromNs,
        toNs: BigInt(Date.now()) * 1_000_000n + 1_000_000_000n,
        headers: this.options.headers,
        streamLabel: this.options.streamLabel,
      }));
    } catch (error) {
      this.metrics.checkFailures.inc();
      this.options.log(`check failed, retried on the next one: ${(error as Error).message}`);
      return;
    }
    const observed = entries.filter((entry) => {
      const seq = ourSeq(entry.line, this.options.runId);
      return seq !== undefined && seqs.has(seq);
    });
    const result = checkQueue(batch.map((w) => w.record), observed, { matchTimestamps: !fileMode });
    let wsMissing = 0;
    if (this.options.tail) for (const w of batch) if (w.record.outcome === 'ok' && !this.tracker.hasSeen(w.line.seq)) wsMissing++;
    this.totals.missing += result.lost;
    this.totals.duplicates += result.duplicates;
    this.totals.unexpected += result.unexpected;
    this.totals.websocketMissing += wsMissing;
    this.totals.checked += batch.length;
    this.metrics.missing.inc(result.lost);
    this.metrics.duplicates.inc(result.duplicates);
    this.metrics.unexpected.inc(result.unexpected);
    this.metrics.websocketMissing.inc(wsMissing);
    this.metrics.checked.inc(batch.length);
    if (result.lost > 0) this.options.log(`${result.lost} acknowledged entries missing, e.g. seq ${result.lostSeqs.join(', ')}`);
    for (const seq of seqs) this.unsettled.delete(seq);
    this.tracker.forget(seqs);
  }

  /**
   * Stops writing, waits (at most --wait) for the tail to deliver every acknowledged line,
   * checks everything left, and stops reading.
   */
  async stop(): Promise<CanarySummary> {
    clearInterval(this.writeTimer);
    clearInterval(this.checkTimer);
    await Promise.all([...this.inFlight]);
    await this.checking;
    const deadline = Date.now() + this.options.waitMs;
    const pending = (): boolean => [...this.unsettled.values()].some((w) => w.record.outcome === 'ok' && !this.tracker.hasSeen(w.line.seq));
    while (this.options.tail && pending() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await this.check(true);
    this.tailReader?.stop();
    return this.summary();
  }

  summary(): CanarySummary {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const quantile = (q: number): number | undefined => (sorted.length === 0 ? undefined : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
    return { ...this.totals, latencyP50s: quantile(0.5), latencyP99s: quantile(0.99) };
  }
}

export function summaryLine(s: CanarySummary): string {
  const latency = s.latencyP50s === undefined ? 'no tail latency' : `latency p50 ${s.latencyP50s.toFixed(3)}s p99 ${s.latencyP99s!.toFixed(3)}s`;
  return `norn canary: ${s.written} written, ${s.acknowledged} acknowledged, ${s.failedWrites} failed writes; ${s.checked} checked: missing ${s.missing}, websocket missing ${s.websocketMissing}, out of order ${s.outOfOrder}, duplicates ${s.duplicates}, unexpected ${s.unexpected}; ${latency}`;
}
