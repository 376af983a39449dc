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
import { otlpConfigProblem } from '../../actors/distributor/otlp.js';
import { ConfigError } from '../config-file.js';
import { createDistributorMetrics } from '../../actors/distributor/metrics.js';
import { answerProducer, type ProducerReply } from '../../actors/distributor/producer.js';
import { DURABLE_PRODUCER_CONSUMER, DURABLE_PRODUCER_STREAM, DurableProducers } from '../../actors/distributor/durable-producers.js';
import type { DurableQueue, DurableQueueOptions } from '../../bus/durable-queue.js';

export interface DistributorModule {
  readonly distributor: Distributor;
  /** Ready when the ring has enough healthy writable ingesters for a quorum. */
  readiness(): true | string;
  /** Asks every readable ingester to flush its memory to storage. */
  flushIngesters(): Promise<void>;
  stop(): Promise<void>;
}

/** Producers on the bus share pushes across gateways through this queue group. */
const PRODUCER_QUEUE = 'norn-gateways';

export async function startDistributor(deps: {
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly ring: RingWatcher;
  readonly registry: Registry;
  readonly logger: Logger;
}): Promise<DistributorModule> {
  const { config, bus, ring, registry } = deps;
  // A broken otlp_config is a start-up error, not a surprise at the first OTLP push.
  for (const [where, limits] of [['limits', config.limits] as const, ...Object.entries(config.limits.overrides ?? {}).map(([tenant, l]) => [`overrides.${tenant}`, l] as const)]) {
    const problem = otlpConfigProblem(limits.otlpConfig);
    if (problem !== undefined) throw new ConfigError(`${where}.otlp_config: ${problem}`);
  }
  const logger = deps.logger.child({ component: 'distributor' });
  const distributor = new Distributor({
    bus,
    ring,
    limits: config.limits,
    config: config.distributor,
    metrics: createDistributorMetrics(registry),
    logger,
  });
  const producers = await startProducerPath(deps, distributor, logger);

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
    stop: () => producers.stop(),
  };
}

interface ProducerPath {
  stop(): Promise<void>;
}

/** A bus that can hold a durable queue: NATS with JetStream. */
interface DurableBus {
  durableQueue(options: DurableQueueOptions): Promise<DurableQueue>;
}

function isDurableBus(bus: Bus): bus is Bus & DurableBus {
  return typeof (bus as Partial<DurableBus>).durableQueue === 'function';
}

/**
 * Producers on NATS reach the distributor one of two ways: requests answered on
 * `norn.push.<tenant>` (the default), or, with `distributor.producer_stream.enabled`, batches
 * taken from the JetStream stream that captures those subjects. Never both: the stream answers
 * the requests published there itself.
 */
async function startProducerPath(
  deps: { readonly config: NornConfig; readonly bus: Bus; readonly registry: Registry },
  distributor: Distributor,
  logger: Logger,
): Promise<ProducerPath> {
  const { config, bus, registry } = deps;
  const stream = config.distributor.producerStream;
  if (!stream.enabled || !isDurableBus(bus)) {
    const subscription: Subscription = bus.handle<unknown, ProducerReply>(
      subjects.producerPushWildcard,
      (payload, subject) => answerProducer(distributor, tenantFromProducerSubject(subject), payload),
      { queue: PRODUCER_QUEUE },
    );
    return { stop: async () => subscription.unsubscribe() };
  }
  const queue = await bus.durableQueue({
    stream: DURABLE_PRODUCER_STREAM,
    subjects: [subjects.producerPushWildcard],
    consumer: DURABLE_PRODUCER_CONSUMER,
    maxAgeMs: stream.maxAgeMs,
    duplicateWindowMs: stream.duplicateWindowMs,
    ackWaitMs: stream.ackWaitMs,
  });
  const durable = new DurableProducers({
    queue,
    push: distributor,
    publishDeadLetter: (subject, letter) => bus.publish(subject, letter),
    config: stream,
    registry,
    logger,
  });
  await durable.start();
  logger.info({ stream: DURABLE_PRODUCER_STREAM, consumer: DURABLE_PRODUCER_CONSUMER }, 'taking producer batches from the durable stream');
  return { stop: () => durable.stop() };
}
