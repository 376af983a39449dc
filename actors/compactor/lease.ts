// One active compactor: a lease in a bus KV bucket, taken with `create` and renewed with
// `update` on the revision it last wrote (compare-and-swap), so two compactors can never both
// believe a write of theirs is the current lease.
//
//   standby --(key absent: create | record expired: update on its revision)--> leader
//   leader  --(update on own revision every ttl/3)--> leader
//   leader  --(conflict: someone else wrote | no renewal for ttl)--> standby
//
// The bucket is opened with a TTL of the lease (`ttlMs`), so the key of a leader that died
// without releasing vanishes by itself on the KV server's clock; a standby polling every ttl/4
// then creates it. The record's own `expiresAtMs` is a second way in for a bucket created
// without a TTL. The leader counts itself leader only until `ttl` after it *sent* its last
// successful renewal, which is before the server stored it, so its belief ends before the key
// can expire. A standby's clock running ahead could shorten that on the record path only.

import type { KvStore } from '../../bus/bus.js';
import { KvConflictError } from '../../bus/errors.js';

export interface LeaseRecord {
  readonly holder: string;
  readonly acquiredAtMs: number;
  readonly expiresAtMs: number;
}

export interface LeaderLeaseOptions {
  /** Who holds the lease when this process does (its id and pid, for `/metrics` and logs). */
  readonly holder: string;
  readonly ttlMs: number;
  /** The key in the bucket (default `compactor`). */
  readonly key?: string;
  readonly now?: () => number;
  /** Called when this process becomes leader (true) or stops being it (false). */
  readonly onChange?: (leader: boolean) => void;
  /** Renewal and acquisition failures other than losing the race (the bus is down). */
  readonly onError?: (error: unknown) => void;
}

export class LeaderLease {
  private readonly now: () => number;
  private readonly key: string;
  private revision: number | undefined;
  private acquiredAtMs = 0;
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private running: Promise<void> = Promise.resolve();
  private reported = false;

  constructor(
    private readonly store: KvStore<LeaseRecord>,
    private readonly options: LeaderLeaseOptions,
  ) {
    if (!(options.ttlMs > 0)) throw new RangeError(`lease ttl must be positive, got ${options.ttlMs}`);
    this.now = options.now ?? Date.now;
    this.key = options.key ?? 'compactor';
  }

  /** Whether this process holds the lease now; checked before every step of work. */
  get leader(): boolean {
    return !this.stopped && this.revision !== undefined && this.now() < this.deadline;
  }

  get holder(): string {
    return this.options.holder;
  }

  /** Starts acquiring and renewing; the first attempt runs at once. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** One acquisition or renewal attempt (the timer calls it; tests may too). */
  tick(): Promise<void> {
    this.running = this.running.then(() => this.attempt());
    return this.running;
  }

  /**
   * Stops renewing. With `release` (a clean shutdown) the lease is handed back at once, so a
   * standby takes over on its next poll; without it the lease runs out after its TTL.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    const release = options.release ?? true;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running; // an attempt in flight may still renew: release what it left
    const revision = this.revision;
    const held = revision !== undefined && this.now() < this.deadline;
    if (release && held) {
      const now = this.now();
      await this.store.update(this.key, { holder: this.options.holder, acquiredAtMs: this.acquiredAtMs, expiresAtMs: now }, revision).catch(() => undefined);
    }
    this.revision = undefined;
    this.report();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule(this.revision !== undefined ? this.options.ttlMs / 3 : this.options.ttlMs / 4));
    }, delayMs);
    this.timer.unref?.();
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    const sentAt = this.now();
    try {
      if (this.revision !== undefined) {
        this.revision = await this.store.update(this.key, this.record(sentAt), this.revision);
        this.deadline = sentAt + this.options.ttlMs;
      } else {
        await this.acquire(sentAt);
      }
    } catch (error) {
      if (error instanceof KvConflictError) this.revision = undefined;
      else this.options.onError?.(error);
    }
    this.report();
  }

  private async acquire(sentAt: number): Promise<void> {
    const current = await this.store.get(this.key);
    const free = current === null || current.value.holder === this.options.holder || current.value.expiresAtMs <= sentAt;
    if (!free) return;
    this.acquiredAtMs = sentAt;
    this.revision = current === null ? await this.store.create(this.key, this.record(sentAt)) : await this.store.update(this.key, this.record(sentAt), current.revision);
    this.deadline = sentAt + this.options.ttlMs;
  }

  private record(now: number): LeaseRecord {
    return { holder: this.options.holder, acquiredAtMs: this.acquiredAtMs, expiresAtMs: now + this.options.ttlMs };
  }

  private report(): void {
    const leader = this.leader;
    if (leader === this.reported) return;
    this.reported = leader;
    this.options.onChange?.(leader);
  }
}
