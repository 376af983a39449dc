// The log-deletion module: delete requests in the object store, the API behind
// `/loki/api/v1/delete`, the query-time filter the querier applies, and the compactor task that
// carries requests out. It needs only the object store (and the limits, for `deletion_mode`),
// so every process that serves the API or queries builds its own over the shared bucket.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { limitsFor } from '../../core/limits.js';
import type { NornConfig } from '../config.js';
import { DeleteRequestsTask } from '../../actors/compactor/deletion/delete-task.js';
import { deletionMetrics } from '../../actors/compactor/deletion/metrics.js';
import { DeleteRequestStore } from '../../actors/compactor/deletion/request-store.js';
import { DeleteRequestsService } from '../../actors/compactor/deletion/service.js';
import type { OpenStorage } from './storage.js';

export interface DeletionModule {
  readonly service: DeleteRequestsService;
  /** Registered with the compactor where the target runs one. */
  readonly task: DeleteRequestsTask;
}

export function startDeletion(deps: {
  readonly config: NornConfig;
  readonly storage: OpenStorage;
  readonly registry: Registry;
  readonly logger: Logger;
}): DeletionModule {
  const { config, storage, registry } = deps;
  const logger = deps.logger.child({ component: 'deletion' });
  const metrics = deletionMetrics(registry);
  // The same TTL as the index listing's: a request made on another gateway is filtered here
  // within it, as a chunk flushed elsewhere becomes visible within it.
  const store = new DeleteRequestStore(storage.objects, {
    cacheTtlMs: config.storage.indexCacheMs,
    // As the index's listings (app/modules/storage.ts): the ingesters' memory covers the gap.
    staleListingMaxAgeMs: config.ingester.retainFlushedMs,
    onStaleListing: (tenant, error) => {
      metrics.staleListings.inc({ user: tenant });
      logger.warn({ tenant, err: error }, 'delete requests could not be listed: filtering with the last good listing');
    },
  });
  const service = new DeleteRequestsService({
    store,
    // `config.limits` reads the runtime overrides in force now.
    modeFor: (tenant) => limitsFor(config.limits, tenant).deletionMode,
    cancelPeriodMs: config.compactor.deleteRequestCancelPeriodMs,
    metrics,
    logger,
  });
  const task = new DeleteRequestsTask({ requests: store, chunks: storage.chunks, metrics });
  return { service, task };
}
