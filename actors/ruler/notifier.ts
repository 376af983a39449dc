// Sends alerts to Alertmanager's v2 API (`POST <url>/api/v2/alerts`), to every configured
// Alertmanager, as Prometheus' notifier does: a bounded queue (the oldest notifications are
// dropped, and counted, when it overflows), batches of 64, one request per Alertmanager per
// batch. A failed send is not retried: firing alerts are sent again every `resend_delay`, and
// each carries an `endsAt` four resend periods ahead, so one lost batch resolves nothing.

import type { Logger } from 'pino';
import type { NotificationWithUrl } from './group-runner.js';
import type { RulerMetrics } from './metrics.js';

const BATCH = 64;

interface QueuedAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
}

export interface AlertmanagerNotifierOptions {
  readonly urls: readonly string[];
  readonly capacity: number;
  readonly timeoutMs: number;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly metrics: RulerMetrics;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
}

/** `http://am:9093` or `http://am:9093/alertmanager` -> its v2 alerts endpoint. */
export function alertsEndpoint(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith('/api/v2/alerts') ? trimmed : `${trimmed}/api/v2/alerts`;
}

export class AlertmanagerNotifier {
  private readonly queue: QueuedAlert[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: AlertmanagerNotifierOptions) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  send(_tenant: string, alerts: readonly NotificationWithUrl[]): void {
    if (this.options.urls.length === 0 || this.closed) return;
    for (const alert of alerts) {
      const labels = { ...this.options.externalLabels, ...alert.labels };
      this.queue.push({
        labels,
        annotations: alert.annotations,
        startsAt: new Date(alert.startsAtMs).toISOString(),
        endsAt: new Date(alert.endsAtMs).toISOString(),
        generatorURL: alert.generatorUrl,
      });
    }
    const overflow = this.queue.length - this.options.capacity;
    if (overflow > 0) {
      this.queue.splice(0, overflow);
      this.options.metrics.notificationsDropped.inc(overflow);
      this.options.logger.warn({ dropped: overflow }, 'alert notification queue full, dropped the oldest notifications');
    }
    this.options.metrics.notificationQueueLength.set(this.queue.length);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Sends what is queued, then stops taking notifications. */
  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
  }

  /** Resolves once the queue is empty (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, BATCH);
      this.options.metrics.notificationQueueLength.set(this.queue.length);
      const body = JSON.stringify(batch);
      const results = await Promise.all(this.options.urls.map((url) => this.post(url, body, batch.length)));
      if (!results.some(Boolean)) this.options.metrics.notificationsDropped.inc(batch.length);
    }
  }

  private async post(url: string, body: string, count: number): Promise<boolean> {
    const endpoint = alertsEndpoint(url);
    try {
      const response = await this.fetchImpl(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (!response.ok) {
        const text = (await response.text()).slice(0, 512);
        throw new Error(`bad response status ${response.status} ${response.statusText}: ${text}`);
      }
      await response.arrayBuffer().catch(() => undefined);
      this.options.metrics.notificationsSent.inc({ alertmanager: endpoint }, count);
      return true;
    } catch (error) {
      this.options.metrics.notificationErrors.inc({ alertmanager: endpoint }, count);
      this.options.logger.error({ alertmanager: endpoint, count, err: error instanceof Error ? error.message : String(error) }, 'error sending alerts to Alertmanager');
      return false;
    }
  }
}
