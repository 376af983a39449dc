// The compactor module: index compaction, retention and the registered tasks, run by whichever
// compactor process holds the lease in the bus KV (actors/compactor/README.md). Runs in `all`
// (on the embedded bus it is always the one) and as `--target compactor` beside a cluster.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Bus } from '../../bus/bus.js';
import type { NornConfig } from '../config.js';
import { startCompactor, type RunningCompactor } from '../../actors/compactor/mod.js';
import type { OpenStorage } from './storage.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export type CompactorModule = RunningCompactor;

export function startCompactorModule(deps: {
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly storage: OpenStorage;
  readonly registry: Registry;
  readonly logger: Logger;
}): Promise<CompactorModule> {
  const { config, bus, storage, registry, logger } = deps;
  return startCompactor({
    id: config.id,
    config: config.compactor,
    bus,
    store: storage.objects,
    limits: () => config.limits,
    // A chunk holding a day's last entries is cut at most max_chunk_age after its first one or
    // chunk_idle_period after its last; an hour more covers flush retries and shutdown flushes.
    // Later flushes are still read correctly (readers take the union); they are merged next run.
    flushLagMs: config.ingester.maxChunkAgeMs + config.ingester.chunkIdleMs + HOUR,
    // Readers reuse a day's listing for storage.index_cache: superseded objects outlive that by far.
    cleanupDelayMs: Math.max(5 * MINUTE, 10 * config.storage.indexCacheMs),
    registry,
    logger,
    onIndexChanged: (tenant, day) => storage.chunks.index.invalidateDay(tenant, day),
  });
}
