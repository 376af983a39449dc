// The durable producer path: producers publish batches into a JetStream stream on
// `norn.push.<tenant>`, and every gateway takes from one durable consumer. A message is
// acknowledged only once its batch reached a quorum, so batches published while every gateway is
// down are written when one returns. A batch that can never succeed (a bad tenant, a bad body,
// a line over a hard limit) is published to `norn.deadletter.push.<tenant>` with its error and
// acknowledged, never redelivered forever; one that may succeed later (rate limited, no quorum)
// is delivered again after a backoff.

import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DurableConsumer, DurableMessage, DurableQueue } from '../../bus/durable-queue.js';
import { subjects, tenantFromProducerSubject } from '../../bus/subjects.js';
import type { PushService } from './api.js';
import { answerProducer } from './producer.js';

export interface DurableProducerConfig {
  /** Batches handled at once by one gateway. */
  readonly concurrency: number;
  /** First redelivery delay of a batch that may succeed later; doubles up to maxRetryDelayMs. */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
}

export const DURABLE_PRODUCER_STREAM = 'NORN_PUSH';
export const DURABLE_PRODUCER_CONSUMER = 'norn-gateways';

/** What a dead letter carries: the batch as published, and why it was refused. */
export interface DeadLetter {
  readonly subject: string;
  readonly tenant: string | null;
  readonly status: number;
  readonly error: string;
  readonly deliveries: number;
  readonly payload: unknown;
}

interface Metrics {
  readonly batches: Counter<'outcome'>;
  readonly redeliveries: Counter;
  readonly deadLetters: Counter;
  readonly lag: Gauge;
}

function createMetrics(registry: Registry, queue: DurableQueue): Metrics {
  const registers = [registry];
  return {
    batches: new Counter({ name: 'norn_producer_stream_batches_total', help: 'Batches taken from the durable producer stream, by outcome.', labelNames: ['outcome'], registers }),
    redeliveries: new Counter({ name: 'norn_producer_stream_redeliveries_total', help: 'Batches delivered again after a retryable failure or a lost acknowledgement.', registers }),
    deadLetters: new Counter({ name: 'norn_producer_stream_dead_letters_total', help: 'Batches that can never be written, set aside on the dead-letter subject.', registers }),
    lag: new Gauge({
      name: 'norn_producer_stream_lag_messages',
      help: 'Batches in the durable producer stream not yet acknowledged (consumer lag).',
      registers,
      async collect() {
        try {
          this.set(await queue.pending());
        } catch {
          // NATS unreachable: keep the last figure rather than fail the scrape.
        }
      },
    }),
  };
}

/** Outcomes that a later delivery cannot change: the batch itself is wrong. */
function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 429 && status !== 408;
}

export class DurableProducers {
  private consumer: DurableConsumer | undefined;
  private readonly metrics: Metrics;

  constructor(
    private readonly deps: {
      readonly queue: DurableQueue;
      readonly push: PushService;
      /** Publishes a dead letter (core NATS: a dead letter must not land in the stream again). */
      readonly publishDeadLetter: (subject: string, letter: DeadLetter) => void;
      readonly config: DurableProducerConfig;
      readonly registry: Registry;
      readonly logger: Logger;
    },
  ) {
    this.metrics = createMetrics(deps.registry, deps.queue);
  }

  async start(): Promise<void> {
    this.consumer = await this.deps.queue.consume<unknown>((message) => this.handle(message), { concurrency: this.deps.config.concurrency });
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }

  private async handle(message: DurableMessage<unknown>): Promise<void> {
    if (message.deliveries > 1) this.metrics.redeliveries.inc();
    const tenant = tenantFromProducerSubject(message.subject);
    // The quorum write can take a while under load: keep the batch ours meanwhile.
    const keepAlive = setInterval(() => message.working(), 5_000);
    let reply;
    try {
      reply = await answerProducer(this.deps.push, tenant, message.data);
    } finally {
      clearInterval(keepAlive);
    }
    if (reply.ok) {
      this.metrics.batches.inc({ outcome: 'written' });
      message.ack();
      return;
    }
    if (isPermanent(reply.status)) {
      const letter: DeadLetter = {
        subject: message.subject,
        tenant,
        status: reply.status,
        error: reply.error ?? 'refused',
        deliveries: message.deliveries,
        payload: message.data,
      };
      this.deps.publishDeadLetter(subjects.deadLetter(tenant ?? 'invalid'), letter);
      this.deps.logger.warn({ subject: message.subject, status: reply.status, error: letter.error }, 'producer batch set aside on the dead-letter subject');
      this.metrics.deadLetters.inc();
      this.metrics.batches.inc({ outcome: 'dead_letter' });
      message.ack();
      return;
    }
    const { retryDelayMs, maxRetryDelayMs } = this.deps.config;
    const delay = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(16, message.deliveries - 1));
    this.deps.logger.info({ subject: message.subject, status: reply.status, error: reply.error, delayMs: delay }, 'producer batch not written yet: delivering it again later');
    this.metrics.batches.inc({ outcome: 'retry' });
    message.retry(delay);
  }
}
