// Builds a NornConfig from defaults, then a YAML file, then command-line flags: each later
// source wins. The YAML mirrors NornConfig's shape in snake_case, e.g.
//
//   target: all
//   http_port: 3100
//   storage: { data_dir: /var/lib/norn, s3: { endpoint: http://minio:9000, bucket: norn } }
//   ingester: { chunk_idle: 30m, max_chunk_age: 2h }
//   ring: { replication_factor: 3 }
//
// Durations accept Go-style strings (`30s`, `1m30s`, `2h`) or milliseconds as numbers; sizes
// accept `256KiB`, `1.5MiB`, `256KB` or bytes as numbers.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { NornError } from '../core/errors.js';
import { defaultConfig, type NornConfig } from './config.js';
import type { LimitsConfig } from '../core/limits.js';
import { RulerError, rulerConfigFromYaml, type RulerConfig } from '../actors/ruler/mod.js';

export class ConfigError extends NornError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG', message, options);
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// `y` is Prometheus' 365 days, as Loki's model.Duration settings (`retention_period: 1y`) take it.
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

export function parseDurationMs(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(`${path}: expected a duration such as 30s or 5m, got ${JSON.stringify(value)}`);
  if (/^\d+$/.test(value)) return Number(value);
  let total = 0;
  let rest = value.trim();
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/.exec(rest);
    if (match === null) throw new ConfigError(`${path}: invalid duration ${JSON.stringify(value)}`);
    total += Number(match[1]) * DURATION_UNITS[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return total;
}

export function parseBytes(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value) : null;
  const unit = SIZE_UNITS[(match?.[2] || 'b').toLowerCase()];
  if (match === null || unit === undefined) throw new ConfigError(`${path}: expected a size such as 256KiB, got ${JSON.stringify(value)}`);
  return Math.round(Number(match[1]) * unit);
}

const camel = (key: string): string => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Fields whose YAML names differ from NornConfig's and carry units. */
const DURATION_FIELDS = new Set([
  'chunkIdle', 'maxChunkAge', 'flushCheckPeriod', 'retainFlushed', 'flushBackoff', 'maxFlushBackoff',
  'rejectOldSamplesMaxAge', 'creationGracePeriod', 'maxQueryLength', 'heartbeatPeriod', 'heartbeatTimeout',
  'joinAfter', 'handoffWait', 'pushTimeout', 'ingesterQueryTimeout', 'syncInterval',
  'checkpointInterval', 'indexCache', 'flushWaitTimeout', 'shutdownTimeout', 'maxAge', 'duplicateWindow', 'ackWait', 'retryDelay', 'maxRetryDelay',
  'retentionPeriod', 'period',
  'compactionInterval', 'retentionDeleteDelay', 'deleteRequestCancelPeriod', 'leaderLeaseTtl',
  // The query frontend's limits and its results cache.
  'splitQueriesByInterval', 'queryTimeout', 'maxCacheFreshnessPerQuery', 'ttl',
]);
const RENAMED: Record<string, string> = {
  flushCheckPeriod: 'flushCheckMs', heartbeatPeriod: 'heartbeatMs', checkpointInterval: 'checkpointMs',
  maxChunkBytes: 'targetChunkBytes', blockSize: 'blockSizeBytes', maxLineSize: 'maxLineSizeBytes',
  ingestionRate: 'ingestionRateBytes', ingestionBurst: 'ingestionBurstBytes', segmentSize: 'segmentBytes',
  maxStructuredMetadataSize: 'maxStructuredMetadataSizeBytes',
  tsdbMaxBytesPerShard: 'tsdbMaxBytesPerShard',
};
const SIZE_FIELDS = new Set([
  'blockSize', 'maxChunkBytes', 'maxLineSize', 'ingestionRate', 'ingestionBurst', 'segmentSize', 'maxStructuredMetadataSize',
  'tsdbMaxBytesPerShard',
]);

/** Merges a YAML document (snake_case) onto a config object (camelCase), converting units. */
function merge(target: Record<string, unknown>, source: Json, path: string, problems: string[]): void {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    problems.push(`${path || 'config'}: expected a mapping`);
    return;
  }
  for (const [rawKey, value] of Object.entries(source)) {
    const key = camel(rawKey);
    const where = path ? `${path}.${rawKey}` : rawKey;
    try {
      // The ruler reads its own section, under Loki's names (actors/ruler/config.ts).
      if (path === '' && key === 'ruler') {
        target['ruler'] = rulerConfigFromYaml(value, target['ruler'] as RulerConfig);
        continue;
      }
      if (key === 'retentionStream') {
        target['retentionStream'] = retentionStreamFromYaml(value, where);
        continue;
      }
      if (DURATION_FIELDS.has(key)) {
        target[RENAMED[key] ?? `${key}Ms`] = parseDurationMs(value, where);
      } else if (SIZE_FIELDS.has(key)) {
        target[RENAMED[key]!] = parseBytes(value, where);
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const nested = (target[key] ?? {}) as Record<string, unknown>;
        target[key] = { ...nested };
        merge(target[key] as Record<string, unknown>, value, where, problems);
      } else {
        const name = RENAMED[key] ?? key;
        if (!(name in target) && !['nats', 's3', 'addr'].includes(name) && path !== 'storage.s3') {
          problems.push(`${where}: unknown setting`);
          continue;
        }
        target[name] = value;
      }
    } catch (error) {
      if (error instanceof RulerError) {
        problems.push(error.message);
        continue;
      }
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
}

/**
 * Loki's `retention_stream: [{ selector, period, priority }]` as RetentionStreamRule objects; the
 * selector and priority are checked by the schema (app/config-schema.ts), the period here.
 */
function retentionStreamFromYaml(value: Json, where: string): unknown {
  if (!Array.isArray(value)) throw new ConfigError(`${where}: expected a list of { selector, period, priority }`);
  return value.map((rule, i) => {
    const at = `${where}[${i}]`;
    if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) throw new ConfigError(`${at}: expected { selector, period, priority }`);
    const unknown = Object.keys(rule).filter((k) => !['selector', 'period', 'priority'].includes(k));
    if (unknown.length > 0) throw new ConfigError(`${at}.${unknown[0]}: unknown setting`);
    if (rule.period === undefined) throw new ConfigError(`${at}.period: missing: how long matching streams are kept`);
    return { selector: rule.selector, periodMs: parseDurationMs(rule.period, `${at}.period`), priority: rule.priority ?? 0 };
  });
}

export interface ConfigFileOptions {
  /** Replace `${VAR}` and `${VAR:-default}` with environment variables first (Loki's `-config.expand-env`). */
  readonly expandEnv?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * `${VAR}` and `${VAR:-default}` replaced from `env`, as Loki's `-config.expand-env` does: an unset
 * variable without a default becomes empty. `$${VAR}` stays a literal `${VAR}`.
 */
export function expandEnv(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, escaped: string, name: string, fallback: string | undefined) => {
    if (escaped === '$') return whole.slice(1);
    const value = env[name];
    return value !== undefined && value !== '' ? value : (fallback ?? '');
  });
}

/** The file merged onto `base`, and every problem found in it (one line each, naming the key). */
export function readConfigFile(
  file: string,
  base: NornConfig = defaultConfig(),
  options: ConfigFileOptions = {},
): { config: NornConfig; problems: string[]; document: Json } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (options.expandEnv === true) text = expandEnv(text, options.env ?? process.env);
  let document: Json;
  try {
    document = parseYaml(text) as Json;
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const config = structuredClone(base) as unknown as Record<string, unknown>;
  const problems: string[] = [];
  const { overrides, rest } = splitOverrides(document);
  if (rest !== null) merge(config, rest, '', problems);
  if (overrides !== undefined) applyOverrides(config, overrides, problems);
  return { config: config as unknown as NornConfig, problems, document };
}

/** Whether a parsed config file names `path` (YAML keys, e.g. ['ring', 'replication_factor']). */
export function documentHas(document: Json, path: readonly string[]): boolean {
  let node: Json = document;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !(key in node)) return false;
    node = (node as Record<string, Json>)[key]!;
  }
  return true;
}

/** The top-level `overrides:` (Loki's per-tenant limits, keyed by tenant id) apart from the rest. */
function splitOverrides(document: Json): { overrides: Json | undefined; rest: Json } {
  if (document === null || typeof document !== 'object' || Array.isArray(document) || !('overrides' in document)) {
    return { overrides: undefined, rest: document };
  }
  const { overrides, ...rest } = document;
  return { overrides, rest };
}

/**
 * `overrides: { <tenant>: { <limits key>: value } }`: each tenant's limits are the global
 * `limits` with its keys merged on top. Tenant ids are kept as written (never camel-cased).
 */
function applyOverrides(config: Record<string, unknown>, overrides: Json, problems: string[]): void {
  const global = config.limits as Record<string, unknown>;
  const perTenant = mergeTenantOverrides(overrides, () => global, 'overrides', problems);
  config.limits = { ...global, overrides: perTenant };
}

/**
 * A YAML `overrides:` mapping read as complete per-tenant limits: each tenant's keys merged onto
 * `baseOf(tenant)`, units converted, unknown keys reported in `problems` under `where.<tenant>`.
 * The runtime overrides file (app/runtime-config.ts) reads its tenants through this too.
 */
export function mergeTenantOverrides(
  overrides: unknown,
  baseOf: (tenant: string) => object,
  where: string,
  problems: string[],
): Record<string, LimitsConfig> {
  const perTenant: Record<string, LimitsConfig> = {};
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    problems.push(`${where}: expected a mapping of tenant ids to limits`);
    return perTenant;
  }
  for (const [tenant, limits] of Object.entries(overrides as Record<string, Json>)) {
    const merged = structuredClone(baseOf(tenant)) as Record<string, unknown>;
    delete merged.overrides;
    // `tenant: {}` or `tenant:` (null) leaves the tenant on its base limits, as Loki.
    if (limits !== null) merge(merged, limits, `${where}.${tenant}`, problems);
    perTenant[tenant] = merged as unknown as LimitsConfig;
  }
  return perTenant;
}

export function loadConfigFile(file: string, base: NornConfig = defaultConfig(), options: ConfigFileOptions = {}): NornConfig {
  const { config, problems } = readConfigFile(file, base, options);
  if (problems.length > 0) throw new ConfigError(`invalid configuration in ${file}:\n  ${problems.join('\n  ')}`);
  return config;
}
