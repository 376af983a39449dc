// Ring membership settings: replication, heartbeats, tokens and the lifecycle's waits.

const MINUTE = 60_000;

export interface RingConfig {
  readonly replicationFactor: number;
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly zoneAwareness: boolean;
  readonly zone: string;
  readonly tokens: number;
  /** How long an ingester waits in PENDING for a handoff before joining with fresh tokens. */
  readonly joinAfterMs: number;
  /** How long a leaving ingester waits for a PENDING one to hand off to. */
  readonly handoffWaitMs: number;
  /**
   * Loki's `autoforget_unhealthy`: an ingester removes from the ring every member whose heartbeat
   * is older than `heartbeatTimeoutMs` (checked every heartbeat period; actors/ring/forget.ts).
   */
  readonly autoforgetUnhealthy: boolean;
}

export const DEFAULT_RING: RingConfig = {
  replicationFactor: 1,
  heartbeatMs: 5_000,
  heartbeatTimeoutMs: MINUTE,
  zoneAwareness: false,
  zone: '',
  tokens: 128,
  joinAfterMs: 10_000,
  handoffWaitMs: 10_000,
  autoforgetUnhealthy: false,
};
