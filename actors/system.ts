// The composition root: builds the bus, storage, ring and the roles `--target` asks for, and
// wires them to the HTTP edge. Nothing else constructs components, so this file is the map of
// a running process.

import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Bus, KvStore } from '../bus/bus.js';
import { connectNatsBus, MemoryBus } from '../bus/index.js';
import { subjects } from '../bus/subjects.js';
import { createHttpServer } from '../gateway/index.js';
import { formatQuery } from '../logql/index.js';
import type { NornConfig } from './config.js';
import type { RingMember } from './ring/model.js';
import { RingWatcher } from './ring/ring-watcher.js';
import { registerRingMetrics } from './ring/metrics.js';
import { openStorage, type OpenStorage } from './storage-adapters.js';
import { startGatewayRole, type GatewayRole } from './gateway/role.js';
import { startIngesterRole, type IngesterRole } from './ingester/role.js';
import { NOT_A_GATEWAY } from './gateway/not-served.js';
import { buildInfo } from './build-info.js';

export interface RunningNorn {
  /** `http://host:port` the HTTP edge listens on. */
  readonly address: string;
  readonly bus: Bus;
  readonly gateway: GatewayRole | undefined;
  readonly ingester: IngesterRole | undefined;
  readonly http: FastifyInstance;
  /** Graceful stop: leave the ring (handoff or flush), then close everything. */
  stop(): Promise<void>;
}

/** `--target all` alone, on its embedded bus, has no peer to hand off to or wait for. */
function forSingleProcess(config: NornConfig): NornConfig {
  if (config.target !== 'all' || config.nats !== undefined) return config;
  return { ...config, ring: { ...config.ring, joinAfterMs: 0, handoffWaitMs: 0 } };
}

export async function startNorn(input: NornConfig, logger: Logger): Promise<RunningNorn> {
  const config = forSingleProcess(input);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // One process, one bus: actors never mutate what they send, so payloads need no copying.
  const bus: Bus =
    config.nats !== undefined
      ? await connectNatsBus({ servers: config.nats, name: `norn-${config.id}`, logger })
      : new MemoryBus({ copyPayloads: false });
  const storage: OpenStorage = await openStorage(config, logger);
  const ringStore = (await bus.kv(subjects.ringBucket)) as KvStore<RingMember>;
  const ring = new RingWatcher(ringStore, {
    replicationFactor: config.ring.replicationFactor,
    heartbeatTimeoutMs: config.ring.heartbeatTimeoutMs,
    zoneAwareness: config.ring.zoneAwareness,
  });
  await ring.start();
  registerRingMetrics(registry, ring, config.ring.heartbeatTimeoutMs);

  const runsIngester = config.target === 'all' || config.target === 'ingester';
  const runsGateway = config.target === 'all' || config.target === 'gateway';

  const ingester = runsIngester ? await startIngesterRole({ config, bus, ring, ringStore, storage, registry, logger }) : undefined;
  const gateway = runsGateway ? startGatewayRole({ config, bus, ring, storage, registry, logger }) : undefined;

  const http = createHttpServer({
    push: gateway?.distributor ?? NOT_A_GATEWAY.push,
    query: gateway?.querier ?? NOT_A_GATEWAY.query,
    logger,
    auth: config.auth,
    registry,
    isReady: () => ingester?.readiness() ?? gateway?.readiness() ?? true,
    ...(ingester !== undefined ? { flush: () => ingester.flush() } : {}),
    ...(gateway !== undefined ? { flush: () => gateway.flushIngesters() } : {}),
    formatQuery,
    ring: () => ringStatus(ring, config),
    config: () => config,
    buildInfo: buildInfo(),
    limits: { maxBodyBytes: 64 * 1024 * 1024 },
  });
  const address = await http.listen({ host: config.httpHost, port: config.httpPort });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      // Stop taking HTTP requests last-in-first-out: the edge first, so no push arrives while leaving.
      await http.close().catch((error: unknown) => logger.warn({ err: error }, 'closing HTTP failed'));
      gateway?.stop();
      await ingester?.leave();
      ring.stop();
      await bus.close().catch((error: unknown) => logger.warn({ err: error }, 'closing the bus failed'));
      await storage.close();
    })());

  return { address, bus, gateway, ingester, http, stop };
}

function ringStatus(watcher: RingWatcher, config: NornConfig): unknown {
  const now = Date.now();
  const members = [...watcher.ring.members.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    replicationFactor: config.ring.replicationFactor,
    heartbeatTimeoutMs: config.ring.heartbeatTimeoutMs,
    members: members.map((member) => ({
      id: member.id,
      state: member.state,
      healthy: now - member.heartbeatMs <= config.ring.heartbeatTimeoutMs,
      zone: member.zone,
      tokens: member.tokens.length,
      heartbeatAgeMs: now - member.heartbeatMs,
      registeredAt: new Date(member.registeredMs).toISOString(),
      ...(member.addr !== undefined ? { addr: member.addr } : {}),
    })),
  };
}
