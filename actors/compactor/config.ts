// The compactor's settings, under Loki's names in the `compactor:` YAML section
// (docs/configuration.md). Per-tenant retention periods are limits (core/limits.ts), not here.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface CompactorConfig {
  /** Loki's `retention_enabled`: without it the compactor only compacts the index (Loki's default: off). */
  readonly retentionEnabled: boolean;
  /** Loki's `compaction_interval`: how often compaction, retention and the extra tasks run. */
  readonly compactionIntervalMs: number;
  /** Loki's `retention_delete_delay`: how long an expired chunk stays in storage after it left the index. */
  readonly retentionDeleteDelayMs: number;
  /** Loki's `delete_request_cancel_period`: how long a delete request can be cancelled before it is processed. */
  readonly deleteRequestCancelPeriodMs: number;
  /**
   * `leader_lease_ttl`: how long the active compactor's lease in the bus KV lasts without renewal.
   * A standby takes over within this (plus its poll, a quarter of it) after the active one dies.
   */
  readonly leaderLeaseTtlMs: number;
}

export const DEFAULT_COMPACTOR: CompactorConfig = {
  retentionEnabled: false,
  compactionIntervalMs: 10 * MINUTE,
  retentionDeleteDelayMs: 2 * HOUR,
  deleteRequestCancelPeriodMs: 24 * HOUR,
  leaderLeaseTtlMs: MINUTE,
};
