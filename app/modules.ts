// Norn's modules and targets, in the manner of Loki's `pkg/loki/modules.go`: every module names
// what it depends on, every `--target` is a set of modules, and this is the one place that
// constructs components, so it is the map of a running process.

import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Bus } from '../bus/bus.js';
import { connectNatsBus, MemoryBus } from '../bus/mod.js';
import type { NornConfig, Target } from './config.js';
import type { ModuleContext, ModuleDefinition } from './module-graph.js';
import { openStorage, type OpenStorage } from './modules/storage.js';
import { startRing, type RingModule } from './modules/ring.js';
import { startIngester, type IngesterModule } from './modules/ingester.js';
import { startDistributor, type DistributorModule } from './modules/distributor.js';
import { startQuerier, type QuerierModule } from './modules/querier.js';
import { startServer, type ServerModule } from './modules/server.js';
import { startRuler, startRulerStores, type RulerStoresModule } from './modules/ruler.js';
import type { RunningRuler } from '../actors/ruler/mod.js';
import { startQuerierWorker, type QuerierWorkerModule } from './modules/querier-worker.js';
import { startQuerierPool, type QuerierPoolModule } from './modules/querier-pool.js';
import { RuntimeConfig } from './runtime-config.js';
import { startCompactorModule, type CompactorModule } from './modules/compactor.js';
import { startDeletion, type DeletionModule } from './modules/deletion.js';
import { startFrontend, type FrontendModule } from './modules/frontend.js';

export const MODULE = {
  metrics: 'metrics',
  bus: 'bus',
  storage: 'storage',
  ring: 'ring',
  ingester: 'ingester',
  distributor: 'distributor',
  querier: 'querier',
  /** A querier's side of the query frontend: takes sub-queries from gateways (`--target querier`). */
  querierWorker: 'querier-worker',
  /** A gateway's side: the queriers it sees, and the executor that sends them sub-queries. */
  querierPool: 'querier-pool',
  /** Loki's query frontend in every gateway: splits, shards, fair queue, results cache (actors/frontend/). */
  frontend: 'frontend',
  rulerStores: 'ruler-stores',
  ruler: 'ruler',
  server: 'server',
  runtimeConfig: 'runtime-config',
  /** Index compaction and retention; one process at a time is the active one (a lease in the bus KV). */
  compactor: 'compactor',
  /** Delete requests: the `/loki/api/v1/delete` API, the query-time filter, the compactor's task. */
  deletion: 'deletion',
} as const;

/**
 * What each target runs. The server comes last in every target: it serves whatever the target
 * runs, so it starts after the others and stops before them.
 */
export const TARGETS: Readonly<Record<Target, readonly string[]>> = {
  all: [MODULE.ingester, MODULE.distributor, MODULE.querier, MODULE.querierPool, MODULE.frontend, MODULE.ruler, MODULE.compactor, MODULE.server],
  // A gateway serves the rules API from the shared rule store; rulers evaluate.
  gateway: [MODULE.distributor, MODULE.querier, MODULE.querierPool, MODULE.frontend, MODULE.rulerStores, MODULE.server],
  ingester: [MODULE.ingester, MODULE.server],
  ruler: [MODULE.querier, MODULE.ruler, MODULE.server],
  // Stateless: runs gateways' sub-queries; its HTTP server has /ready, /metrics and the admin pages only.
  querier: [MODULE.querier, MODULE.querierWorker, MODULE.server],
  // Run two or more: one holds the lease and works, the others wait to take over.
  compactor: [MODULE.compactor, MODULE.server],
};

export function nornModules(input: NornConfig, logger: Logger): Record<string, ModuleDefinition> {
  // Per-tenant limits are live: `config.limits.overrides` reads what the runtime file holds now;
  // the global limits stay as started. Every module below gets this config.
  const runtime = new RuntimeConfig({ settings: input.runtimeConfig, limits: input.limits, logger });
  const config: NornConfig = { ...input, limits: runtime.limits };
  const warnOnClose = (what: string) => (error: unknown) => logger.warn({ err: error }, `closing ${what} failed`);
  const modules: Record<string, ModuleDefinition<never>> = {};
  const define = <T>(name: string, definition: ModuleDefinition<T>): void => {
    modules[name] = definition as ModuleDefinition<never>;
  };

  define<Registry>(MODULE.metrics, {
    deps: [],
    start() {
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      return registry;
    },
  });
  define<Bus>(MODULE.bus, {
    deps: [],
    // One process, one bus: actors never mutate what they send, so payloads need no copying.
    start: () =>
      config.nats !== undefined
        ? connectNatsBus({ servers: config.nats, name: `norn-${config.id}`, logger })
        : new MemoryBus({ copyPayloads: false }),
    stop: (bus) => bus.close().catch(warnOnClose('the bus')),
  });
  define<RuntimeConfig>(MODULE.runtimeConfig, {
    deps: [MODULE.metrics],
    start: (c) => {
      runtime.start(c.get(MODULE.metrics));
      return runtime;
    },
    stop: (loaded) => loaded.stop(),
  });
  define<OpenStorage>(MODULE.storage, {
    deps: [MODULE.metrics],
    start: (c) => openStorage(config, logger, c.get(MODULE.metrics)),
    stop: (storage) => storage.health.stop(),
  });
  define<RingModule>(MODULE.ring, {
    deps: [MODULE.bus, MODULE.metrics],
    start: (c) => startRing({ config, bus: c.get(MODULE.bus), registry: c.get(MODULE.metrics) }),
    stop: (ring) => ring.watcher.stop(),
  });
  define<IngesterModule>(MODULE.ingester, {
    deps: [MODULE.bus, MODULE.ring, MODULE.storage, MODULE.metrics, MODULE.runtimeConfig],
    start: (c) => {
      const ring = c.get<RingModule>(MODULE.ring);
      return startIngester({ config, bus: c.get(MODULE.bus), ring: ring.watcher, ringStore: ring.store, storage: c.get(MODULE.storage), registry: c.get(MODULE.metrics), logger });
    },
    stop: (ingester) => ingester.leave(),
  });
  define<DistributorModule>(MODULE.distributor, {
    deps: [MODULE.bus, MODULE.ring, MODULE.metrics, MODULE.runtimeConfig],
    start: (c) => startDistributor({ config, bus: c.get(MODULE.bus), ring: ring(c), registry: c.get(MODULE.metrics), logger }),
    stop: (distributor) => distributor.stop(),
  });
  define<DeletionModule>(MODULE.deletion, {
    deps: [MODULE.storage, MODULE.metrics, MODULE.runtimeConfig],
    start: (c) => startDeletion({ config, storage: c.get(MODULE.storage), registry: c.get(MODULE.metrics), logger }),
  });
  define<QuerierModule>(MODULE.querier, {
    deps: [MODULE.bus, MODULE.ring, MODULE.storage, MODULE.runtimeConfig, MODULE.deletion, MODULE.metrics],
    start: (c) =>
      startQuerier({
        config, bus: c.get(MODULE.bus), ring: ring(c), storage: c.get(MODULE.storage), logger,
        deletes: c.get<DeletionModule>(MODULE.deletion).service, registry: c.get(MODULE.metrics),
      }),
    stop: (querier) => querier.stop(),
  });
  define<QuerierWorkerModule>(MODULE.querierWorker, {
    deps: [MODULE.bus, MODULE.querier, MODULE.metrics],
    start: (c) => startQuerierWorker({ config, bus: c.get(MODULE.bus), querier: c.get(MODULE.querier), registry: c.get(MODULE.metrics), logger }),
    stop: (worker) => worker.stop(),
  });
  define<QuerierPoolModule>(MODULE.querierPool, {
    deps: [MODULE.bus, MODULE.metrics],
    start: (c) => startQuerierPool({ config, bus: c.get(MODULE.bus), registry: c.get(MODULE.metrics), logger }),
    stop: (pool) => pool.stop(),
  });
  define<FrontendModule>(MODULE.frontend, {
    deps: [MODULE.bus, MODULE.querier, MODULE.querierPool, MODULE.metrics],
    start: (c) =>
      startFrontend({ config, bus: c.get(MODULE.bus), querier: c.get(MODULE.querier), remote: c.find(MODULE.querierPool), registry: c.get(MODULE.metrics), logger }),
  });
  define<RulerStoresModule>(MODULE.rulerStores, {
    deps: [MODULE.bus, MODULE.storage],
    start: (c) => startRulerStores({ config, bus: c.get(MODULE.bus), storage: c.get(MODULE.storage), logger }),
  });
  define<RunningRuler>(MODULE.ruler, {
    deps: [MODULE.bus, MODULE.storage, MODULE.querier, MODULE.metrics],
    start: (c) =>
      startRuler({ config, bus: c.get(MODULE.bus), storage: c.get(MODULE.storage), query: c.get<QuerierModule>(MODULE.querier).service, registry: c.get(MODULE.metrics), logger }),
    stop: (ruler) => ruler.stop(),
  });
  define<CompactorModule>(MODULE.compactor, {
    deps: [MODULE.bus, MODULE.storage, MODULE.metrics, MODULE.deletion],
    start: async (c) => {
      const running = await startCompactorModule({ config, bus: c.get(MODULE.bus), storage: c.get(MODULE.storage), registry: c.get(MODULE.metrics), logger });
      // Delete requests are carried out by the active compactor (tenants in filter-and-delete mode).
      running.compactor.registerTask(c.get<DeletionModule>(MODULE.deletion).task);
      return running;
    },
    stop: (compactor) => compactor.stop(),
  });
  define<ServerModule>(MODULE.server, {
    deps: [MODULE.metrics, MODULE.ring, MODULE.runtimeConfig],
    start: (c) =>
      startServer({
        runtimeConfig: c.get(MODULE.runtimeConfig),
        config,
        registry: c.get(MODULE.metrics),
        logger,
        ring: c.get(MODULE.ring),
        ingester: c.find(MODULE.ingester),
        distributor: c.find(MODULE.distributor),
        // A querier serves no Loki API: gateways send it sub-queries over the bus.
        querier: config.target === 'querier' ? undefined : c.find(MODULE.querier),
        // The HTTP `query` is the frontend's where the target runs one.
        frontend: c.find(MODULE.frontend),
        queriers: c.find(MODULE.querierPool),
        storage: c.find(MODULE.storage),
        rules: c.find<RunningRuler>(MODULE.ruler)?.service ?? c.find<RulerStoresModule>(MODULE.rulerStores)?.service,
        deletes: config.target === 'querier' ? undefined : c.find<DeletionModule>(MODULE.deletion)?.service,
      }),
    stop: (server) => server.close().catch(warnOnClose('HTTP')),
  });
  return modules;
}

function ring(context: ModuleContext) {
  return context.get<RingModule>(MODULE.ring).watcher;
}
