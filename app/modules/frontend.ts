// The query frontend module (targets `all` and `gateway`): what the HTTP edge's `query` is. It
// splits, shards, queues and caches, and runs the pieces on the executor: the querier pool's
// (queriers over the bus, this process when none is live) where the target has one, otherwise
// a LocalExecutor over this process's querier. The ruler keeps calling the querier directly.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Bus } from '../../bus/bus.js';
import type { NornConfig } from '../config.js';
import type { QueryService } from '../../actors/querier/api.js';
import { QueryFrontend } from '../../actors/frontend/frontend.js';
import { LocalExecutor } from '../../actors/frontend/local-executor.js';
import { createFrontendMetrics } from '../../actors/frontend/metrics.js';
import { MemoryCacheStore } from '../../actors/frontend/results-cache/memory-store.js';
import { KvCacheStore } from '../../actors/frontend/results-cache/kv-store.js';
import type { CacheStore } from '../../actors/frontend/results-cache/store.js';
import type { SubQueryExecutor } from '../../actors/frontend/executor.js';
import type { QuerierModule } from './querier.js';

export interface FrontendModule {
  readonly frontend: QueryFrontend;
  /** What the HTTP edge serves: the frontend, or the querier itself when `frontend.enabled` is false. */
  readonly service: QueryService;
}

export function startFrontend(deps: {
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly querier: QuerierModule;
  /** The querier pool's executor factory, where the target runs one (remote queriers on the bus). */
  readonly remote?: { executorWith(local: SubQueryExecutor): SubQueryExecutor } | undefined;
  readonly registry: Registry;
  readonly logger: Logger;
}): FrontendModule {
  const { config, querier } = deps;
  const logger = deps.logger.child({ component: 'frontend' });
  const local = new LocalExecutor(querier.querier, config.querier.maxConcurrent);
  const executor = deps.remote?.executorWith(local) ?? local;
  const frontend = new QueryFrontend({
    downstream: querier.service,
    executor,
    limits: config.limits,
    config: config.frontend,
    metrics: createFrontendMetrics(deps.registry),
    ...(config.frontend.cacheResults ? { cacheStore: cacheStore(config, deps.bus, logger) } : {}),
  });
  return { frontend, service: config.frontend.enabled ? frontend : querier.service };
}

function cacheStore(config: NornConfig, bus: Bus, logger: Logger): CacheStore {
  const settings = config.frontend.resultsCache;
  if (settings.backend === 'nats-kv') {
    return new KvCacheStore(bus, settings.ttlMs, (error) => logger.warn({ err: error }, 'results cache unavailable: answering without it'));
  }
  return new MemoryCacheStore(settings.maxSizeMb * 1024 * 1024);
}
