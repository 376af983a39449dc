import { describe, expect, it } from 'vitest';
import type { KvChange, KvEntry, KvStore, KvWatch } from '../../bus/bus.js';
import { BusError, KvConflictError } from '../../bus/errors.js';
import type { RingMember } from './model.js';
import { RingRegistration } from './registration.js';

/** A KV store whose writes can be held back or made to fail, to order races by hand. */
class ControlledKv implements KvStore<RingMember> {
  readonly values = new Map<string, { value: RingMember; revision: number }>();
  private revision = 0;
  private held: Array<() => void> | undefined;
  failNextWrites = 0;

  /** Writes wait until release() from now on. */
  hold(): void {
    this.held = [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const resume of waiting) resume();
  }

  async get(key: string): Promise<KvEntry<RingMember> | null> {
    const slot = this.values.get(key);
    return slot === undefined ? null : { key, value: slot.value, revision: slot.revision };
  }

  async put(key: string, value: RingMember): Promise<number> {
    return this.write(key, value, undefined);
  }

  async create(key: string, value: RingMember): Promise<number> {
    return this.write(key, value, 0);
  }

  async update(key: string, value: RingMember, expectedRevision: number): Promise<number> {
    return this.write(key, value, expectedRevision);
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }

  async keys(): Promise<string[]> {
    return [...this.values.keys()];
  }

  async watch(_onChange: (change: KvChange<RingMember>) => void): Promise<KvWatch> {
    return { stop: () => undefined };
  }

  private async write(key: string, value: RingMember, expected: number | undefined): Promise<number> {
    if (this.held !== undefined) await new Promise<void>((resolve) => this.held!.push(resolve));
    if (this.failNextWrites > 0) {
      this.failNextWrites--;
      throw new BusError('BUS_TIMEOUT', 'kv write timed out');
    }
    const current = this.values.get(key);
    if (expected !== undefined && (current?.revision ?? 0) !== expected) throw new KvConflictError('ring', key);
    const revision = ++this.revision;
    this.values.set(key, { value, revision });
    return revision;
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RingRegistration', () => {
  it('keeps a state change that a heartbeat, asked for while it was being written, follows', async () => {
    const kv = new ControlledKv();
    const registration = new RingRegistration(kv, { id: 'ingester-1', zone: '' });
    await registration.setState('JOINING', [1, 2, 3]);

    kv.hold();
    const active = registration.setState('ACTIVE');
    await tick();
    // The heartbeat timer fires while the ACTIVE write is still on its way to the store.
    const beat = registration.heartbeat();
    kv.release();
    await Promise.all([active, beat]);

    expect(kv.values.get('ingester-1')?.value.state).toBe('ACTIVE');
    expect(kv.values.get('ingester-1')?.value.tokens).toEqual([1, 2, 3]);
  });

  it('writes a state whose own write failed with the next heartbeat', async () => {
    const kv = new ControlledKv();
    const registration = new RingRegistration(kv, { id: 'ingester-1', zone: '' });
    await registration.setState('JOINING', [7]);

    kv.failNextWrites = 1;
    await expect(registration.setState('ACTIVE')).rejects.toThrow('timed out');
    expect(kv.values.get('ingester-1')?.value.state).toBe('JOINING');

    await registration.heartbeat();
    expect(kv.values.get('ingester-1')?.value.state).toBe('ACTIVE');
  });

  it('does not bring its key back with a heartbeat after it was removed', async () => {
    const kv = new ControlledKv();
    const registration = new RingRegistration(kv, { id: 'ingester-1', zone: '' });
    await registration.setState('LEAVING', [7]);
    await registration.remove();
    await registration.heartbeat();
    expect(kv.values.has('ingester-1')).toBe(false);
  });
});
