// The gateway's view of the queriers: it watches the queriers bucket, counts the sub-queries it
// has sent to each, and leases a slot on the querier with the fewest of its slots in use. A
// querier is live while its entry is ACTIVE and its heartbeat younger than the timeout; one that
// goes (its entry deleted, its heartbeat stale) is reported to whoever holds a lease on it, so
// its sub-queries are retried elsewhere without waiting for their own timeouts.

import type { KvStore, KvWatch } from '../../../bus/bus.js';
import type { QuerierEntry } from '../../querier/worker/protocol.js';

export interface QuerierPoolOptions {
  /** A querier whose heartbeat is older than this is dead (the ring's `heartbeat_timeout`). */
  readonly heartbeatTimeoutMs: number;
  /** How often liveness is looked at again between changes of the bucket. */
  readonly checkEveryMs?: number;
  readonly now?: () => number;
}

/** One slot on one querier, held while a sub-query runs there. */
export interface QuerierLease {
  readonly querier: string;
  /** Aborted when the querier stops heartbeating while the lease is held. */
  readonly lost: AbortSignal;
  release(): void;
}

export interface QuerierView {
  readonly id: string;
  readonly state: string;
  readonly live: boolean;
  readonly maxConcurrent: number;
  readonly inFlight: number;
  readonly heartbeatAgeMs: number;
  readonly registeredAt: string;
  readonly addr?: string;
}

export class QuerierPool {
  private readonly entries = new Map<string, QuerierEntry>();
  /** The last heartbeat of every querier we hold leases on, kept after its entry goes. */
  private readonly lastBeat = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly leases = new Map<string, Set<AbortController>>();
  private readonly waiters = new Set<() => void>();
  private watch: KvWatch | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly store: KvStore<QuerierEntry>,
    private readonly options: QuerierPoolOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.watch = await this.store.watch((change) => {
      if (change.kind === 'put') {
        this.entries.set(change.key, change.value);
        this.lastBeat.set(change.key, change.value.heartbeatMs);
      } else this.entries.delete(change.key);
      this.changed();
    });
    this.timer = setInterval(() => this.changed(), this.options.checkEveryMs ?? Math.max(100, Math.floor(this.options.heartbeatTimeoutMs / 4)));
    this.timer.unref();
  }

  stop(): void {
    this.watch?.stop();
    clearInterval(this.timer);
  }

  private isLive(entry: QuerierEntry | undefined, now: number): boolean {
    return entry !== undefined && entry.state === 'ACTIVE' && now - entry.heartbeatMs <= this.options.heartbeatTimeoutMs;
  }

  /** Queriers that take sub-queries now. */
  live(): QuerierEntry[] {
    const now = this.now();
    return [...this.entries.values()].filter((entry) => this.isLive(entry, now));
  }

  /** Slots across live queriers: sub-queries they run at once (`querier.max_concurrent` each). */
  capacity(): number {
    let slots = 0;
    for (const entry of this.live()) slots += entry.maxConcurrent;
    return slots;
  }

  /** Free slots across live queriers, as far as this gateway knows. */
  freeSlots(): number {
    let free = 0;
    for (const entry of this.live()) free += Math.max(0, entry.maxConcurrent - (this.inFlight.get(entry.id) ?? 0));
    return free;
  }

  inFlightOn(querier: string): number {
    return this.inFlight.get(querier) ?? 0;
  }

  /**
   * A slot on the live querier with the most free slots, preferring those not in `avoid` (where
   * this sub-query failed before); waits for a slot while every live querier is busy. Resolves
   * undefined when no querier is live at all.
   */
  async lease(avoid: ReadonlySet<string>, signal?: AbortSignal): Promise<QuerierLease | undefined> {
    for (;;) {
      signal?.throwIfAborted();
      const live = this.live();
      if (live.length === 0) return undefined;
      const free = (entry: QuerierEntry): number => entry.maxConcurrent - (this.inFlight.get(entry.id) ?? 0);
      const open = live.filter((entry) => free(entry) > 0);
      const fresh = open.filter((entry) => !avoid.has(entry.id));
      const candidates = fresh.length > 0 ? fresh : open;
      if (candidates.length > 0) {
        candidates.sort((a, b) => free(b) - free(a) || (a.id < b.id ? -1 : 1));
        return this.take(candidates[0]!.id);
      }
      await this.nextChange(signal);
    }
  }

  private take(querier: string): QuerierLease {
    this.inFlight.set(querier, (this.inFlight.get(querier) ?? 0) + 1);
    const lost = new AbortController();
    let held = this.leases.get(querier);
    if (held === undefined) this.leases.set(querier, (held = new Set()));
    held.add(lost);
    let released = false;
    return {
      querier,
      lost: lost.signal,
      release: () => {
        if (released) return;
        released = true;
        held.delete(lost);
        if (held.size === 0) this.leases.delete(querier);
        const count = (this.inFlight.get(querier) ?? 1) - 1;
        if (count > 0) this.inFlight.set(querier, count);
        else this.inFlight.delete(querier);
        this.changed();
      },
    };
  }

  private nextChange(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.waiters.delete(wake);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(wake);
    });
  }

  /** Liveness may have changed: abort leases on queriers that went, wake those waiting for a slot. */
  private changed(): void {
    const now = this.now();
    for (const [querier, held] of this.leases) {
      // A LEAVING querier finishes what it holds, and one that stopped gracefully removes its
      // entry only once it has answered everything: only silence means it died.
      const beat = this.lastBeat.get(querier) ?? now;
      if (now - beat <= this.options.heartbeatTimeoutMs) continue;
      for (const lost of held) lost.abort(new Error(`querier ${querier} stopped heartbeating ${now - beat} ms ago`));
    }
    for (const querier of this.lastBeat.keys()) if (!this.entries.has(querier) && !this.leases.has(querier)) this.lastBeat.delete(querier);
    for (const wake of [...this.waiters]) wake();
  }

  /** `/queriers`: every querier in the bucket, live or not, with this gateway's in-flight count. */
  status(): { heartbeatTimeoutMs: number; queriers: QuerierView[] } {
    const now = this.now();
    const queriers = [...this.entries.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((entry) => ({
        id: entry.id,
        state: entry.state,
        live: this.isLive(entry, now),
        maxConcurrent: entry.maxConcurrent,
        inFlight: this.inFlight.get(entry.id) ?? 0,
        heartbeatAgeMs: now - entry.heartbeatMs,
        registeredAt: new Date(entry.registeredMs).toISOString(),
        ...(entry.addr !== undefined ? { addr: entry.addr } : {}),
      }));
    return { heartbeatTimeoutMs: this.options.heartbeatTimeoutMs, queriers };
  }
}
