// Limits printed under Loki's names, as `/runtime_config` shows them: snake_case keys, durations
// as Prometheus prints them (`30d1h`, `1w`, `0s`), sizes in bytes. What it prints reads back as a
// runtime overrides file (app/runtime-config.ts) and as the config file's `limits:`.

import type { LimitsConfig } from '../core/limits.js';
import { formatPromDuration } from '../core/go/mod.js';
import { yamlKey } from './config-schema.js';

/** Milliseconds as Prometheus prints a duration (`30d1h`, `1w`, `0s`); the config reader takes it back. */
export function durationText(ms: number): string {
  return formatPromDuration(BigInt(Math.round(ms)) * 1_000_000n);
}

/** One tenant's limits under their YAML names, without the `overrides` map. */
export function limitsToYaml(limits: LimitsConfig): Record<string, unknown> {
  const { overrides: _ignored, ...rest } = limits;
  return toYaml(rest) as Record<string, unknown>;
}

function toYaml(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toYaml);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
    if (inner === undefined) continue;
    const key = yamlKey([name]);
    out[key] = name.endsWith('Ms') && typeof inner === 'number' ? durationText(inner) : toYaml(inner);
  }
  return out;
}

/** The keys of `tenant` whose value differs from `base`'s, both as limitsToYaml prints them. */
export function limitsDiff(tenant: LimitsConfig, base: LimitsConfig): Record<string, unknown> {
  const mine = limitsToYaml(tenant);
  const theirs = limitsToYaml(base);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(mine)) {
    if (JSON.stringify(value) !== JSON.stringify(theirs[key])) out[key] = value;
  }
  return out;
}
