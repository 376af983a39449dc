// A querier's entry in the queriers bucket: written at start, rewritten every heartbeat, marked
// LEAVING while it drains and removed when it stops. Gateways treat an entry whose heartbeat is
// older than the ring's heartbeat timeout as a dead querier; the bucket's TTL only clears out
// entries of queriers that died long ago.

import type { KvStore } from '../../../bus/bus.js';
import type { QuerierEntry } from './protocol.js';

export interface AnnouncerOptions {
  readonly id: string;
  readonly maxConcurrent: number;
  readonly addr?: string;
  readonly heartbeatMs: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown) => void;
}

export class QuerierAnnouncer {
  private entry: QuerierEntry;
  private timer: NodeJS.Timeout | undefined;
  private removed = false;
  private writing: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(
    private readonly store: KvStore<QuerierEntry>,
    private readonly options: AnnouncerOptions,
  ) {
    this.now = options.now ?? Date.now;
    const now = this.now();
    this.entry = {
      id: options.id,
      maxConcurrent: options.maxConcurrent,
      state: 'ACTIVE',
      heartbeatMs: now,
      registeredMs: now,
      ...(options.addr !== undefined ? { addr: options.addr } : {}),
    };
  }

  async start(): Promise<void> {
    await this.write();
    this.timer = setInterval(() => {
      this.write().catch((error: unknown) => this.options.onError?.(error));
    }, this.options.heartbeatMs);
    this.timer.unref();
  }

  /** Tells gateways to send nothing more; jobs already sent still finish. */
  leaving(): Promise<void> {
    this.entry = { ...this.entry, state: 'LEAVING' };
    return this.write();
  }

  async remove(): Promise<void> {
    clearInterval(this.timer);
    this.removed = true;
    await this.writing;
    await this.store.delete(this.options.id);
  }

  /** Writes are serialised, so a late heartbeat cannot put back an older state. */
  private write(): Promise<void> {
    const attempt = this.writing.then(async () => {
      if (this.removed) return;
      this.entry = { ...this.entry, heartbeatMs: this.now() };
      await this.store.put(this.options.id, this.entry);
    });
    this.writing = attempt.catch(() => undefined);
    return attempt;
  }
}
