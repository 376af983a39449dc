// Starts a Norn process: resolves the configuration once, then starts the modules its target
// names (app/modules.ts) and stops them in reverse order on a graceful stop.

import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Bus } from '../bus/bus.js';
import type { NornConfig } from './config.js';
import { startModules } from './module-graph.js';
import { validateConfig } from './config-schema.js';
import { MODULE, nornModules, TARGETS } from './modules.js';
import type { DistributorModule } from './modules/distributor.js';
import type { IngesterModule } from './modules/ingester.js';
import type { QuerierModule } from './modules/querier.js';
import type { RunningRuler } from '../actors/ruler/mod.js';
import type { ServerModule } from './modules/server.js';
import { sharedCompressPool } from '../storage/chunk/mod.js';

export interface RunningNorn {
  /** `http://host:port` the HTTP edge listens on. */
  readonly address: string;
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly http: FastifyInstance;
  readonly ingester: IngesterModule | undefined;
  readonly distributor: DistributorModule | undefined;
  readonly querier: QuerierModule | undefined;
  readonly ruler: RunningRuler | undefined;
  /** Graceful stop: close the edge, leave the ring (handoff or flush), then close everything. */
  stop(): Promise<void>;
}

/** `--target all` alone, on its embedded bus, has no peer to hand off to or wait for. */
export function resolveConfig(config: NornConfig): NornConfig {
  if (config.target !== 'all' || config.nats !== undefined) return config;
  return { ...config, ring: { ...config.ring, joinAfterMs: 0, handoffWaitMs: 0 } };
}

export async function startNorn(input: NornConfig, logger: Logger): Promise<RunningNorn> {
  // Callers other than the command line (tests, embedders) get the same checks.
  const config = resolveConfig(validateConfig(input));
  const onStopError = (name: string, error: unknown) => logger.warn({ err: error, module: name }, 'stopping a module failed');
  const running = await startModules(nornModules(config, logger), TARGETS[config.target], onStopError);
  const get = <T>(name: string) => running.instances.get(name) as T;
  const server = get<ServerModule>(MODULE.server);

  let stopped: Promise<void> | undefined;
  return {
    address: server.address,
    config,
    bus: get(MODULE.bus),
    http: server.http,
    ingester: get(MODULE.ingester),
    distributor: get(MODULE.distributor),
    querier: get(MODULE.querier),
    ruler: get(MODULE.ruler),
    stop: () => (stopped ??= running.stop(onStopError)),
  };
}

/**
 * Ends the threads the process shares between its modules (the block compression pool), after
 * `stop()`, before the process exits: `process.exit` while a worker thread still runs races the
 * thread's teardown and can end the process by a signal instead of its exit code under load
 * (nodejs/node#25007). A stopped Norn has compressed every block, so nothing is waiting on them.
 */
export async function closeProcessThreads(): Promise<void> {
  await sharedCompressPool().close();
}
