// The distributor module: validation, rate limits and quorum writes behind the push API, and the
// NATS producer endpoint (`norn.push.<tenant>`) that shares the same distributor.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Bus, Subscription } from '../../bus/bus.js';
import { subjects, tenantFromProducerSubject } from '../../bus/subjects.js';
import type { NornConfig } from '../config.js';
import type { RingWatcher } from '../../actors/ring/ring-watcher.js';
import { quorumFor } from '../../actors/ring/model.js';
import { Distributor } from '../../actors/distributor/distributor.js';
import { createDistributorMetrics } from '../../actors/distributor/metrics.js';
import { answerProducer, type ProducerReply } from '../../actors/distributor/producer.js';

export interface DistributorModule {
  readonly distributor: Distributor;
  /** Ready when the ring has enough healthy writable ingesters for a quorum. */
  readiness(): true | string;
  /** Asks every readable ingester to flush its memory to storage. */
  flushIngesters(): Promise<void>;
  stop(): void;
}

/** Producers on the bus share pushes across gateways through this queue group. */
const PRODUCER_QUEUE = 'norn-gateways';

export function startDistributor(deps: {
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly ring: RingWatcher;
  readonly registry: Registry;
  readonly logger: Logger;
}): DistributorModule {
  const { config, bus, ring, registry } = deps;
  const logger = deps.logger.child({ component: 'distributor' });
  const distributor = new Distributor({
    bus,
    ring,
    limits: config.limits,
    config: config.distributor,
    metrics: createDistributorMetrics(registry),
    logger,
  });
  const producers: Subscription = bus.handle<unknown, ProducerReply>(
    subjects.producerPushWildcard,
    (payload, subject) => answerProducer(distributor, tenantFromProducerSubject(subject), payload),
    { queue: PRODUCER_QUEUE },
  );

  return {
    distributor,
    readiness() {
      const writable = ring.ring.membersFor('write', Date.now()).length;
      const needed = quorumFor(config.ring.replicationFactor);
      return writable >= needed ? true : `waiting for ingesters: ${writable} of the ${needed} needed for a quorum are ACTIVE`;
    },
    async flushIngesters() {
      const members = ring.ring.membersFor('read', Date.now());
      await Promise.all(
        members.map((member) => bus.request(subjects.ingesterControl(member.id), { kind: 'flush' }, { timeoutMs: 10 * 60_000 })),
      );
    },
    stop() {
      producers.unsubscribe();
    },
  };
}
