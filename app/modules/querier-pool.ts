// The querier pool module (gateways): watches the queriers bucket and gives the query frontend
// its executor: sub-queries go to queriers over the bus while one is live, and run in this
// process otherwise (`--target all`, or a gateway whose queriers are not deployed or all gone).

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Bus, KvStore } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import type { NornConfig } from '../config.js';
import type { SubQueryExecutor } from '../../actors/frontend/executor.js';
import { BusExecutor } from '../../actors/frontend/remote/bus-executor.js';
import { remoteExecutorMetrics } from '../../actors/frontend/remote/metrics.js';
import { QuerierOrLocalExecutor } from '../../actors/frontend/remote/querier-or-local.js';
import { QuerierPool } from '../../actors/frontend/remote/querier-pool.js';
import type { QuerierEntry } from '../../actors/querier/worker/protocol.js';
import { QUERIER_ENTRY_TTL_MS } from './querier-worker.js';

export interface QuerierPoolModule {
  readonly pool: QuerierPool;
  readonly remote: BusExecutor;
  /** The frontend's executor: the queriers while one is live, `local` otherwise. */
  executorWith(local: SubQueryExecutor): SubQueryExecutor;
  /** `/queriers`: the queriers this gateway sees. */
  status(): unknown;
  stop(): void;
}

export async function startQuerierPool(deps: {
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly registry: Registry;
  readonly logger: Logger;
}): Promise<QuerierPoolModule> {
  const { config, bus } = deps;
  const store = (await bus.kv(subjects.querierBucket, { ttlMs: QUERIER_ENTRY_TTL_MS })) as KvStore<QuerierEntry>;
  const pool = new QuerierPool(store, { heartbeatTimeoutMs: config.ring.heartbeatTimeoutMs });
  await pool.start();
  const metrics = remoteExecutorMetrics(deps.registry, pool);
  const remote = new BusExecutor({
    bus,
    pool,
    maxRetries: config.frontend.maxRetries,
    // A querier sends a keepalive every heartbeat period while it works on a sub-query: four
    // missed in a row (or the whole heartbeat timeout, if shorter) mean it died.
    silenceTimeoutMs: Math.min(config.ring.heartbeatTimeoutMs, 4 * config.ring.heartbeatMs),
    metrics,
    logger: deps.logger.child({ component: 'frontend-remote' }),
  });
  return {
    pool,
    remote,
    executorWith: (local) => new QuerierOrLocalExecutor(pool, remote, local, metrics),
    status: () => pool.status(),
    stop: () => pool.stop(),
  };
}
