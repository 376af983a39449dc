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

export const MODULE = {
  metrics: 'metrics',
  bus: 'bus',
  storage: 'storage',
  ring: 'ring',
  ingester: 'ingester',
  distributor: 'distributor',
  querier: 'querier',
  rulerStores: 'ruler-stores',
  ruler: 'ruler',
  server: 'server',
} as const;

/**
 * What each target runs. The server comes last in every target: it serves whatever the target
 * runs, so it starts after the others and stops before them.
 */
export const TARGETS: Readonly<Record<Target, readonly string[]>> = {
  all: [MODULE.ingester, MODULE.distributor, MODULE.querier, MODULE.ruler, MODULE.server],
  // A gateway serves the rules API from the shared rule store; rulers evaluate.
  gateway: [MODULE.distributor, MODULE.querier, MODULE.rulerStores, MODULE.server],
  ingester: [MODULE.ingester, MODULE.server],
  ruler: [MODULE.querier, MODULE.ruler, MODULE.server],
};

export function nornModules(config: NornConfig, logger: Logger): Record<string, ModuleDefinition> {
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
  define<OpenStorage>(MODULE.storage, {
    deps: [],
    start: () => openStorage(config, logger),
    stop: (storage) => storage.health.stop(),
  });
  define<RingModule>(MODULE.ring, {
    deps: [MODULE.bus, MODULE.metrics],
    start: (c) => startRing({ config, bus: c.get(MODULE.bus), registry: c.get(MODULE.metrics) }),
    stop: (ring) => ring.watcher.stop(),
  });
  define<IngesterModule>(MODULE.ingester, {
    deps: [MODULE.bus, MODULE.ring, MODULE.storage, MODULE.metrics],
    start: (c) => {
      const ring = c.get<RingModule>(MODULE.ring);
      return startIngester({ config, bus: c.get(MODULE.bus), ring: ring.watcher, ringStore: ring.store, storage: c.get(MODULE.storage), registry: c.get(MODULE.metrics), logger });
    },
    stop: (ingester) => ingester.leave(),
  });
  define<DistributorModule>(MODULE.distributor, {
    deps: [MODULE.bus, MODULE.ring, MODULE.metrics],
    start: (c) => startDistributor({ config, bus: c.get(MODULE.bus), ring: ring(c), registry: c.get(MODULE.metrics), logger }),
    stop: (distributor) => distributor.stop(),
  });
  define<QuerierModule>(MODULE.querier, {
    deps: [MODULE.bus, MODULE.ring, MODULE.storage],
    start: (c) => startQuerier({ config, bus: c.get(MODULE.bus), ring: ring(c), storage: c.get(MODULE.storage), logger }),
    stop: (querier) => querier.stop(),
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
  define<ServerModule>(MODULE.server, {
    deps: [MODULE.metrics, MODULE.ring],
    start: (c) =>
      startServer({
        config,
        registry: c.get(MODULE.metrics),
        logger,
        ring: c.get(MODULE.ring),
        ingester: c.find(MODULE.ingester),
        distributor: c.find(MODULE.distributor),
        querier: c.find(MODULE.querier),
        storage: c.find(MODULE.storage),
        rules: c.find<RunningRuler>(MODULE.ruler)?.service ?? c.find<RulerStoresModule>(MODULE.rulerStores)?.service,
      }),
    stop: (server) => server.close().catch(warnOnClose('HTTP')),
  });
  return modules;
}

function ring(context: ModuleContext) {
  return context.get<RingModule>(MODULE.ring).watcher;
}
