// The querier worker's metrics: what an operator watches to size `querier.max_concurrent`.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface WorkerMetrics {
  readonly inFlight: Gauge;
  readonly jobs: Counter<'outcome'>;
  readonly cancelled: Counter;
  readonly duration: Histogram;
}

export function workerMetrics(registry: Registry): WorkerMetrics {
  return {
    inFlight: new Gauge({ name: 'norn_querier_worker_inflight_subqueries', help: 'Sub-queries this querier holds: waiting for a slot or running.', registers: [registry] }),
    jobs: new Counter({ name: 'norn_querier_worker_subqueries_total', help: 'Sub-queries this querier finished, by outcome (success, error, cancelled).', labelNames: ['outcome'], registers: [registry] }),
    cancelled: new Counter({ name: 'norn_querier_worker_cancels_total', help: 'Cancel messages from gateways that stopped a sub-query here.', registers: [registry] }),
    duration: new Histogram({
      name: 'norn_querier_worker_subquery_duration_seconds',
      help: 'Time from taking a sub-query to its last frame.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
