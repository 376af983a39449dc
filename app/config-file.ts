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
import { defaultConfig, type NornConfig } from './config.js';

export class ConfigError extends Error {
  readonly code = 'CONFIG';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
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
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/.exec(rest);
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
  'checkpointInterval', 'indexCache',
]);
const RENAMED: Record<string, string> = {
  flushCheckPeriod: 'flushCheckMs', heartbeatPeriod: 'heartbeatMs', checkpointInterval: 'checkpointMs',
  maxChunkBytes: 'targetChunkBytes', blockSize: 'blockSizeBytes', maxLineSize: 'maxLineSizeBytes',
  ingestionRate: 'ingestionRateBytes', ingestionBurst: 'ingestionBurstBytes', segmentSize: 'segmentBytes',
};
const SIZE_FIELDS = new Set(['blockSize', 'maxChunkBytes', 'maxLineSize', 'ingestionRate', 'ingestionBurst', 'segmentSize']);

/** Merges a YAML document (snake_case) onto a config object (camelCase), converting units. */
function merge(target: Record<string, unknown>, source: Json, path: string): void {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) {
    throw new ConfigError(`${path || 'config'}: expected a mapping`);
  }
  for (const [rawKey, value] of Object.entries(source)) {
    const key = camel(rawKey);
    const where = path ? `${path}.${rawKey}` : rawKey;
    if (DURATION_FIELDS.has(key)) {
      target[RENAMED[key] ?? `${key}Ms`] = parseDurationMs(value, where);
    } else if (SIZE_FIELDS.has(key)) {
      target[RENAMED[key]!] = parseBytes(value, where);
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const nested = (target[key] ?? {}) as Record<string, unknown>;
      target[key] = { ...nested };
      merge(target[key] as Record<string, unknown>, value, where);
    } else {
      const name = RENAMED[key] ?? key;
      if (!(name in target) && !['nats', 's3', 'addr'].includes(name) && path !== 'storage.s3') {
        throw new ConfigError(`${where}: unknown setting`);
      }
      target[name] = value;
    }
  }
}

export function loadConfigFile(file: string, base: NornConfig = defaultConfig()): NornConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`, { cause: error });
  }
  let document: Json;
  try {
    document = parseYaml(text) as Json;
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const config = structuredClone(base) as unknown as Record<string, unknown>;
  if (document !== null) merge(config, document, '');
  return config as unknown as NornConfig;
}
