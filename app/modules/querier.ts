// The querier module: fans queries out to the ingesters and the store, and stitches reads that
// name several tenants.

import type { Logger } from 'pino';
import type { Bus } from '../../bus/bus.js';
import type { NornConfig } from '../config.js';
import type { RingWatcher } from '../../actors/ring/ring-watcher.js';
import type { QueryService } from '../../actors/querier/api.js';
import { ClusterQuerier } from '../../actors/querier/querier.js';
import { MultiTenantQuerier } from '../../actors/querier/multi-tenant.js';
import type { OpenStorage } from './storage.js';

export interface QuerierModule {
  readonly querier: ClusterQuerier;
  /** What the HTTP edge serves: the querier, over one tenant or several (`a|b`). */
  readonly service: QueryService;
}

export function startQuerier(deps: {
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly ring: RingWatcher;
  readonly storage: OpenStorage;
  readonly logger: Logger;
}): QuerierModule {
  const { config, bus, ring, storage } = deps;
  const logger = deps.logger.child({ component: 'querier' });
  const querier = new ClusterQuerier({ bus, ring, store: storage.chunkSource, config: config.querier, limits: config.limits, logger });
  return { querier, service: new MultiTenantQuerier(querier) };
}
