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
   * Per-tenant limits, each complete (the file's `overrides:` merged onto the global limits).
   * A tenant without an entry gets the global limits.
   */
  readonly overrides?: Readonly<Record<string, LimitsConfig>>;
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
  discoverServiceName: DEFAULT_DISCOVER_SERVICE_NAME,
  discoverLogLevels: true,
  logLevelFields: DEFAULT_LOG_LEVEL_FIELDS,
  otlpConfig: { resourceAttributes: { ignoreDefaults: false, attributesConfig: [] }, scopeAttributes: [], logAttributes: [] },
};
