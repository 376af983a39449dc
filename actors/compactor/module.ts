// Builds a compactor from its parts, for the composition root: the lease bucket on the bus, the
// lease, the loop and its metrics.

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Bus, KvStore } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import type { LimitsConfig } from '../../core/limits.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { Compactor } from './compactor.js';
import type { CompactorConfig } from './config.js';
import { LeaderLease, type LeaseRecord } from './lease.js';
import { compactorMetrics } from './metrics.js';

export interface CompactorModuleDeps {
  /** This process's id; the lease holder is the id with the pid and a random suffix. */
  readonly id: string;
  readonly config: CompactorConfig;
  readonly bus: Bus;
  readonly store: ObjectStore;
  readonly limits: () => LimitsConfig;
  readonly flushLagMs: number;
  readonly cleanupDelayMs: number;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly onIndexChanged?: (tenant: string, day: number) => void;
  readonly now?: () => number;
}

export interface RunningCompactor {
  readonly compactor: Compactor;
  readonly lease: LeaderLease;
  /** Clean shutdown: finish the step in progress, hand the lease back. */
  stop(): Promise<void>;
  /** As if the process died: stop without releasing the lease (tests of takeover). */
  abandon(): Promise<void>;
}

export async function startCompactor(deps: CompactorModuleDeps): Promise<RunningCompactor> {
  const logger = deps.logger.child({ component: 'compactor' });
  const metrics = compactorMetrics(deps.registry);
  const store = (await deps.bus.kv(subjects.compactorLeaseBucket, { ttlMs: deps.config.leaderLeaseTtlMs })) as KvStore<LeaseRecord>;
  const holder = `${deps.id}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const lease = new LeaderLease(store, {
    holder,
    ttlMs: deps.config.leaderLeaseTtlMs,
    ...(deps.now !== undefined ? { now: deps.now } : {}),
    onChange: (leader) => {
      metrics.running.set(leader ? 1 : 0);
      logger.info({ holder }, leader ? 'compactor: this process is the active compactor' : 'compactor: this process is on standby');
    },
    onError: (error) => logger.warn({ err: error }, 'compactor: lease renewal failed; retrying'),
  });
  const compactor = new Compactor({
    store: deps.store,
    lease,
    config: deps.config,
    limits: deps.limits,
    flushLagMs: deps.flushLagMs,
    cleanupDelayMs: deps.cleanupDelayMs,
    metrics,
    logger,
    ...(deps.now !== undefined ? { now: deps.now } : {}),
    ...(deps.onIndexChanged !== undefined ? { onIndexChanged: deps.onIndexChanged } : {}),
  });
  metrics.running.set(0);
  compactor.start();
  return {
    compactor,
    lease,
    stop: () => compactor.stop({ release: true }),
    abandon: () => compactor.stop({ release: false }),
  };
}
