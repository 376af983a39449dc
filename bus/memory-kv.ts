// The in-process KV: a bucket of encoded values shared by every MemoryBus on one broker, with
// the semantics of a NATS KV bucket (history 1): one revision counter per bucket, deletes as
// tombstones that keep their revision (so create succeeds over them and update may name them),
// age-based expiry that removes entries without telling watchers, as JetStream's max_age does.

import type { KvChange, KvEntry, KvStore, KvWatch } from './bus.js';
import { decode, encode } from './codec.js';
import { KvConflictError } from './errors.js';
import { assertKey, assertRevision } from './kv-names.js';
import type { BusLogger } from './logger.js';

interface Slot {
  readonly payload: Uint8Array | null; // null: deleted
  readonly revision: number;
  readonly writtenAt: number;
}

type RawChange =
  | { readonly kind: 'put'; readonly key: string; readonly payload: Uint8Array; readonly revision: number }
  | { readonly kind: 'delete'; readonly key: string; readonly revision: number };

type Listener = (change: RawChange) => void;

type Expectation = { readonly kind: 'any' } | { readonly kind: 'absent' } | { readonly kind: 'revision'; readonly revision: number };

export class MemoryKvBucket {
  private lastRevision = 0;
  private readonly slots = new Map<string, Slot>();
  private readonly listeners = new Set<Listener>();
  // Changes wait here so a watcher that writes from its callback cannot reorder deliveries.
  private readonly outbox: Array<{ readonly listener: Listener; readonly change: RawChange }> = [];
  private dispatching = false;

  constructor(
    readonly name: string,
    private readonly ttlMs: number,
  ) {}

  read(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined || !this.expired(slot)) return slot;
    this.slots.delete(key);
    return undefined;
  }

  write(key: string, payload: Uint8Array | null, expect: Expectation): number {
    const current = this.read(key);
    const ok =
      expect.kind === 'any' ||
      (expect.kind === 'absent' && (current === undefined || current.payload === null)) ||
      (expect.kind === 'revision' && current?.revision === expect.revision);
    if (!ok) throw new KvConflictError(this.name, key);
    const revision = ++this.lastRevision;
    // A copy of its own: the encoder's output is a view into a larger shared buffer.
    const stored = payload === null ? null : payload.slice();
    this.slots.set(key, { payload: stored, revision, writtenAt: Date.now() });
    const change: RawChange =
      stored === null ? { kind: 'delete', key, revision } : { kind: 'put', key, payload: stored, revision };
    for (const listener of this.listeners) this.outbox.push({ listener, change });
    this.dispatch();
    return revision;
  }

  keys(): string[] {
    return [...this.slots.keys()].filter((key) => this.read(key)?.payload != null);
  }

  /** Sends `listener` every live value (as puts, in revision order), then every change. */
  watch(listener: Listener): () => void {
    const snapshot: RawChange[] = [];
    for (const key of [...this.slots.keys()]) {
      const slot = this.read(key);
      if (slot?.payload != null) snapshot.push({ kind: 'put', key, payload: slot.payload, revision: slot.revision });
    }
    snapshot.sort((a, b) => a.revision - b.revision);
    for (const change of snapshot) this.outbox.push({ listener, change });
    this.listeners.add(listener);
    this.dispatch();
    return () => {
      this.listeners.delete(listener);
    };
  }

  private dispatch(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.outbox.shift(); next !== undefined; next = this.outbox.shift()) {
        if (this.listeners.has(next.listener)) next.listener(next.change);
      }
    } finally {
      this.dispatching = false;
    }
  }

  private expired(slot: Slot): boolean {
    return this.ttlMs > 0 && Date.now() - slot.writtenAt >= this.ttlMs;
  }
}

export interface MemoryKvHost {
  readonly maxPayloadBytes: number;
  readonly logger: BusLogger;
  ensureOpen(): void;
  /** Registers a watch so closing the bus stops it; returns the unregister function. */
  track(watch: KvWatch): () => void;
}

export class MemoryKvStore<T = unknown> implements KvStore<T> {
  constructor(
    private readonly bucket: MemoryKvBucket,
    private readonly host: MemoryKvHost,
  ) {}

  async get(key: string): Promise<KvEntry<T> | null> {
    this.check(key);
    const slot = this.bucket.read(key);
    if (slot?.payload == null) return null;
    return { key, value: decode<T>(slot.payload.slice()), revision: slot.revision };
  }

  async put(key: string, value: T): Promise<number> {
    this.check(key);
    return this.bucket.write(key, encode(value, this.host.maxPayloadBytes), { kind: 'any' });
  }

  async create(key: string, value: T): Promise<number> {
    this.check(key);
    return this.bucket.write(key, encode(value, this.host.maxPayloadBytes), { kind: 'absent' });
  }

  async update(key: string, value: T, expectedRevision: number): Promise<number> {
    this.check(key);
    assertRevision(this.bucket.name, key, expectedRevision);
    const payload = encode(value, this.host.maxPayloadBytes);
    return this.bucket.write(key, payload, { kind: 'revision', revision: expectedRevision });
  }

  async delete(key: string): Promise<void> {
    this.check(key);
    this.bucket.write(key, null, { kind: 'any' });
  }

  async keys(): Promise<string[]> {
    this.host.ensureOpen();
    return this.bucket.keys();
  }

  async watch(onChange: (change: KvChange<T>) => void): Promise<KvWatch> {
    this.host.ensureOpen();
    let active = true;
    let untrack = (): void => undefined;
    const stopListening = this.bucket.watch((change) => {
      if (active) this.deliver(change, onChange);
    });
    const watch: KvWatch = {
      stop: () => {
        active = false;
        stopListening();
        untrack();
      },
    };
    untrack = this.host.track(watch);
    return watch;
  }

  private deliver(change: RawChange, onChange: (change: KvChange<T>) => void): void {
    try {
      if (change.kind === 'delete') onChange(change);
      else onChange({ kind: 'put', key: change.key, value: decode<T>(change.payload.slice()), revision: change.revision });
    } catch (error) {
      this.host.logger.error({ err: error, bucket: this.bucket.name, key: change.key }, 'kv watcher failed on a change');
    }
  }

  private check(key: string): void {
    this.host.ensureOpen();
    assertKey(this.bucket.name, key);
  }
}
