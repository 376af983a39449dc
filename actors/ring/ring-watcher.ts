// Keeps a local Ring in step with the ring KV bucket: the gateway's view of the cluster.

import type { KvStore, KvWatch } from '../../bus/bus.js';
import type { RingMember } from './model.js';
import { Ring, type RingOptions } from './ring.js';

export class RingWatcher {
  private readonly members = new Map<string, RingMember>();
  private snapshot: Ring;
  private watch: KvWatch | undefined;
  private readonly listeners = new Set<(ring: Ring) => void>();

  constructor(
    private readonly store: KvStore<RingMember>,
    private readonly options: RingOptions,
  ) {
    this.snapshot = new Ring([], options);
  }

  async start(): Promise<void> {
    this.watch = await this.store.watch((change) => {
      if (change.kind === 'put') this.members.set(change.key, change.value);
      else this.members.delete(change.key);
      this.snapshot = new Ring(this.members.values(), this.options);
      for (const listener of this.listeners) listener(this.snapshot);
    });
  }

  /** The latest ring; cheap to call per request. */
  get ring(): Ring {
    return this.snapshot;
  }

  onChange(listener: (ring: Ring) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once `predicate` holds for the ring, or rejects after `timeoutMs`. */
  waitFor(predicate: (ring: Ring) => boolean, timeoutMs: number): Promise<Ring> {
    if (predicate(this.snapshot)) return Promise.resolve(this.snapshot);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`ring did not reach the expected state within ${timeoutMs} ms`));
      }, timeoutMs);
      const unsubscribe = this.onChange((ring) => {
        if (!predicate(ring)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(ring);
      });
    });
  }

  stop(): void {
    this.watch?.stop();
    this.watch = undefined;
    this.listeners.clear();
  }
}
