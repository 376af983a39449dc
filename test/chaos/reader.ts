// A reader beside the canary writers: one loop that queries the gateway about once a second
// while the run lasts (the last 30 s of canary lines, newest first, as a dashboard would) and
// records each query's outcome, so the report can say how reads fared during each fault. The
// answers are not checked against the history here; the read-back after the run does that.

import { CANARY_JOB, type Outcome } from './workload.js';
import { sleep } from './random.js';

export interface QueryRecord {
  readonly startMs: number;
  readonly endMs: number;
  readonly outcome: Outcome;
  readonly status?: number;
  /** Entries the answer held (200 only). */
  readonly entries?: number;
  readonly detail?: string;
}

export interface ReaderOptions {
  readonly baseUrl: string;
  readonly intervalMs: number;
  readonly requestTimeoutMs: number;
}

export class CanaryReader {
  readonly history: QueryRecord[] = [];
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly options: ReaderOptions) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const started = Date.now();
      this.history.push(await this.queryOnce());
      const wait = this.options.intervalMs - (Date.now() - started);
      if (wait > 0) await sleep(wait);
    }
  }

  private async queryOnce(): Promise<QueryRecord> {
    const startMs = Date.now();
    const params = new URLSearchParams({
      query: `{job="${CANARY_JOB}"}`,
      start: String(BigInt(startMs - 30_000) * 1_000_000n),
      end: String(BigInt(startMs) * 1_000_000n),
      limit: '100',
      direction: 'backward',
    });
    try {
      const response = await fetch(`${this.options.baseUrl}/loki/api/v1/query_range?${params}`, { signal: AbortSignal.timeout(this.options.requestTimeoutMs) });
      const text = await response.text();
      if (response.status !== 200) return { startMs, endMs: Date.now(), outcome: 'failed', status: response.status, detail: text.slice(0, 300) };
      const body = JSON.parse(text) as { data?: { result?: Array<{ values?: unknown[] }> } };
      const entries = (body.data?.result ?? []).reduce((n, stream) => n + (stream.values?.length ?? 0), 0);
      return { startMs, endMs: Date.now(), outcome: 'ok', status: 200, entries };
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
      return { startMs, endMs: Date.now(), outcome: 'unknown', detail: detail.slice(0, 300) };
    }
  }
}
