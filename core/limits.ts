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
  /** Active streams per tenant per ingester; 0 = no limit (Loki). */
  readonly maxStreamsPerTenant: number;
  /** Structured metadata per entry: bytes of names and values, and pairs; 0 = no limit (Loki). */
  readonly maxStructuredMetadataSizeBytes: number;
  readonly maxStructuredMetadataEntriesCount: number;
  /** Largest `limit` a log query may ask for; 0 = no limit (Loki). */
  readonly maxEntriesLimitPerQuery: number;
  readonly maxQueryLengthMs: number;
  /**
   * Loki's `split_queries_by_interval`: the query frontend cuts range queries into pieces of
   * this length, aligned to it (default 1h); 0 turns splitting off.
   */
  readonly splitQueriesByIntervalMs: number;
  /** Loki's `max_query_parallelism`: sub-queries of one tenant the frontend runs at once (default 32). */
  readonly maxQueryParallelism: number;
  /** Loki's `query_timeout`: how long a query may run in the frontend before it fails (default 1m). */
  readonly queryTimeoutMs: number;
  /** Loki's `max_query_series`: series a metric query may return (default 500). */
  readonly maxQuerySeries: number;
  /** Loki's `max_cache_freshness_per_query`: results newer than now minus this are never cached (default 10m). */
  readonly maxCacheFreshnessPerQueryMs: number;
  /**
   * Loki's `tsdb_max_bytes_per_shard`: the frontend shards a query so that each shard reads
   * about this many bytes (index stats over the split's range), a power of two up to
   * `max_query_parallelism` shards (default 600MiB, Loki's 600MB).
   */
  readonly tsdbMaxBytesPerShard: number;
  /**
   * Loki's `discover_service_name`: label names whose value becomes `service_name` on a stream
   * pushed without one, first match wins (`unknown_service` when none); empty turns it off.
   */
  readonly discoverServiceName: readonly string[];
  /** Loki's `discover_log_levels`: add `detected_level` structured metadata at ingest. */
  readonly discoverLogLevels: boolean;
  /** Loki's `log_level_fields`: where a level is looked for in labels, metadata and lines. */
  readonly logLevelFields: readonly string[];
  /** Loki's `otlp_config`: which OTLP attributes are indexed, kept as metadata or dropped. */
  readonly otlpConfig: OtlpConfig;
  /**
   * Loki's `retention_period`: how long the compactor keeps a tenant's chunks; 0 = keep forever
   * (Loki's default). A `retentionStream` rule that matches a stream wins over it.
   */
  readonly retentionPeriodMs: number;
  /**
   * Loki's `retention_stream`: a period per stream selector. Of the rules that match a stream the
   * one with the highest `priority` wins; on a tie, the shortest period (Loki's order).
   */
  readonly retentionStream: readonly RetentionStreamRule[];
  /**
   * Loki's `deletion_mode`: `disabled` refuses delete requests, `filter-only` hides the deleted
   * lines from queries but keeps them in storage, `filter-and-delete` (the default) also removes them.
   */
  readonly deletionMode: DeletionMode;
  /**
   * Per-tenant limits, each complete (the file's `overrides:` merged onto the global limits).
   * A tenant without an entry gets the global limits.
   */
  readonly overrides?: Readonly<Record<string, LimitsConfig>>;
}

export type DeletionMode = 'disabled' | 'filter-only' | 'filter-and-delete';

export const DELETION_MODES: readonly DeletionMode[] = ['disabled', 'filter-only', 'filter-and-delete'];

/** One `retention_stream` rule: streams matching `selector` (a LogQL stream selector) are kept `periodMs`. */
export interface RetentionStreamRule {
  readonly selector: string;
  readonly periodMs: number;
  readonly priority: number;
}

export type OtlpAction = 'index_label' | 'structured_metadata' | 'drop';

/** One rule of an `otlp_config` list: names or an anchored regex, and what to do with matches. */
export interface OtlpAttributesConfig {
  readonly action: OtlpAction;
  readonly attributes?: readonly string[];
  readonly regex?: string;
}

export interface OtlpConfig {
  readonly resourceAttributes: {
    /** Skip Loki's default list of resource attributes indexed as labels. */
    readonly ignoreDefaults: boolean;
    readonly attributesConfig: readonly OtlpAttributesConfig[];
  };
  readonly scopeAttributes: readonly OtlpAttributesConfig[];
  readonly logAttributes: readonly OtlpAttributesConfig[];
}

/** Loki 3's `default_resource_attributes_as_index_labels`. */
export const DEFAULT_OTLP_INDEX_LABELS: readonly string[] = [
  'service.name', 'service.namespace', 'service.instance.id', 'deployment.environment', 'deployment.environment.name',
  'cloud.region', 'cloud.availability_zone', 'k8s.cluster.name', 'k8s.namespace.name', 'k8s.pod.name',
  'k8s.container.name', 'container.name', 'k8s.replicaset.name', 'k8s.deployment.name', 'k8s.statefulset.name',
  'k8s.daemonset.name', 'k8s.cronjob.name', 'k8s.job.name',
];

/** Loki's default `discover_service_name` list. */
export const DEFAULT_DISCOVER_SERVICE_NAME: readonly string[] = [
  'service', 'app', 'application', 'app_name', 'name', 'app_kubernetes_io_name', 'container', 'container_name',
  'k8s_container_name', 'component', 'workload', 'job', 'k8s_job_name',
];

/** Loki's default `log_level_fields`. */
export const DEFAULT_LOG_LEVEL_FIELDS: readonly string[] = [
  'level', 'LEVEL', 'Level', 'log.level', 'severity', 'SEVERITY', 'Severity', 'SeverityText', 'lvl', 'LVL', 'Lvl',
];

/** The limits that apply to one tenant. */
export function limitsFor(limits: LimitsConfig, tenant: string): LimitsConfig {
  return limits.overrides?.[tenant] ?? limits;
}

/**
 * The query limits of a query's tenant, or of a multi-tenant query's (`a|b`, LogQL's separator):
 * for each limit the smallest one set among them, 0 only when none sets one, as Loki does.
 */
export function queryLimitsFor(
  limits: LimitsConfig,
  tenants: string,
): Pick<LimitsConfig, 'maxEntriesLimitPerQuery' | 'maxQueryLengthMs' | 'maxQuerySeries'> {
  const each = tenants.split('|').map((tenant) => limitsFor(limits, tenant));
  const smallest = (pick: (one: LimitsConfig) => number): number => {
    const set = each.map(pick).filter((value) => value > 0);
    return set.length === 0 ? 0 : Math.min(...set);
  };
  return {
    maxEntriesLimitPerQuery: smallest((one) => one.maxEntriesLimitPerQuery),
    maxQueryLengthMs: smallest((one) => one.maxQueryLengthMs),
    maxQuerySeries: smallest((one) => one.maxQuerySeries ?? DEFAULT_LIMITS.maxQuerySeries),
  };
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
  maxStructuredMetadataSizeBytes: 64 * 1024,
  maxStructuredMetadataEntriesCount: 128,
  maxEntriesLimitPerQuery: 5_000,
  maxQueryLengthMs: 30 * 24 * HOUR + HOUR,
  splitQueriesByIntervalMs: HOUR,
  maxQueryParallelism: 32,
  queryTimeoutMs: MINUTE,
  maxQuerySeries: 500,
  maxCacheFreshnessPerQueryMs: 10 * MINUTE,
  tsdbMaxBytesPerShard: 600 * 1024 * 1024,
  discoverServiceName: DEFAULT_DISCOVER_SERVICE_NAME,
  discoverLogLevels: true,
  logLevelFields: DEFAULT_LOG_LEVEL_FIELDS,
  otlpConfig: { resourceAttributes: { ignoreDefaults: false, attributesConfig: [] }, scopeAttributes: [], logAttributes: [] },
  retentionPeriodMs: 0,
  retentionStream: [],
  deletionMode: 'filter-and-delete',
};
