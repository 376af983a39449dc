// logcli's flags and environment. Each command takes the connection flags, most take the time
// range ones, the query commands the output ones. Flags win over LOKI_* variables.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ClientOptions } from './client.js';
import { UsageError } from './errors.js';
import { OUTPUT_MODES, type OutputMode } from './output.js';
import { nowNs, parseDuration, parseTime } from './time.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export const CONNECTION_OPTIONS: Options = {
  addr: { type: 'string' },
  'org-id': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'bearer-token': { type: 'string' },
  'bearer-token-file': { type: 'string' },
  'tls-skip-verify': { type: 'boolean' },
  timeout: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
};

export const RANGE_OPTIONS: Options = {
  since: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
};

export const OUTPUT_OPTIONS: Options = {
  output: { type: 'string', short: 'o' },
  'no-labels': { type: 'boolean' },
  'include-label': { type: 'string', multiple: true },
  'exclude-label': { type: 'string', multiple: true },
  timezone: { type: 'string', short: 'z' },
};

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Parsed {
  readonly values: Values;
  readonly positionals: string[];
}

export function parseFlags(command: string, argv: readonly string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (cause) {
    throw new UsageError(`${(cause as Error).message.replace(/\. To specify a positional.*$/s, '')}`, { cause });
  }
}

const str = (values: Values, name: string): string | undefined => values[name] as string | undefined;

export function clientOptions(values: Values, env: NodeJS.ProcessEnv): ClientOptions {
  const pick = (flag: string, variable: string): string | undefined => str(values, flag) ?? (env[variable] === '' ? undefined : env[variable]);
  const timeout = str(values, 'timeout');
  return {
    addr: pick('addr', 'LOKI_ADDR') ?? 'http://localhost:3100',
    orgId: pick('org-id', 'LOKI_ORG_ID'),
    username: pick('username', 'LOKI_USERNAME'),
    password: pick('password', 'LOKI_PASSWORD'),
    bearerToken: pick('bearer-token', 'LOKI_BEARER_TOKEN'),
    bearerTokenFile: pick('bearer-token-file', 'LOKI_BEARER_TOKEN_FILE'),
    tlsSkipVerify: values['tls-skip-verify'] === true || ['1', 'true'].includes(env['LOKI_TLS_SKIP_VERIFY'] ?? ''),
    ...(timeout !== undefined ? { timeoutMs: Number(parseDuration(timeout, '--timeout') / 1_000_000n) } : {}),
  } as ClientOptions;
}

export interface TimeRange {
  readonly startNs: bigint;
  readonly endNs: bigint;
}

/** --from/--to win over --since (default 1h): the range is [to - since, to), or [from, to). */
export function timeRange(values: Values, now = nowNs()): TimeRange {
  const to = str(values, 'to');
  const from = str(values, 'from');
  const since = str(values, 'since');
  const endNs = to !== undefined ? parseTime(to, '--to') : now;
  const startNs = from !== undefined ? parseTime(from, '--from') : endNs - parseDuration(since ?? '1h', '--since');
  if (startNs > endNs) throw new UsageError('--from must not be after --to');
  return { startNs, endNs };
}

export function outputMode(values: Values): OutputMode {
  const mode = str(values, 'output') ?? 'default';
  if (!OUTPUT_MODES.includes(mode as OutputMode)) throw new UsageError(`--output: expected one of ${OUTPUT_MODES.join(', ')}, got ${JSON.stringify(mode)}`);
  return mode as OutputMode;
}

export function utcOutput(values: Values, env: NodeJS.ProcessEnv): boolean {
  const zone = str(values, 'timezone') ?? 'Local';
  if (!['local', 'utc'].includes(zone.toLowerCase())) throw new UsageError(`--timezone: expected Local or UTC, got ${JSON.stringify(zone)}`);
  return zone.toLowerCase() === 'utc' || env['TZ'] === 'UTC';
}

export function positiveInt(values: Values, name: string, fallback: number): number {
  const text = str(values, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name}: expected a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function list(values: Values, name: string): string[] {
  return ((values[name] as string[] | undefined) ?? []).flatMap((item) => item.split(',')).filter((item) => item !== '');
}
