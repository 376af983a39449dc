// Writes recorded samples to Prometheus over remote write. Samples wait in one bounded queue;
// a single sender takes up to `maxSamplesPerSend` at a time, in order, so each series' samples
// arrive in timestamp order. 5xx, 429 and network errors are retried with exponential backoff
// (from minBackoff, doubling to maxBackoff) until they succeed; other 4xx answers mean the
// samples will never be accepted, so they are counted as failed and logged. When the queue is
// full, new samples are refused and counted as dropped, with a log line: never lost silently.

import type { Logger } from 'pino';
import type { RemoteWriteConfig } from '../config.js';
import type { RecordedSample } from '../evaluate-rule.js';
import type { RulerMetrics } from '../metrics.js';
import { encodeWriteRequest, snappyBlock, type Series } from './write-request.js';

export interface RemoteWriteClientOptions {
  readonly config: RemoteWriteConfig & { readonly url: string };
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly metrics: RulerMetrics;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /** Waits between retries; tests pass fake timers' clock. */
  readonly sleep?: (ms: number) => Promise<void>;
}

class RetryableError extends Error {}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One series per sample, labels as Prometheus would store them. */
function toSeries(samples: readonly RecordedSample[]): Series[] {
  return samples.map((sample) => ({
    labels: sample.labels,
    samples: [{ value: sample.value, timestampMs: sample.timestampMs, ...(sample.stale === true ? { stale: true } : {}) }],
  }));
}

export class RemoteWriteClient {
  private readonly queue: RecordedSample[] = [];
  private sending: Promise<void> | undefined;
  private closed = false;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RemoteWriteClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? defaultSleep;
  }

  append(_tenant: string, samples: readonly RecordedSample[]): void {
    const { queueCapacity } = this.options.config;
    const room = Math.max(0, queueCapacity - this.queue.length);
    const accepted = samples.slice(0, room);
    const dropped = samples.length - accepted.length;
    for (const sample of accepted) this.queue.push(this.withExternalLabels(sample));
    if (dropped > 0) {
      this.options.metrics.samplesDropped.inc(dropped);
      this.options.logger.warn({ dropped, capacity: queueCapacity }, 'remote-write queue full, samples dropped');
    }
    this.options.metrics.samplesPending.set(this.queue.length);
    if (!this.closed) this.sending ??= this.run().finally(() => (this.sending = undefined));
  }

  /** Resolves once everything queued has been sent or failed (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.sending !== undefined) await this.sending;
  }

  /** Stops retrying after the current attempt; what is still queued is counted as failed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.sending;
    if (this.queue.length > 0) {
      this.options.metrics.samplesFailed.inc(this.queue.length);
      this.options.logger.warn({ samples: this.queue.length }, 'remote-write stopped with samples unsent');
      this.queue.length = 0;
      this.options.metrics.samplesPending.set(0);
    }
  }

  private withExternalLabels(sample: RecordedSample): RecordedSample {
    const external = this.options.externalLabels;
    if (Object.keys(external).length === 0) return sample;
    return { ...sample, labels: { ...external, ...sample.labels } };
  }

  private async run(): Promise<void> {
    const { maxSamplesPerSend, minBackoffMs, maxBackoffMs } = this.options.config;
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, maxSamplesPerSend);
      const body = snappyBlock(encodeWriteRequest(toSeries(batch)));
      let backoff = minBackoffMs;
      for (;;) {
        try {
          await this.post(body);
          this.options.metrics.samplesSent.inc(batch.length);
          break;
        } catch (error) {
          if (error instanceof RetryableError && !this.closed) {
            this.options.metrics.samplesRetried.inc(batch.length);
            this.options.logger.warn({ err: error.message, retryInMs: backoff }, 'remote write failed, retrying');
            await this.sleep(backoff);
            backoff = Math.min(backoff * 2, maxBackoffMs);
            continue;
          }
          if (error instanceof RetryableError) return; // closing: close() counts what is left
          this.options.metrics.samplesFailed.inc(batch.length);
          this.options.logger.error({ err: (error as Error).message, samples: batch.length }, 'remote write refused, samples failed');
          break;
        }
      }
      this.queue.splice(0, batch.length);
      this.options.metrics.samplesPending.set(this.queue.length);
    }
  }

  private async post(body: Uint8Array): Promise<void> {
    const { url, headers, basicAuth, timeoutMs } = this.options.config;
    const auth: Record<string, string> =
      basicAuth !== undefined ? { authorization: `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}` } : {};
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: 'POST',
        headers: {
          ...headers,
          ...auth,
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
          'user-agent': 'norn-ruler',
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new RetryableError(`remote write to ${url}: ${(error as Error).message}`, { cause: error });
    }
    if (response.ok) {
      await response.arrayBuffer().catch(() => undefined);
      return;
    }
    const text = (await response.text().catch(() => '')).slice(0, 512).trim();
    const message = `server returned HTTP status ${response.status} ${response.statusText}: ${text}`;
    if (response.status >= 500 || response.status === 429) throw new RetryableError(message);
    throw new Error(message);
  }
}
