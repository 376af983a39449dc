// An ingester's own entry in the ring bucket. Every write is a compare-and-swap on the key's
// revision, so two processes that think they are the same ingester cannot silently overwrite
// each other: the loser re-reads and decides.

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
  private member: RingMember;
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

  setState(state: MemberState, tokens: readonly number[] = this.member.tokens): Promise<void> {
    return this.write({ ...this.member, state, tokens, heartbeatMs: this.now() });
  }

  heartbeat(): Promise<void> {
    return this.write({ ...this.member, heartbeatMs: this.now() });
  }

  /** Removes the key: the member has LEFT. */
  async remove(): Promise<void> {
    await this.writing;
    await this.store.delete(this.member.id);
    this.revision = undefined;
  }

  /** Writes are serialised so revisions advance in order. */
  private write(next: RingMember): Promise<void> {
    const attempt = this.writing.then(() => this.casWrite(next));
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
