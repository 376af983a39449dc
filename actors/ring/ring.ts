// An immutable snapshot of the ring: members and their tokens, sorted for clockwise lookups.
// Readers (gateways) rebuild it whenever the ring KV bucket changes.

import { isHealthy, quorumFor, stateAllows, type RingMember, type RingOperation } from './model.js';
import { NornError } from '../../core/errors.js';

export interface RingOptions {
  readonly replicationFactor: number;
  readonly heartbeatTimeoutMs: number;
  /** With zone awareness on, a replication set holds at most one member per zone. */
  readonly zoneAwareness: boolean;
}

export interface ReplicationSet {
  /** Healthy members to send to. */
  readonly members: readonly RingMember[];
  /** Successes needed: floor(RF/2)+1. */
  readonly quorum: number;
  /** Failures tolerated before quorum is impossible. */
  readonly maxFailures: number;
}

/** Too few live replicas: Loki answers this with a 500 and the client retries. */
export class RingError extends NornError {
  constructor(message: string) {
    super('RING_QUORUM_UNAVAILABLE', message);
  }
}

export class Ring {
  readonly members: ReadonlyMap<string, RingMember>;
  private readonly tokens: Uint32Array;
  private readonly owners: RingMember[];

  constructor(members: Iterable<RingMember>, private readonly options: RingOptions) {
    const byId = new Map<string, RingMember>();
    for (const member of members) if (member.state !== 'LEFT') byId.set(member.id, member);
    this.members = byId;

    const pairs: Array<[number, RingMember]> = [];
    for (const member of byId.values()) for (const token of member.tokens) pairs.push([token, member]);
    pairs.sort((a, b) => a[0] - b[0] || (a[1].id < b[1].id ? -1 : 1));
    this.tokens = Uint32Array.from(pairs, (pair) => pair[0]);
    this.owners = pairs.map((pair) => pair[1]);
  }

  get replicationFactor(): number {
    return this.options.replicationFactor;
  }

  /**
   * The members that own `hash` for a write: walk clockwise from the first token >= hash,
   * collecting distinct members whose state takes writes (and distinct zones, if zone-aware)
   * until RF are found. Members that missed their heartbeat stay in the count but are dropped
   * from the set, so they count as failures against the quorum. Throws RingError when fewer
   * than a quorum remain, before anything is sent.
   */
  replicationSetFor(hash: number, nowMs: number): ReplicationSet {
    const { replicationFactor, heartbeatTimeoutMs, zoneAwareness } = this.options;
    const quorum = quorumFor(replicationFactor);
    const chosen: RingMember[] = [];
    const seen = new Set<string>();
    const zones = new Set<string>();
    let counted = 0;
    const count = this.tokens.length;
    const start = this.firstTokenAtOrAfter(hash);

    for (let i = 0; i < count && counted < replicationFactor; i++) {
      const member = this.owners[(start + i) % count]!;
      if (seen.has(member.id)) continue;
      seen.add(member.id);
      if (!stateAllows(member.state, 'write')) continue;
      if (zoneAwareness && member.zone !== '') {
        if (zones.has(member.zone)) continue;
        zones.add(member.zone);
      }
      counted++;
      if (isHealthy(member, nowMs, heartbeatTimeoutMs)) chosen.push(member);
    }

    if (chosen.length < quorum) {
      throw new RingError(`at least ${quorum} live replicas required, could only find ${chosen.length}`);
    }
    return { members: chosen, quorum, maxFailures: chosen.length - quorum };
  }

  /** Every healthy member that may hold data for reads (JOINING, ACTIVE, LEAVING). */
  membersFor(op: RingOperation, nowMs: number): RingMember[] {
    const result: RingMember[] = [];
    for (const member of this.members.values()) {
      if (stateAllows(member.state, op) && isHealthy(member, nowMs, this.options.heartbeatTimeoutMs)) {
        result.push(member);
      }
    }
    return result;
  }

  private firstTokenAtOrAfter(hash: number): number {
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tokens[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.tokens.length ? 0 : lo;
  }
}
