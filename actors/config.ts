// Every setting Norn has, with its default. The command line and the YAML file both produce a
// NornConfig through `resolveConfig`; components take only their own section.

export type Target = 'all' | 'gateway' | 'ingester';
export type ChunkEncodingName = 'gzip' | 'snappy' | 'none';
export type WalSyncPolicy = 'always' | 'batch' | 'interval' | 'never';

export interface IngesterConfig {
  /** Uncompressed head block size that triggers compressing a block. */
  readonly blockSizeBytes: number;
  /** Compressed chunk size that cuts the chunk. */
  readonly targetChunkBytes: number;
  readonly chunkEncoding: ChunkEncodingName;
  /** A chunk with no appends for this long is flushed. */
  readonly chunkIdleMs: number;
  /** A chunk spanning more than this is cut; half of it is the out-of-order window. */
  readonly maxChunkAgeMs: number;
  /** How often streams are checked for chunks to flush. */
  readonly flushCheckMs: number;
  /** Flushed chunks stay queryable in memory this long, covering index caches. */
  readonly retainFlushedMs: number;
  /** First delay between flush retries; doubles up to maxFlushBackoffMs, never gives up. */
  readonly flushBackoffMs: number;
  readonly maxFlushBackoffMs: number;
  readonly concurrentFlushes: number;
}

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
}

export interface DistributorConfig {
  /** Time to wait for a quorum of replicas before answering 5xx. */
  readonly pushTimeoutMs: number;
}

export interface QuerierConfig {
  readonly ingesterQueryTimeoutMs: number;
}

export interface WalConfig {
  readonly enabled: boolean;
  readonly sync: WalSyncPolicy;
  readonly syncIntervalMs: number;
  readonly segmentBytes: number;
  readonly checkpointMs: number;
}

export interface StorageConfig {
  readonly dataDir: string;
  readonly s3?: {
    readonly endpoint: string;
    readonly bucket: string;
    readonly accessKey: string;
    readonly secretKey: string;
    readonly region: string;
  };
  /** How long a querier trusts a listing of the index before listing again. */
  readonly indexCacheMs: number;
}

export interface NornConfig {
  readonly target: Target;
  readonly id: string;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly nats?: string;
  readonly auth: boolean;
  readonly logLevel: string;
  readonly storage: StorageConfig;
  readonly ingester: IngesterConfig;
  readonly limits: LimitsConfig;
  readonly ring: RingConfig;
  readonly distributor: DistributorConfig;
  readonly querier: QuerierConfig;
  readonly wal: WalConfig;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_INGESTER: IngesterConfig = {
  blockSizeBytes: 256 * 1024,
  targetChunkBytes: 1536 * 1024,
  chunkEncoding: 'gzip',
  chunkIdleMs: 30 * MINUTE,
  maxChunkAgeMs: 2 * HOUR,
  flushCheckMs: 30_000,
  retainFlushedMs: MINUTE,
  flushBackoffMs: 1_000,
  maxFlushBackoffMs: MINUTE,
  concurrentFlushes: 4,
};

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

export const DEFAULT_RING: RingConfig = {
  replicationFactor: 1,
  heartbeatMs: 5_000,
  heartbeatTimeoutMs: MINUTE,
  zoneAwareness: false,
  zone: '',
  tokens: 128,
  joinAfterMs: 10_000,
  handoffWaitMs: 10_000,
};

export const DEFAULT_WAL: WalConfig = {
  enabled: true,
  sync: 'always',
  syncIntervalMs: 100,
  segmentBytes: 64 * 1024 * 1024,
  checkpointMs: 5 * MINUTE,
};

export function defaultConfig(): NornConfig {
  return {
    target: 'all',
    id: 'norn-1',
    httpHost: '0.0.0.0',
    httpPort: 3100,
    auth: false,
    logLevel: 'info',
    storage: { dataDir: './data', indexCacheMs: 5_000 },
    ingester: DEFAULT_INGESTER,
    limits: DEFAULT_LIMITS,
    ring: DEFAULT_RING,
    distributor: { pushTimeoutMs: 10_000 },
    querier: { ingesterQueryTimeoutMs: 30_000 },
    wal: DEFAULT_WAL,
  };
}
