// The gateway's metrics of sub-queries run on queriers.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { QuerierPool } from './querier-pool.js';

export interface RemoteExecutorMetrics {
  readonly retries: Counter;
  readonly failures: Counter;
  readonly inFlight: Gauge<'querier'>;
  readonly subQueries: Counter<'querier'>;
  readonly local: Counter;
}

export function remoteExecutorMetrics(registry: Registry, pool: QuerierPool): RemoteExecutorMetrics {
  new Gauge({
    name: 'norn_frontend_queriers_live',
    help: 'Queriers this gateway sees taking sub-queries (ACTIVE, heartbeat within the timeout).',
    registers: [registry],
    collect() {
      this.set(pool.live().length);
    },
  });
  new Gauge({
    name: 'norn_frontend_querier_free_slots',
    help: 'Free sub-query slots across live queriers, as far as this gateway knows.',
    registers: [registry],
    collect() {
      this.set(pool.freeSlots());
    },
  });
  return {
    retries: new Counter({ name: 'norn_frontend_retries_total', help: 'Sub-queries sent again to another querier after a querier failed, died or timed out.', registers: [registry] }),
    failures: new Counter({ name: 'norn_frontend_subquery_failures_total', help: 'Sub-queries that failed on every attempt (max_retries exhausted).', registers: [registry] }),
    inFlight: new Gauge({ name: 'norn_frontend_querier_inflight', help: 'Sub-queries this gateway has running on each querier.', labelNames: ['querier'], registers: [registry] }),
    subQueries: new Counter({ name: 'norn_frontend_querier_subqueries_total', help: 'Sub-queries answered by each querier.', labelNames: ['querier'], registers: [registry] }),
    local: new Counter({ name: 'norn_frontend_local_subqueries_total', help: 'Sub-queries run in this process because no querier was live.', registers: [registry] }),
  };
}
