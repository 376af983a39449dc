// The querier module: fans queries out to the ingesters and the store, and stitches reads that
// name several tenants.

import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Bus } from '../../bus/bus.js';
import type { NornConfig } from '../config.js';
import type { RingWatcher } from '../../actors/ring/ring-watcher.js';
import type { QueryService } from '../../actors/querier/api.js';
import { ClusterQuerier } from '../../actors/querier/querier.js';
import type { FoldOutcome } from '../../actors/querier/fold-bound.js';
import { MultiTenantQuerier } from '../../actors/querier/multi-tenant.js';
import { SingleTenantQuerier } from '../../actors/querier/single-tenant.js';
import { DrilldownQuerier, IngesterPatterns } from '../../actors/querier/drilldown/mod.js';
import type { OpenStorage } from './storage.js';
import { ConfigError } from '../config-file.js';
import { defaultQueryWorkers, ScanPool } from '../../actors/querier/scan-pool/pool.js';
import type { DeleteFilter } from '../../logql/types.js';

export interface QuerierModule {
  readonly querier: ClusterQuerier;
  /** What the HTTP edge serves: the querier, over one tenant or several (`a|b`). */
  readonly service: QueryService;
  /** Ends the store-scan worker threads. */
  stop(): Promise<void>;
}

export function startQuerier(deps: {
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly ring: RingWatcher;
  readonly storage: OpenStorage;
  readonly logger: Logger;
  /** Delete requests hidden at query time (app/modules/deletion.ts). */
  readonly deletes?: { filtersFor(tenant: string): Promise<readonly DeleteFilter[]> };
  readonly registry?: Registry;
}): QuerierModule {
  const { config, bus, ring, storage } = deps;
  const logger = deps.logger.child({ component: 'querier' });
  const workers = config.querier.queryWorkers === 'auto' ? defaultQueryWorkers() : config.querier.queryWorkers;
  if (!Number.isInteger(workers) || workers < 0) {
    throw new ConfigError(`querier.query_workers: expected auto or a whole number of threads, got ${JSON.stringify(config.querier.queryWorkers)}`);
  }
  const scanPool = workers > 0 ? new ScanPool({ size: workers }).warm() : undefined;
  const folds = deps.registry === undefined ? undefined : new Counter({
    name: 'norn_querier_store_folds_total',
    help: 'Metric selections by how the store scan read them: folded (sums per window stretch where no ingester holds the entries), unfolded (an ingester did not say what it holds), conflict (asked again unfolded).',
    labelNames: ['outcome'],
    registers: [deps.registry],
  });
  const querier = new ClusterQuerier({
    bus, ring, store: storage.chunkSource, config: config.querier, limits: config.limits, logger,
    ...(folds !== undefined ? { onFold: (outcome: FoldOutcome) => folds.inc({ outcome }) } : {}),
    ...(deps.deletes !== undefined ? { deletes: (tenant: string) => deps.deletes!.filtersFor(tenant) } : {}),
    ...(scanPool !== undefined ? { scanPool } : {}),
  });
  const tenants = config.querier.multiTenantQueriesEnabled ? new MultiTenantQuerier(querier) : new SingleTenantQuerier(querier);
  // Drilldown's endpoints over it; patterns come from the ingesters' miners.
  const patterns = new IngesterPatterns({ bus, ring, timeoutMs: config.querier.ingesterQueryTimeoutMs });
  const service = new DrilldownQuerier(tenants, patterns);
  return { querier, service, stop: async () => scanPool?.close() };
}
