// Splits rule groups between rulers with a ring on the bus's KV, the same machinery as the
// ingesters' ring but in its own bucket: each ruler registers ACTIVE with random tokens and
// heartbeats; a group belongs to the healthy ruler owning the first token at or after the
// group's hash. A ruler that leaves removes its key (its groups move at once); one that dies
// stops heartbeating and its groups move once the heartbeat is older than the timeout.

import type { KvStore } from '../../bus/bus.js';
import { isHealthy, type RingMember } from '../ring/model.js';
import { RingRegistration } from '../ring/registration.js';
import { RingWatcher } from '../ring/ring-watcher.js';
import { DEFAULT_TOKEN_COUNT, generateTokens } from '../ring/tokens.js';

/** Which groups this process evaluates. */
export interface GroupOwnership {
  owns(token: number): boolean;
  /** Called when membership may have changed; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** One ruler alone (no ring): it owns every group. */
export const OWN_EVERYTHING: GroupOwnership = { owns: () => true, onChange: () => () => undefined };

export interface RulerRingOptions {
  readonly id: string;
  readonly addr?: string;
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly tokens?: number;
  readonly now?: () => number;
}

/** The owner of `token` among `members`: healthy ACTIVE rulers, clockwise from the token. */
export function ownerOf(members: Iterable<RingMember>, token: number, nowMs: number, heartbeatTimeoutMs: number): string | undefined {
  let best: { token: number; id: string } | undefined;
  let lowest: { token: number; id: string } | undefined;
  for (const member of members) {
    if (member.state !== 'ACTIVE' || !isHealthy(member, nowMs, heartbeatTimeoutMs)) continue;
    for (const t of member.tokens) {
      const candidate = { token: t, id: member.id };
      if (lowest === undefined || t < lowest.token || (t === lowest.token && member.id < lowest.id)) lowest = candidate;
      if (t >= token && (best === undefined || t < best.token || (t === best.token && member.id < best.id))) best = candidate;
    }
  }
  return (best ?? lowest)?.id;
}

export class RulerRing implements GroupOwnership {
  private readonly registration: RingRegistration;
  private readonly watcher: RingWatcher;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;

  constructor(
    kv: KvStore<RingMember>,
    private readonly options: RulerRingOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.registration = new RingRegistration(kv, {
      id: options.id,
      zone: '',
      now: this.now,
      ...(options.addr !== undefined ? { addr: options.addr } : {}),
    });
    this.watcher = new RingWatcher(kv, { replicationFactor: 1, heartbeatTimeoutMs: options.heartbeatTimeoutMs, zoneAwareness: false });
  }

  /** Registers ACTIVE (keeping the tokens of a previous run with this id) and starts heartbeats. */
  async start(): Promise<void> {
    await this.watcher.start();
    const previous = await this.registration.previous();
    const tokens = previous !== undefined && previous.tokens.length > 0 ? previous.tokens : generateTokens(this.options.tokens ?? DEFAULT_TOKEN_COUNT);
    await this.registration.setState('ACTIVE', tokens);
    await this.watcher.waitFor((ring) => ring.members.get(this.options.id)?.state === 'ACTIVE', 10_000);
    this.heartbeat = setInterval(() => {
      this.registration.heartbeat().catch(() => undefined);
    }, this.options.heartbeatMs);
  }

  owns(token: number): boolean {
    return ownerOf(this.watcher.ring.members.values(), token, this.now(), this.options.heartbeatTimeoutMs) === this.options.id;
  }

  onChange(listener: () => void): () => void {
    return this.watcher.onChange(() => listener());
  }

  members(): RingMember[] {
    return [...this.watcher.ring.members.values()];
  }

  /** Leaves the ring: the key is removed, so the other rulers take the groups at once. */
  async leave(): Promise<void> {
    this.stopTimers();
    await this.registration.remove().catch(() => undefined);
    this.watcher.stop();
  }

  /** Stops heartbeating without leaving, as a crash would: the groups move after the timeout. */
  abandon(): void {
    this.stopTimers();
    this.watcher.stop();
  }

  private stopTimers(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
