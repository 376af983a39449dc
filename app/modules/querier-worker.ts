// The querier worker module (`--target querier`): announces this querier in the queriers bucket
// and runs the sub-queries gateways' query frontends send it, on the querier module's
// ClusterQuerier. Stopping drains: no new sub-queries, those taken finish, then it leaves.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Bus, KvStore } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import type { NornConfig } from '../config.js';
import { QuerierAnnouncer } from '../../actors/querier/worker/announcer.js';
import { workerMetrics } from '../../actors/querier/worker/metrics.js';
import type { QuerierEntry } from '../../actors/querier/worker/protocol.js';
import { QueryWorker } from '../../actors/querier/worker/worker.js';
import type { QuerierModule } from './querier.js';
import { LocalExecutor } from '../../actors/frontend/local-executor.js';

/** Entries of queriers that died long ago leave the bucket by themselves; liveness is the heartbeat's. */
export const QUERIER_ENTRY_TTL_MS = 5 * 60_000;

export interface QuerierWorkerModule {
  readonly worker: QueryWorker;
  stop(): Promise<void>;
}

export async function startQuerierWorker(deps: {
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly querier: QuerierModule;
  readonly registry: Registry;
  readonly logger: Logger;
}): Promise<QuerierWorkerModule> {
  const { config, bus, querier } = deps;
  const logger = deps.logger.child({ component: 'querier-worker' });
  const store = (await bus.kv(subjects.querierBucket, { ttlMs: QUERIER_ENTRY_TTL_MS })) as KvStore<QuerierEntry>;
  const announcer = new QuerierAnnouncer(store, {
    id: config.id,
    maxConcurrent: config.querier.maxConcurrent,
    addr: `${config.httpHost}:${config.httpPort}`,
    heartbeatMs: config.ring.heartbeatMs,
    onError: (error) => logger.warn({ err: error }, 'querier heartbeat failed'),
  });
  // The worker's slots bound what runs; the executor is only how a piece runs.
  const local = new LocalExecutor(querier.querier, config.querier.maxConcurrent);
  const worker = new QueryWorker({
    id: config.id,
    bus,
    // Exactly what a gateway's frontend runs when it has no querier: its LocalExecutor over the
    // same ClusterQuerier, so an answer does not depend on where the piece ran.
    run: (params, signal) => local.execute({ params }, { signal }),
    maxConcurrent: config.querier.maxConcurrent,
    keepaliveMs: config.ring.heartbeatMs,
    announcer,
    metrics: workerMetrics(deps.registry),
    logger,
  });
  await worker.start();
  logger.info({ id: config.id, maxConcurrent: config.querier.maxConcurrent }, 'querier taking sub-queries');
  // A sub-query may take as long as the longest query allowed; drain at most that.
  const drainMs = Math.max(config.querier.ingesterQueryTimeoutMs, 30_000);
  return { worker, stop: () => worker.stop(drainMs) };
}
