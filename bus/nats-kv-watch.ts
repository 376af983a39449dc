// A KV watch that outlives nats-server restarts. It reads the bucket's stream through an
// ordered push consumer: first the last message per key (the current values), then every new
// message. When the connection comes back after a disconnect the old consumer may be gone with
// the server, so the watch opens a new one from the revision after the last it delivered;
// revisions it already delivered are skipped, so callers see each change once, in order.

import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { KvChange, KvWatch } from './bus.js';
import { decode } from './codec.js';
import type { BusLogger } from './logger.js';
import { decodeToken } from './subjects.js';

const OPERATION_HEADER = 'KV-Operation';
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5_000;

export interface NatsKvWatchHost {
  readonly logger: BusLogger;
  /** Calls `listener` after every reconnect; returns the unregister function. */
  onReconnect(listener: () => void): () => void;
}

export class NatsKvWatch<T> implements KvWatch {
  private lastRevision = 0;
  private generation = 0;
  private messages: ConsumerMessages | undefined;
  private stopped = false;
  private reopening = false;
  private reopenAgain = false;
  private readonly unsubscribeReconnect: () => void;
  private readonly prefix: string;
  private caughtUp: (() => void) | null = null;

  constructor(
    private readonly js: JetStreamClient,
    private readonly bucket: string,
    private readonly onChange: (change: KvChange<T>) => void,
    private readonly host: NatsKvWatchHost,
    private readonly onStop: () => void,
  ) {
    this.prefix = `$KV.${bucket}.`;
    this.unsubscribeReconnect = host.onReconnect(() => void this.reopen());
  }

  /** Opens the watch; resolves once the current values have been delivered. */
  async start(): Promise<void> {
    const ready = new Promise<void>((resolve) => {
      this.caughtUp = resolve;
    });
    try {
      await this.open();
    } catch (error) {
      this.stop();
      throw error;
    }
    await ready;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.generation += 1;
    this.unsubscribeReconnect();
    this.messages?.stop();
    this.messages = undefined;
    this.caughtUp?.();
    this.onStop();
  }

  private async open(): Promise<void> {
    const generation = ++this.generation;
    // Before the first delivery the watch wants the current values; after it, every change.
    const snapshot = this.lastRevision === 0;
    const consumer = await this.js.consumers.getPushConsumer(`KV_${this.bucket}`, {
      filter_subjects: `${this.prefix}>`,
      ...(snapshot
        ? { deliver_policy: DeliverPolicy.LastPerSubject }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.lastRevision + 1 }),
    });
    // The count at creation: that many messages are the snapshot, the rest are changes.
    let pending = (await consumer.info(true)).num_pending;
    if (pending === 0) this.markCaughtUp();
    const messages = await consumer.consume({
      callback: (msg) => {
        if (generation !== this.generation) return;
        this.receive(msg, snapshot && pending > 0);
        if (pending > 0 && --pending === 0) this.markCaughtUp();
      },
    });
    if (generation !== this.generation) {
      messages.stop();
      return;
    }
    this.messages = messages;
    void messages.closed().then(() => {
      if (generation === this.generation && !this.stopped) void this.reopen();
    });
  }

  private receive(msg: JsMsg, inSnapshot: boolean): void {
    try {
      if (msg.seq <= this.lastRevision) return;
      this.lastRevision = msg.seq;
      const key = decodeToken(msg.subject.slice(this.prefix.length));
      if (key === null) return; // not written through the bus
      const operation = msg.headers?.get(OPERATION_HEADER) ?? '';
      if (operation === 'DEL' || operation === 'PURGE') {
        // A deleted key is not a current value; after the snapshot it is a change.
        if (!inSnapshot) this.onChange({ kind: 'delete', key, revision: msg.seq });
        return;
      }
      this.onChange({ kind: 'put', key, value: decode<T>(msg.data), revision: msg.seq });
    } catch (error) {
      this.host.logger.error({ err: error, bucket: this.bucket, subject: msg.subject }, 'kv watcher failed on a change');
    }
  }

  private markCaughtUp(): void {
    const resolve = this.caughtUp;
    this.caughtUp = null;
    resolve?.();
  }

  /** Replaces the consumer, retrying with backoff until it works or the watch stops. */
  private async reopen(): Promise<void> {
    if (this.reopening) {
      this.reopenAgain = true;
      return;
    }
    this.reopening = true;
    try {
      let delayMs = RETRY_MIN_MS;
      do {
        this.reopenAgain = false;
        this.generation += 1;
        this.messages?.stop();
        this.messages = undefined;
        if (this.stopped) return;
        try {
          await this.open();
        } catch (error) {
          this.host.logger.warn({ err: error, bucket: this.bucket, retryInMs: delayMs }, 'kv watch could not resume; retrying');
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          delayMs = Math.min(RETRY_MAX_MS, delayMs * 2);
          this.reopenAgain = true;
        }
      } while (this.reopenAgain && !this.stopped);
    } finally {
      this.reopening = false;
    }
  }
}
