// Per-tenant limits with Loki's names and defaults. Every component that enforces a limit reads
// it from here, so a limit means the same thing at every door.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface LimitsConfig {
  readonly maxLineSizeBytes: number;
  readonly maxLabelNamesPerSeries: number;
  readonly maxLabelNameLength: number;
  readonly maxLabelValueLength: number;
  /** Entries older than now minus this are rejected; 0 disables. */
  readonly rejectOldSamplesMaxAgeMs: number;
  /** Entries newer than now plus this are rejected. */
  readonly creationGracePeriodMs: number;
  /** Per-tenant ingestion rate (bytes/s) and burst; 0 disables. */
  readonly ingestionRateBytes: number;
  readonly ingestionBurstBytes: number;
  readonly maxStreamsPerTenant: number;
  /** Largest `limit` a log query may ask for. */
  readonly maxEntriesLimitPerQuery: number;
  readonly maxQueryLengthMs: number;
}

export const DEFAULT_LIMITS: LimitsConfig = {
  maxLineSizeBytes: 256 * 1024,
  maxLabelNamesPerSeries: 15,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  rejectOldSamplesMaxAgeMs: 7 * 24 * HOUR,
  creationGracePeriodMs: 10 * MINUTE,
  ingestionRateBytes: 4 * 1024 * 1024,
  ingestionBurstBytes: 6 * 1024 * 1024,
  maxStreamsPerTenant: 10_000,
  maxEntriesLimitPerQuery: 5_000,
  maxQueryLengthMs: 30 * 24 * HOUR + HOUR,
};
