// A durable work queue on JetStream: messages published to a stream's subjects are kept until a
// consumer acknowledges them, so they outlive every process that would handle them. Thin by
// design: what a message means, and when to acknowledge it, is the caller's business.

import { AckPolicy, DeliverPolicy, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decode, encode } from './codec.js';
import { BusError } from './errors.js';

export interface DurableQueueOptions {
  /** JetStream stream name. */
  readonly stream: string;
  /** Subjects the stream captures. */
  readonly subjects: readonly string[];
  /** Durable consumer name, shared by every process that takes from the queue. */
  readonly consumer: string;
  /** How long a message is kept when nobody takes it. */
  readonly maxAgeMs: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped as a duplicate. */
  readonly duplicateWindowMs: number;
  /** How long a delivered message may stay unacknowledged before it is delivered again. */
  readonly ackWaitMs: number;
}

export interface DurableMessage<T> {
  readonly subject: string;
  readonly data: T;
  /** 1 on the first delivery. */
  readonly deliveries: number;
  /** Done: never delivered again. */
  ack(): void;
  /** Not done: deliver again after `delayMs`. */
  retry(delayMs: number): void;
  /** Still working: restart the acknowledgement timer. */
  working(): void;
}

export interface DurableConsumer {
  /** Stops taking messages; unacknowledged ones are delivered again to whoever consumes next. */
  stop(): Promise<void>;
}

export interface DurableQueue {
  /** Takes messages one batch at a time and hands each to `handler`, `concurrency` at once. */
  consume<T>(handler: (message: DurableMessage<T>) => Promise<void>, options: { readonly concurrency: number }): Promise<DurableConsumer>;
  /** Messages in the stream not yet delivered to the consumer. */
  pending(): Promise<number>;
}

const nanos = (ms: number): number => Math.round(ms * 1_000_000);

/** Creates (or updates) the stream and the durable consumer, and returns the queue over them. */
export async function openDurableQueue(connection: NatsConnection, js: JetStreamClient, options: DurableQueueOptions): Promise<DurableQueue> {
  try {
    const jsm = await jetstreamManager(connection);
    const stream = {
      name: options.stream,
      subjects: [...options.subjects],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      max_age: nanos(options.maxAgeMs),
      duplicate_window: nanos(options.duplicateWindowMs),
    };
    try {
      await jsm.streams.info(options.stream);
      await jsm.streams.update(options.stream, stream);
    } catch {
      await jsm.streams.add(stream);
    }
    await jsm.consumers
      .info(options.stream, options.consumer)
      .catch(() =>
        jsm.consumers.add(options.stream, {
          durable_name: options.consumer,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: nanos(options.ackWaitMs),
          max_deliver: -1,
        }),
      );
  } catch (cause) {
    throw new BusError('BUS_CONNECTION', `cannot set up the JetStream stream ${options.stream}: ${(cause as Error).message}`, { cause });
  }

  return {
    async consume<T>(handler: (message: DurableMessage<T>) => Promise<void>, { concurrency }: { readonly concurrency: number }) {
      const consumer = await js.consumers.get(options.stream, options.consumer);
      const messages = await consumer.consume({ max_messages: Math.max(1, concurrency) });
      const inFlight = new Set<Promise<void>>();
      const loop = (async () => {
        for await (const m of messages) {
          let data: T;
          try {
            data = decode<T>(m.data);
          } catch {
            // Not even MessagePack: hand the raw bytes on so the caller can set it aside.
            data = m.data as unknown as T;
          }
          const work = handler({
            subject: m.subject,
            data,
            deliveries: m.info.deliveryCount,
            ack: () => m.ack(),
            retry: (delayMs) => m.nak(delayMs),
            working: () => m.working(),
          }).finally(() => inFlight.delete(work));
          inFlight.add(work);
          if (inFlight.size >= concurrency) await Promise.race(inFlight);
        }
      })();
      return {
        async stop() {
          await messages.close();
          await loop.catch(() => undefined);
          await Promise.allSettled([...inFlight]);
        },
      };
    },
    async pending() {
      const consumer = await js.consumers.get(options.stream, options.consumer);
      const info = await consumer.info(true);
      return info.num_pending + info.num_ack_pending;
    },
  };
}

/** Publishes to a JetStream stream; resolves once the stream has stored the message. */
export async function publishDurable(
  js: JetStreamClient,
  subject: string,
  data: unknown,
  options: { readonly msgId?: string; readonly timeoutMs?: number } = {},
): Promise<{ readonly seq: number; readonly duplicate: boolean }> {
  const ack = await js.publish(subject, encode(data), {
    ...(options.msgId !== undefined ? { msgID: options.msgId } : {}),
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
  });
  return { seq: ack.seq, duplicate: ack.duplicate };
}
