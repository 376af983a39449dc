// One queue per tenant, served round robin, as Loki's query scheduler serves its tenants: a
// tenant with a backlog of sub-queries takes its turn like any other, so another tenant's small
// query waits for at most one sub-query of each busy tenant, not for their whole backlog.
// At most `concurrency()` sub-queries run overall (what the executor can take now), at most
// `max_query_parallelism` of one tenant; a tenant with `max_outstanding_per_tenant` sub-queries
// already waiting gets Loki's 429 "too many outstanding requests".

import { NornError } from '../../core/errors.js';
import type { FrontendMetrics } from './metrics.js';

export interface FairQueueOptions {
  /** Sub-queries that may run at once overall (the executor's figure, read at every dispatch). */
  readonly concurrency: () => number;
  /** A tenant's `max_query_parallelism`. */
  readonly parallelismOf: (tenant: string) => number;
  readonly maxOutstandingPerTenant: number;
  readonly metrics?: FrontendMetrics;
  readonly now?: () => number;
}

export interface Queued<T> {
  readonly value: T;
  /** Seconds the job waited before it started. */
  readonly queuedSeconds: number;
}

interface Job {
  readonly tenant: string;
  readonly enqueuedAt: number;
  start(): void;
  cancel(reason: unknown): void;
}

interface TenantQueue {
  readonly jobs: Job[];
  running: number;
}

export class TooManyOutstandingRequests extends NornError {
  constructor() {
    super('QUERY_TOO_MANY_OUTSTANDING', 'too many outstanding requests');
  }
}

export class FairQueue {
  private readonly tenants = new Map<string, TenantQueue>();
  /** Tenants in turn order; the one after `lastServed` is served next. */
  private readonly order: string[] = [];
  private lastServed: string | undefined;
  private running = 0;
  private readonly now: () => number;

  constructor(private readonly options: FairQueueOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Sub-queries of `tenant` waiting (not yet running). */
  queued(tenant: string): number {
    return this.tenants.get(tenant)?.jobs.length ?? 0;
  }

  /** Runs `work` when the tenant's turn comes; a job aborted while it waits never starts. */
  run<T>(tenant: string, work: () => Promise<T>, signal?: AbortSignal): Promise<Queued<T>> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const queue = this.queueOf(tenant);
    if (queue.jobs.length >= this.options.maxOutstandingPerTenant) {
      this.forgetIdle(tenant, queue);
      return Promise.reject(new TooManyOutstandingRequests());
    }
    return new Promise<Queued<T>>((resolve, reject) => {
      const onAbort = (): void => job.cancel(signal!.reason);
      const job: Job = {
        tenant,
        enqueuedAt: this.now(),
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          const queuedSeconds = (this.now() - job.enqueuedAt) / 1000;
          this.options.metrics?.queueDuration.observe(queuedSeconds);
          work().then(
            (value) => resolve({ value, queuedSeconds }),
            (error: unknown) => reject(error),
          ).finally(() => this.finished(tenant));
        },
        cancel: (reason) => {
          const index = queue.jobs.indexOf(job);
          if (index < 0) return;
          queue.jobs.splice(index, 1);
          this.gauge(tenant);
          this.forgetIdle(tenant, queue);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.jobs.push(job);
      this.options.metrics?.enqueued.inc({ tenant });
      this.gauge(tenant);
      this.dispatch();
    });
  }

  private queueOf(tenant: string): TenantQueue {
    let queue = this.tenants.get(tenant);
    if (queue === undefined) {
      queue = { jobs: [], running: 0 };
      this.tenants.set(tenant, queue);
      this.order.push(tenant);
    }
    return queue;
  }

  private finished(tenant: string): void {
    this.running--;
    const queue = this.tenants.get(tenant)!;
    queue.running--;
    this.forgetIdle(tenant, queue);
    this.dispatch();
  }

  /** A tenant with nothing queued or running leaves the rotation, so the map does not grow forever. */
  private forgetIdle(tenant: string, queue: TenantQueue): void {
    if (queue.jobs.length > 0 || queue.running > 0) return;
    this.tenants.delete(tenant);
    this.order.splice(this.order.indexOf(tenant), 1);
    this.options.metrics?.queueLength.remove({ tenant });
  }

  private dispatch(): void {
    while (this.running < Math.max(1, this.options.concurrency())) {
      const job = this.nextJob();
      if (job === undefined) return;
      this.running++;
      this.tenants.get(job.tenant)!.running++;
      this.options.metrics?.dequeued.inc({ tenant: job.tenant });
      this.gauge(job.tenant);
      job.start();
    }
  }

  /** The first job of the next tenant in turn that has one and is under its parallelism. */
  private nextJob(): Job | undefined {
    // A tenant that left the rotation is not found: start from the first.
    const first = this.lastServed === undefined ? 0 : this.order.indexOf(this.lastServed) + 1;
    for (let tried = 0; tried < this.order.length; tried++) {
      const index = (first + tried) % this.order.length;
      const tenant = this.order[index]!;
      const queue = this.tenants.get(tenant)!;
      if (queue.jobs.length === 0 || queue.running >= Math.max(1, this.options.parallelismOf(tenant))) continue;
      this.lastServed = tenant;
      return queue.jobs.shift();
    }
    return undefined;
  }

  private gauge(tenant: string): void {
    this.options.metrics?.queueLength.set({ tenant }, this.queued(tenant));
  }
}
