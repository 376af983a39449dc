// An ingester's own entry in the ring bucket. Every write is a compare-and-swap on the key's
// revision, so two processes that think they are the same ingester cannot silently overwrite
// each other: the loser re-reads and decides.
//
// Every write, a heartbeat included, writes the latest state asked for (`desired`), built when
// the write reaches the store rather than when it was asked for. A heartbeat queued behind a
// state change therefore cannot put the older state back, and a state change whose own write
// failed (the bus was down) reaches the ring with the next heartbeat instead of never.

import type { KvStore } from '../../bus/bus.js';
import { KvConflictError } from '../../bus/errors.js';
import type { MemberState, RingMember } from './model.js';

export interface RegistrationOptions {
  readonly id: string;
  readonly zone: string;
  readonly addr?: string;
  readonly now?: () => number;
}

export class RingRegistration {
  private revision: number | undefined;
  /** What the store holds, as of our last successful write. */
  private member: RingMember;
  /** What the store should hold: the latest state and tokens asked for. */
  private desired: RingMember;
  /** After remove(), nothing may write the key again (a late heartbeat would bring it back). */
  private removed = false;
  private readonly now: () => number;
  private writing: Promise<void> = Promise.resolve();
  /** The entry a previous run of this ingester left, as found by our first write. */
  private inherited: RingMember | undefined;
  private inspected = false;

  constructor(
    private readonly store: KvStore<RingMember>,
    options: RegistrationOptions,
  ) {
    this.now = options.now ?? Date.now;
    const now = this.now();
    this.member = {
      id: options.id,
      state: 'PENDING',
      tokens: [],
      zone: options.zone,
      heartbeatMs: now,
      registeredMs: now,
      ...(options.addr !== undefined ? { addr: options.addr } : {}),
    };
    this.desired = this.member;
  }

  get current(): RingMember {
    return this.member;
  }

  /** What the ring held for this id before this process started (tokens of a previous run). */
  async previous(): Promise<RingMember | undefined> {
    await this.writing;
    if (!this.inspected) {
      this.inherited = (await this.store.get(this.member.id))?.value;
      this.inspected = true;
    }
    return this.inherited;
  }

  setState(state: MemberState, tokens: readonly number[] = this.desired.tokens): Promise<void> {
    this.desired = { ...this.desired, state, tokens };
    return this.write();
  }

  heartbeat(): Promise<void> {
    return this.write();
  }

  /** Removes the key: the member has LEFT. Later writes do nothing. */
  remove(): Promise<void> {
    this.removed = true;
    const attempt = this.writing.then(async () => {
      await this.store.delete(this.member.id);
      this.revision = undefined;
    });
    this.writing = attempt.catch(() => undefined);
    return attempt;
  }

  /** Writes are serialised so revisions advance in order; each writes `desired` as it is then. */
  private write(): Promise<void> {
    const attempt = this.writing.then(() => (this.removed ? undefined : this.casWrite({ ...this.desired, heartbeatMs: this.now() })));
    this.writing = attempt.catch(() => undefined);
    return attempt;
  }

  private async casWrite(next: RingMember): Promise<void> {
    for (let tries = 0; tries < 5; tries++) {
      try {
        if (this.revision === undefined) {
          const existing = await this.store.get(next.id);
          if (!this.inspected) {
            this.inherited = existing?.value;
            this.inspected = true;
          }
          this.revision =
            existing === null ? await this.store.create(next.id, next) : await this.store.update(next.id, next, existing.revision);
        } else {
          this.revision = await this.store.update(next.id, next, this.revision);
        }
        this.member = next;
        return;
      } catch (error) {
        if (!(error instanceof KvConflictError)) throw error;
        // Someone else wrote our key (a previous run of this ingester): take its revision.
        this.revision = undefined;
      }
    }
    throw new Error(`ring registration of ${next.id} kept conflicting`);
  }
}
