// The whole configuration, checked once at start against a schema, after the YAML file and the
// flags are merged: a setting that would fail later (every push, every flush, a stack trace at
// listen) is refused now, one line per problem naming the YAML key, and the process exits 1.
// Sections other components add later pass through (loose objects) until they add their part.

import { z } from 'zod';
import type { NornConfig } from './config.js';
import { ConfigError } from './config-file.js';
import { parseLogSelector } from '../logql/mod.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.number({ error: (issue) => `expected a whole number, got ${show(issue.input)}` })
    .int({ error: (issue) => `expected a whole number, got ${show(issue.input)}` })
    .min(min, { error: (issue) => `must be at least ${min}, got ${show(issue.input)}` })
    .max(max, { error: (issue) => `must be at most ${max}, got ${show(issue.input)}` });
const limit = () => int(0);
const positiveMs = () => int(1);
const bytes = (min: number) => int(min);
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (issue) => `expected one of ${values.join(', ')}, got ${show(issue.input)}` });
const bool = () => z.boolean({ error: (issue) => `expected true or false, got ${show(issue.input)}` });
const text = (what = 'a string') =>
  z.string({ error: (issue) => `expected ${what}, got ${show(issue.input)}` }).min(1, { error: `must not be empty` });

/** Loki refuses a retention shorter than a day (one index table); 0 keeps data forever. */
const DAY_MS = 24 * 3_600_000;
const retentionPeriod = () =>
  limit().refine((ms) => ms === 0 || ms >= DAY_MS, { error: (issue) => `must be 0 (keep forever) or at least 24h, got ${show(issue.input)}ms` });

/** A LogQL stream selector, `{namespace="dev"}`: matchers only, no pipeline (Loki's `retention_stream`). */
const streamSelector = () =>
  z.string({ error: (issue) => `expected a stream selector such as {namespace="dev"}, got ${show(issue.input)}` })
    .superRefine((text, ctx) => {
      try {
        const expr = parseLogSelector(text);
        if (expr.stages.length > 0) ctx.addIssue({ code: 'custom', message: `expected a stream selector without a pipeline, got ${show(text)}` });
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not a valid stream selector ${show(text)}: ${(error as Error).message}` });
      }
    });

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

const storage = z.looseObject({
  dataDir: text('a directory'),
  indexCacheMs: limit(),
  s3: z
    .looseObject({
      endpoint: z.url({ error: (issue) => `expected a URL such as http://127.0.0.1:9000, got ${show(issue.input)}` }),
      bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: (issue) => `not a valid S3 bucket name: ${show(issue.input)}` }),
      accessKey: z.string(),
      secretKey: z.string(),
      region: text(),
    })
    .optional(),
});

const ingester = z
  .looseObject({
    blockSizeBytes: bytes(1024),
    targetChunkBytes: bytes(1024),
    chunkEncoding: oneOf(['gzip', 'snappy', 'brotli', 'none']),
    chunkFormat: oneOf(['norn-v2', 'norn-v1']),
    chunkIdleMs: positiveMs(),
    maxChunkAgeMs: positiveMs(),
    flushCheckMs: positiveMs(),
    retainFlushedMs: limit(),
    flushBackoffMs: positiveMs(),
    maxFlushBackoffMs: positiveMs(),
    concurrentFlushes: int(1, 1024),
    flushWaitTimeoutMs: positiveMs(),
    shutdownTimeoutMs: positiveMs(),
    patternMining: oneOf(['thread', 'inline', 'off']),
  })
  .refine((section) => section.maxFlushBackoffMs >= section.flushBackoffMs, {
    path: ['maxFlushBackoffMs'],
    error: 'must be at least flush_backoff',
  });

const tenantLimits = z.looseObject({
  maxLineSizeBytes: limit(),
  maxLabelNamesPerSeries: int(1),
  maxLabelNameLength: int(1),
  maxLabelValueLength: int(1),
  rejectOldSamplesMaxAgeMs: limit(),
  creationGracePeriodMs: limit(),
  ingestionRateBytes: limit(),
  ingestionBurstBytes: limit(),
  maxStreamsPerTenant: limit(),
  maxStructuredMetadataSizeBytes: limit(),
  maxStructuredMetadataEntriesCount: limit(),
  maxEntriesLimitPerQuery: limit(),
  maxQueryLengthMs: limit(),
  // The query frontend's (actors/frontend/); 0 turns splitting off.
  splitQueriesByIntervalMs: limit().optional(),
  maxQueryParallelism: int(1).optional(),
  queryTimeoutMs: positiveMs().optional(),
  maxQuerySeries: int(1).optional(),
  maxCacheFreshnessPerQueryMs: limit().optional(),
  tsdbMaxBytesPerShard: int(1).optional(),
  retentionPeriodMs: retentionPeriod().optional(),
  retentionStream: z
    .array(z.looseObject({ selector: streamSelector(), periodMs: retentionPeriod(), priority: z.number({ error: (issue) => `expected a whole number, got ${show(issue.input)}` }).int({ error: (issue) => `expected a whole number, got ${show(issue.input)}` }) }),
      { error: (issue) => `expected a list of { selector, period, priority }, got ${show(issue.input)}` })
    .optional(),
  deletionMode: oneOf(['disabled', 'filter-only', 'filter-and-delete']).optional(),
});

/** One tenant's limits: the file's `limits:`, each entry of its `overrides:` and of the runtime file's. */
export const tenantLimitsSchema = tenantLimits;

const limits = tenantLimits.extend({ overrides: z.record(z.string(), tenantLimits).optional() });

const ring = z
  .looseObject({
    replicationFactor: int(1, 64),
    heartbeatMs: positiveMs(),
    heartbeatTimeoutMs: positiveMs(),
    zoneAwareness: bool(),
    zone: z.string(),
    tokens: int(1, 4096),
    joinAfterMs: limit(),
    handoffWaitMs: limit(),
    autoforgetUnhealthy: bool(),
  })
  .refine((section) => section.heartbeatTimeoutMs > section.heartbeatMs, {
    path: ['heartbeatTimeoutMs'],
    error: 'must be longer than heartbeat_period, or every member looks dead between two beats',
  });

const wal = z.looseObject({
  enabled: bool(),
  sync: oneOf(['always', 'batch', 'interval', 'never']),
  syncIntervalMs: positiveMs(),
  segmentBytes: bytes(64 * 1024),
  checkpointMs: positiveMs(),
});

const compactor = z.looseObject({
  retentionEnabled: bool(),
  compactionIntervalMs: positiveMs(),
  retentionDeleteDelayMs: limit(),
  deleteRequestCancelPeriodMs: limit(),
  // Renewed every third of it: below a second one slow KV round trip would drop the lease.
  leaderLeaseTtlMs: int(1_000),
});

const schema = z
  .looseObject({
    target: oneOf(['all', 'gateway', 'ingester', 'ruler', 'querier', 'compactor']),
    id: text('an ingester id'),
    httpHost: text('a host name or address'),
    httpPort: int(0, 65_535),
    nats: text('a NATS URL').optional(),
    auth: bool(),
    logLevel: oneOf(LOG_LEVELS),
    storage,
    ingester,
    limits,
    ring,
    distributor: z.looseObject({
      pushTimeoutMs: positiveMs(),
      producerStream: z.looseObject({
        enabled: bool(),
        maxAgeMs: positiveMs(),
        duplicateWindowMs: positiveMs(),
        ackWaitMs: positiveMs(),
        concurrency: int(1, 1024),
        retryDelayMs: positiveMs(),
        maxRetryDelayMs: positiveMs(),
      }),
    }),
    querier: z.looseObject({ ingesterQueryTimeoutMs: positiveMs(), multiTenantQueriesEnabled: bool(), maxConcurrent: int(1, 1024) }),
    wal,
    frontend: z.looseObject({
      enabled: bool(),
      maxOutstandingPerTenant: int(1),
      maxRetries: int(0, 100),
      cacheResults: bool(),
      resultsCache: z.looseObject({
        backend: oneOf(['memory', 'nats-kv']),
        maxSizeMb: int(1),
        ttlMs: positiveMs(),
      }),
    }).optional(),
    compactor,
    runtimeConfig: z.looseObject({ file: z.string({ error: (issue) => `expected a file path, got ${show(issue.input)}` }), periodMs: positiveMs() }).optional(),
  });

/** Settings that are each valid but cannot work together; checked even when others are wrong. */
function crossProblems(config: NornConfig): string[] {
  const problems: string[] = [];
  const rf = config.ring?.replicationFactor;
  // One process on its embedded bus is the only ingester there can be.
  if (config.target === 'all' && config.nats === undefined && typeof rf === 'number' && rf > 1) {
    problems.push(`ring.replication_factor: ${rf} copies need ${rf} ingesters; one process without nats has one: use 1`);
  }
  if (config.distributor?.producerStream?.enabled === true && config.nats === undefined) {
    problems.push('distributor.producer_stream.enabled: the durable producer path lives in a JetStream stream: it needs nats');
  }
  if ((config.target === 'gateway' || config.target === 'ingester' || config.target === 'ruler' || config.target === 'querier' || config.target === 'compactor') && config.nats === undefined) {
    problems.push(`nats: target ${config.target} needs a NATS server: separate processes meet on it`);
  }
  return problems;
}

/** NornConfig field names whose YAML key is not simply the snake_case of the name. */
const YAML_NAMES: Record<string, string> = {
  flushCheckMs: 'flush_check_period', heartbeatMs: 'heartbeat_period', checkpointMs: 'checkpoint_interval',
  targetChunkBytes: 'max_chunk_bytes', blockSizeBytes: 'block_size', maxLineSizeBytes: 'max_line_size',
  ingestionRateBytes: 'ingestion_rate', ingestionBurstBytes: 'ingestion_burst', segmentBytes: 'segment_size',
  maxStructuredMetadataSizeBytes: 'max_structured_metadata_size', dataDir: 'data_dir',
};

/** The YAML key of a NornConfig field: `ingester.chunkIdleMs` is `ingester.chunk_idle`. */
export function yamlKey(path: readonly PropertyKey[]): string {
  return path
    .map((part) => {
      const name = String(part);
      const known = YAML_NAMES[name];
      if (known !== undefined) return known;
      return name.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    })
    .join('.');
}

/**
 * The YAML key of a problem's path. A tenant's override lives at `limits.overrides.<tenant>` in
 * NornConfig but at `overrides.<tenant>` in the file, and a tenant id is printed as written.
 */
export function problemKey(path: readonly PropertyKey[]): string {
  // A list item is `retention_stream[0]`, as the file reader names it.
  const key = (parts: readonly PropertyKey[]) => yamlKey(parts).replace(/\.(\d+)(?=\.|$)/g, '[$1]');
  if (path[0] === 'limits' && path[1] === 'overrides' && path.length > 2) {
    return [`overrides.${String(path[2])}`, key(path.slice(3))].filter((part) => part !== '').join('.');
  }
  return key(path);
}

/** Every problem in `config`, one line each, naming the YAML key; empty when it is valid. */
export function configProblems(config: NornConfig): string[] {
  const result = schema.safeParse(config);
  const problems = result.success ? [] : result.error.issues.map((issue) => `${problemKey(issue.path) || 'config'}: ${issue.message}`);
  return [...problems, ...crossProblems(config)];
}

/** Throws one ConfigError listing every problem. */
export function validateConfig(config: NornConfig): NornConfig {
  const problems = configProblems(config);
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return config;
}
