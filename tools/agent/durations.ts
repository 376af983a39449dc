// Durations and sizes in the agent's YAML, as Promtail writes them: `1s`, `500ms`, `5m`;
// `1MiB`, `1048576`, `512KB`.

import { AgentConfigError } from './errors.js';

const MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationMs(value: unknown, where: string): number {
  if (typeof value === 'number') return value * 1000;
  if (typeof value !== 'string') throw new AgentConfigError(`${where}: expected a duration such as 1s or 500ms`);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let at = 0;
  while (at < value.length) {
    part.lastIndex = at;
    const match = part.exec(value);
    if (match === null) throw new AgentConfigError(`${where}: invalid duration ${JSON.stringify(value)}`);
    total += Number(match[1]) * MS[match[2]!]!;
    at = part.lastIndex;
  }
  if (value === '') throw new AgentConfigError(`${where}: empty duration`);
  return total;
}

const SIZE: Record<string, number> = { '': 1, b: 1, kb: 1000, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function sizeBytes(value: unknown, where: string): number {
  if (typeof value === 'number' && value >= 0) return value;
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(value.trim()) : null;
  const unit = match === null ? undefined : SIZE[match[2]!.toLowerCase()];
  if (match === null || unit === undefined) throw new AgentConfigError(`${where}: invalid size ${JSON.stringify(value)} (e.g. 1MiB, 512KB, 1048576)`);
  return Math.round(Number(match[1]) * unit);
}
