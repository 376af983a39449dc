// One `clients` entry: entries are grouped by stream into a batch, sent when it reaches
// `batchsize` bytes or is `batchwait` old, as Loki's protobuf + snappy push. One batch is in
// flight at a time and it is retried, with exponential backoff, after a 429, a 5xx or no answer:
// the ids of its entries are acknowledged only when the server took it. A 4xx other than 429
// says the batch itself is refused; it is dropped (and counted), since resending cannot help.

import { encodePushRequest, snappyCompress } from '../../gateway/push-proto.js';
import type { ClientConfig } from './config.js';
import type { AgentMetrics } from './metrics.js';

export interface OutEntry {
  readonly tsNs: bigint;
  readonly line: string;
  readonly ids: readonly number[];
}

interface Batch {
  readonly streams: Map<string, OutEntry[]>;
  bytes: number;
  entries: number;
  readonly createdMs: number;
}

export interface ClientLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export class PushClient {
  private current: Batch | undefined;
  private readonly sealed: Batch[] = [];
  private backlog = 0;
  private wake: (() => void) | undefined;
  private stopping = false;
  private readonly loop: Promise<void>;
  private readonly host: string;
  private readonly headers: Record<string, string>;
  private abort = new AbortController();

  constructor(
    readonly config: ClientConfig,
    private readonly onAcked: (ids: readonly number[]) => void,
    private readonly onDropped: (ids: readonly number[]) => void,
    private readonly metrics: AgentMetrics,
    private readonly logger: ClientLogger,
  ) {
    this.host = new URL(config.url).host;
    this.headers = { 'Content-Type': 'application/x-protobuf', 'User-Agent': 'norn-agent' };
    if (config.tenantId !== undefined) this.headers['X-Scope-OrgID'] = config.tenantId;
    if (config.bearerToken !== undefined) this.headers['Authorization'] = `Bearer ${config.bearerToken}`;
    else if (config.basicAuth !== undefined) this.headers['Authorization'] = `Basic ${Buffer.from(`${config.basicAuth.username}:${config.basicAuth.password}`).toString('base64')}`;
    this.loop = this.sendLoop();
  }

  /** Bytes waiting to be sent: the reader holds back while this is high. */
  get backlogBytes(): number {
    return this.backlog;
  }

  add(labels: string, entry: OutEntry): void {
    const size = Buffer.byteLength(entry.line) + labels.length;
    if (this.current !== undefined && this.current.bytes + size > this.config.batchSizeBytes && this.current.entries > 0) this.seal();
    this.current ??= { streams: new Map(), bytes: 0, entries: 0, createdMs: Date.now() };
    let stream = this.current.streams.get(labels);
    if (stream === undefined) this.current.streams.set(labels, (stream = []));
    stream.push(entry);
    this.current.bytes += size;
    this.current.entries++;
    this.backlog += size;
    if (this.current.bytes >= this.config.batchSizeBytes) this.seal();
  }

  /** Seals the open batch once it is `batchwait` old (called on every tick). */
  tick(nowMs: number): void {
    if (this.current !== undefined && nowMs - this.current.createdMs >= this.config.batchWaitMs) this.seal();
  }

  private seal(): void {
    if (this.current === undefined) return;
    this.sealed.push(this.current);
    this.current = undefined;
    this.wake?.();
  }

  /** Sends what is left, retrying until `deadlineMs`; what is still unsent then stays unacknowledged. */
  async stop(deadlineMs: number): Promise<void> {
    this.seal();
    this.stopping = true;
    this.wake?.();
    const timer = setTimeout(() => this.abort.abort(), Math.max(0, deadlineMs - Date.now()));
    await this.loop;
    clearTimeout(timer);
  }

  private async sendLoop(): Promise<void> {
    for (;;) {
      const batch = this.sealed.shift();
      if (batch === undefined) {
        if (this.stopping) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const sent = await this.sendWithRetries(batch);
      this.backlog -= batch.bytes;
      if (sent === 'aborted') return;
    }
  }

  private async sendWithRetries(batch: Batch): Promise<'ok' | 'dropped' | 'aborted'> {
    const body = snappyCompress(
      encodePushRequest([...batch.streams].map(([labels, entries]) => ({ labels, entries: entries.map((e) => ({ ts: e.tsNs, line: e.line })) }))),
    );
    const ids = [...batch.streams.values()].flatMap((entries) => entries.flatMap((e) => e.ids));
    const { minPeriodMs, maxPeriodMs, maxRetries } = this.config.backoff;
    let wait = minPeriodMs;
    for (let attempt = 1; ; attempt++) {
      if (this.abort.signal.aborted) return 'aborted';
      const started = process.hrtime.bigint();
      let status: number | 'error';
      let detail = '';
      try {
        const response = await fetch(this.config.url, {
          method: 'POST',
          headers: this.headers,
          body,
          signal: AbortSignal.any([AbortSignal.timeout(this.config.timeoutMs), this.abort.signal]),
        });
        status = response.status;
        detail = (await response.text()).slice(0, 300);
      } catch (error) {
        if (this.abort.signal.aborted) return 'aborted';
        status = 'error';
        detail = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
      }
      this.metrics.requestDuration.observe({ host: this.host, status_code: String(status) }, Number(process.hrtime.bigint() - started) / 1e9);
      if (typeof status === 'number' && status >= 200 && status < 300) {
        this.metrics.sentEntries.inc({ host: this.host }, batch.entries);
        this.metrics.sentBytes.inc({ host: this.host }, batch.bytes);
        this.onAcked(ids);
        return 'ok';
      }
      this.metrics.failedRequests.inc({ host: this.host, status_code: String(status) });
      const retryable = status === 'error' || status === 429 || status >= 500;
      if (!retryable || (maxRetries > 0 && attempt >= maxRetries)) {
        const reason = retryable ? 'max_retries' : `status_${status}`;
        this.logger.error({ host: this.host, status, detail, entries: batch.entries }, `push refused: dropping the batch (${reason})`);
        this.metrics.droppedEntries.inc({ host: this.host, reason }, batch.entries);
        this.metrics.droppedBytes.inc({ host: this.host, reason }, batch.bytes);
        this.onDropped(ids);
        return 'dropped';
      }
      this.metrics.batchRetries.inc({ host: this.host });
      this.logger.warn({ host: this.host, status, detail, attempt, retryInMs: wait }, 'push failed: retrying');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      wait = Math.min(wait * 2, maxPeriodMs);
    }
  }
}
