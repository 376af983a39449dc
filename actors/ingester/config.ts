// The ingester's settings: when chunks are cut and flushed, and how the WAL syncs.

export type ChunkEncodingName = 'gzip' | 'snappy' | 'brotli' | 'none';
/** The chunk layouts an ingester can write (storage/chunk/README.md); older ones stay readable. */
export type ChunkFormatName = 'norn-v2' | 'norn-v1';
/** Where lines are mined for Drilldown's patterns: a thread of its own, the push thread, or nowhere. */
export type PatternMiningMode = 'thread' | 'inline' | 'off';
export type WalSyncPolicy = 'always' | 'batch' | 'interval' | 'never';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface IngesterConfig {
  /** Uncompressed head block size that triggers compressing a block. */
  readonly blockSizeBytes: number;
  /** Compressed chunk size that cuts the chunk. */
  readonly targetChunkBytes: number;
  readonly chunkEncoding: ChunkEncodingName;
  /** `norn-v1` while processes of a version that cannot read `norn-v2` still run. */
  readonly chunkFormat: ChunkFormatName;
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
  /** `POST /flush` waits this long for storage, then answers 503 (the chunks keep retrying). */
  readonly flushWaitTimeoutMs: number;
  /** A graceful stop ends within this; what was not flushed or handed off stays in the WAL. */
  readonly shutdownTimeoutMs: number;
  readonly patternMining: PatternMiningMode;
}

export interface WalConfig {
  readonly enabled: boolean;
  readonly sync: WalSyncPolicy;
  readonly syncIntervalMs: number;
  readonly segmentBytes: number;
  readonly checkpointMs: number;
}

export const DEFAULT_INGESTER: IngesterConfig = {
  blockSizeBytes: 256 * 1024,
  targetChunkBytes: 1536 * 1024,
  chunkEncoding: 'gzip',
  chunkFormat: 'norn-v2',
  chunkIdleMs: 30 * MINUTE,
  maxChunkAgeMs: 2 * HOUR,
  flushCheckMs: 30_000,
  retainFlushedMs: MINUTE,
  flushBackoffMs: 1_000,
  maxFlushBackoffMs: MINUTE,
  concurrentFlushes: 4,
  flushWaitTimeoutMs: 2 * MINUTE,
  shutdownTimeoutMs: 2 * MINUTE,
  patternMining: 'thread',
};

export const DEFAULT_WAL: WalConfig = {
  enabled: true,
  sync: 'always',
  syncIntervalMs: 100,
  segmentBytes: 64 * 1024 * 1024,
  checkpointMs: 5 * MINUTE,
};
