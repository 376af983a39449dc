// The gateway role: distributor and querier behind the HTTP edge, and the NATS producer
// endpoint. Stateless: run as many as you like.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Bus, Subscription } from '../../bus/bus.js';
import { subjects, tenantFromProducerSubject } from '../../bus/subjects.js';
import type { NornConfig } from '../config.js';
import type { RingWatcher } from '../ring/ring-watcher.js';
import type { OpenStorage } from '../storage-adapters.js';
import { Distributor } from './distributor.js';
import { createDistributorMetrics } from './metrics.js';
import { ClusterQuerier } from './querier.js';
import { answerProducer, type ProducerReply } from './producer.js';

export interface GatewayRoleDeps {
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly ring: RingWatcher;
  readonly storage: OpenStorage;
  readonly registry: Registry;
  readonly logger: Logger;
}

export interface GatewayRole {
  readonly distributor: Distributor;
  readonly querier: ClusterQuerier;
  /** Ready when the ring has enough healthy writable ingesters for a quorum. */
  readiness(): true | string;
  /** Asks every ingester to flush its memory to storage. */
  flushIngesters(): Promise<void>;
  stop(): void;
}

/** Producers on the bus share pushes across gateways through this queue group. */
const PRODUCER_QUEUE = 'norn-gateways';

export function startGatewayRole(deps: GatewayRoleDeps): GatewayRole {
  const { config, bus, ring, storage, registry } = deps;
  const logger = deps.logger.child({ component: 'gateway' });
  const distributor = new Distributor({
    bus,
    ring,
    limits: config.limits,
    config: config.distributor,
    metrics: createDistributorMetrics(registry),
    logger,
  });
  const querier = new ClusterQuerier({ bus, ring, store: storage.chunkSource, config: config.querier, limits: config.limits, logger });

  const producers: Subscription = bus.handle<unknown, ProducerReply>(
    subjects.producerPushWildcard,
    (payload, subject) => answerProducer(distributor, tenantFromProducerSubject(subject), payload),
    { queue: PRODUCER_QUEUE },
  );

  return {
    distributor,
    querier,
    readiness() {
      const writable = ring.ring.membersFor('write', Date.now()).length;
      const needed = Math.floor(config.ring.replicationFactor / 2) + 1;
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
