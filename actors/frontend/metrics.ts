// The query frontend's Prometheus metrics, named after Loki's `loki_query_frontend_*`.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface FrontendMetrics {
  readonly queueLength: Gauge<'tenant'>;
  readonly enqueued: Counter<'tenant'>;
  readonly dequeued: Counter<'tenant'>;
  readonly queueDuration: Histogram;
  readonly discardedRequests: Counter<'tenant'>;
  readonly subqueryDuration: Histogram<'status'>;
  readonly splits: Counter;
  readonly shards: Counter;
  readonly cacheHits: Counter;
  readonly cacheMisses: Counter;
}

export function createFrontendMetrics(registry: Registry): FrontendMetrics {
  const registers = [registry];
  return {
    queueLength: new Gauge({ name: 'norn_query_frontend_queue_length', help: 'Sub-queries waiting in the frontend queue, per tenant.', labelNames: ['tenant'], registers }),
    // Together with the queue length: each tenant's share of what ran, and in which order tenants were served.
    enqueued: new Counter({ name: 'norn_query_frontend_enqueued_total', help: 'Sub-queries put in the frontend queue, per tenant.', labelNames: ['tenant'], registers }),
    dequeued: new Counter({
      name: 'norn_query_frontend_dequeued_total',
      help: 'Sub-queries that left the frontend queue to run, per tenant (dropped ones are not counted).',
      labelNames: ['tenant'],
      registers,
    }),
    queueDuration: new Histogram({
      name: 'norn_query_frontend_queue_duration_seconds',
      help: 'Time a sub-query waited in the frontend queue.',
      buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 10],
      registers,
    }),
    discardedRequests: new Counter({
      name: 'norn_query_frontend_discarded_requests_total',
      help: 'Queries refused with 429 because the tenant had max_outstanding_per_tenant sub-queries queued.',
      labelNames: ['tenant'],
      registers,
    }),
    subqueryDuration: new Histogram({
      name: 'norn_query_frontend_subquery_duration_seconds',
      help: 'Time a sub-query took on its executor, by outcome.',
      labelNames: ['status'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    splits: new Counter({ name: 'norn_query_frontend_splits_total', help: 'Time splits the frontend cut queries into.', registers }),
    shards: new Counter({ name: 'norn_query_frontend_shards_total', help: 'Shards the frontend ran, over all splits.', registers }),
    cacheHits: new Counter({ name: 'norn_query_frontend_results_cache_hits_total', help: 'Splits answered (wholly or partly) from cached extents.', registers }),
    cacheMisses: new Counter({ name: 'norn_query_frontend_results_cache_misses_total', help: 'Splits the results cache held nothing for.', registers }),
  };
}
