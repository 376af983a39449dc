// The ingester module: an Ingester on the bus, its WAL, its ring registration, and the lifecycle
// machine that moves it through PENDING -> JOINING -> ACTIVE -> LEAVING.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Bus, KvStore } from '../../bus/bus.js';
import type { NornConfig } from '../config.js';
import type { RingMember } from '../../actors/ring/model.js';
import { RingRegistration } from '../../actors/ring/registration.js';
import type { RingWatcher } from '../../actors/ring/ring-watcher.js';
import type { OpenStorage } from './storage.js';
import { Ingester } from '../../actors/ingester/ingester.js';
import { IngesterLifecycle } from '../../actors/ingester/lifecycle.js';
import { createIngesterMetrics } from '../../actors/ingester/metrics.js';
import { openWal, type IngesterWal } from '../../actors/ingester/wal-adapter.js';
import { lockDataDir } from '../data-dir-lock.js';
import { createPatternMiner } from '../../actors/ingester/patterns/mod.js';
import { AutoForget } from '../../actors/ring/forget.js';
import { autoForgetCounter } from '../../actors/ring/metrics.js';

export interface IngesterModuleDeps {
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly ring: RingWatcher;
  readonly ringStore: KvStore<RingMember>;
  readonly storage: OpenStorage;
  readonly registry: Registry;
  readonly logger: Logger;
}

export interface IngesterModule {
  readonly ingester: Ingester;
  readonly lifecycle: IngesterLifecycle;
  readiness(): true | string;
  /** Flushes all in-memory chunks now (POST /flush). */
  flush(): Promise<void>;
  /** Graceful leave: hand off or flush, unregister, close the WAL. */
  leave(): Promise<void>;
}

export async function startIngester(deps: IngesterModuleDeps): Promise<IngesterModule> {
  const { config, bus, ring, ringStore, storage, registry } = deps;
  const logger = deps.logger.child({ component: 'ingester' });
  const metrics = createIngesterMetrics(registry);
  // Held for the process's life: a second process on this directory refuses to start.
  const lock = lockDataDir(config.storage.dataDir, {
    onStale: (holder) => logger.warn({ holder, dataDir: config.storage.dataDir }, 'taking over a stale data directory lock (its holder is gone)'),
  });
  const wal: IngesterWal | undefined = config.wal.enabled
    ? await openWal(config.storage.dataDir, config.wal, metrics, logger).catch((error: unknown) => {
        lock.release();
        throw error;
      })
    : undefined;

  const ingester = new Ingester({
    id: config.id,
    bus,
    config: config.ingester,
    limits: config.limits,
    flushTarget: storage.flushTarget,
    metrics,
    logger,
    ...(wal !== undefined ? { wal } : {}),
    patterns: createPatternMiner(config.ingester.patternMining, { logger, onDropped: (lines) => metrics.patternLinesDropped.inc(lines) }),
  });
  const registration = new RingRegistration(ringStore, {
    id: config.id,
    zone: config.ring.zone,
    addr: `${config.httpHost}:${config.httpPort}`,
  });
  const lifecycle = new IngesterLifecycle({
    ingester,
    registration,
    ring,
    bus,
    config: config.ring,
    metrics,
    logger,
    ...(wal !== undefined
      ? {
          replayWal: async () => {
            await wal.replay((request) => ingester.apply(request));
            wal.startCheckpoints(() => ingester);
          },
          logBatch: (request) => wal.append(request),
          onDrained: () => wal.reset(),
        }
      : {}),
  });

  ingester.start();
  lifecycle.start();
  // Loki's `autoforget_unhealthy`: members dead past the heartbeat timeout leave the ring.
  const autoForget = config.ring.autoforgetUnhealthy
    ? new AutoForget({
        store: ringStore,
        selfId: config.id,
        heartbeatMs: config.ring.heartbeatMs,
        heartbeatTimeoutMs: config.ring.heartbeatTimeoutMs,
        logger,
        forgotten: autoForgetCounter(registry),
      })
    : undefined;
  autoForget?.start();

  return {
    ingester,
    lifecycle,
    readiness() {
      return lifecycle.isActive ? true : `ingester ${config.id} is not ACTIVE yet (state: ${JSON.stringify(lifecycle.state)})`;
    },
    async flush() {
      await ingester.flushAll();
    },
    async leave() {
      // Bounded: storage that never answers must not keep the process (and its SIGTERM) hanging.
      // What is not flushed or handed off by then stays in the WAL for the next start.
      const limitMs = config.ingester.shutdownTimeoutMs;
      await autoForget?.stop();
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        lifecycle.leave().then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), limitMs);
        }),
      ]).finally(() => clearTimeout(timer));
      if (!finished) {
        logger.warn({ unflushedEntries: ingester.unflushedEntries, limitMs }, 'graceful leave ran out of time: unflushed data stays in the WAL and is replayed at the next start');
      }
      await ingester.stop();
      ingester.flusher.stop();
      await ingester.patterns.close();
      try {
        await wal?.close();
      } finally {
        lock.release();
      }
    },
  };
}
