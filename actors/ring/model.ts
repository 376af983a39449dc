// What the ring stores about each ingester, and what each lifecycle state allows.

export type MemberState = 'PENDING' | 'JOINING' | 'ACTIVE' | 'LEAVING' | 'LEFT';

/** One ingester's entry in the ring: the value of its key in the ring KV bucket. */
export interface RingMember {
  readonly id: string;
  readonly state: MemberState;
  /** Sorted random uint32 tokens; empty while PENDING. */
  readonly tokens: readonly number[];
  readonly zone: string;
  /** Last heartbeat, ms since the epoch. */
  readonly heartbeatMs: number;
  /** When the member registered, ms since the epoch. */
  readonly registeredMs: number;
  /** HTTP address the member serves /ready and /metrics on, for operators. */
  readonly addr?: string;
}

export type RingOperation = 'write' | 'read';

/** JOINING may take writes (it owns tokens already); LEAVING still answers reads. */
const ALLOWED: Record<RingOperation, ReadonlySet<MemberState>> = {
  write: new Set<MemberState>(['JOINING', 'ACTIVE']),
  read: new Set<MemberState>(['JOINING', 'ACTIVE', 'LEAVING']),
};

export function stateAllows(state: MemberState, op: RingOperation): boolean {
  return ALLOWED[op].has(state);
}

/** A member whose heartbeat is older than the timeout is UNHEALTHY: a reader's conclusion, not a state. */
export function isHealthy(member: RingMember, nowMs: number, heartbeatTimeoutMs: number): boolean {
  return heartbeatTimeoutMs <= 0 || nowMs - member.heartbeatMs <= heartbeatTimeoutMs;
}

/** Loki's write quorum: a majority of the replication factor. */
export function quorumFor(replicationFactor: number): number {
  return Math.floor(replicationFactor / 2) + 1;
}

/** Replicas a read may lose and still see every acknowledged line: RF minus the write quorum. */
export function toleratedFailures(replicationFactor: number): number {
  return Math.max(0, replicationFactor - quorumFor(replicationFactor));
}
