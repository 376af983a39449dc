// The query commands' entry point: flags to a client and a request, errors to exit codes.

import { formatQuery } from '../../logql/format.js';
import { LokiClient } from './client.js';
import { RequestError, ServerError, UsageError } from './errors.js';
import {
  CONNECTION_OPTIONS, OUTPUT_OPTIONS, RANGE_OPTIONS, clientOptions, list, outputMode, parseFlags, positiveInt, timeRange, utcOutput, type Values,
} from './flags.js';
import { FMT_HELP, INSTANT_QUERY_HELP, LABELS_HELP, QUERY_HELP, SERIES_HELP, STATS_HELP, VOLUME_HELP } from './help.js';
import type { Io } from './io.js';
import { runLabels, runSeries, runStats, runVolume } from './metadata.js';
import { runInstantQuery, runRangeQuery, type PrintOptions } from './query.js';
import { runTail } from './tail.js';
import { nowNs, parseDuration, parseTime } from './time.js';

export const QUERY_COMMANDS = ['query', 'instant-query', 'labels', 'series', 'stats', 'volume', 'fmt'] as const;
export type QueryCommand = (typeof QUERY_COMMANDS)[number];

export const isQueryCommand = (name: string): name is QueryCommand => (QUERY_COMMANDS as readonly string[]).includes(name);

const HELP: Record<QueryCommand, string> = {
  query: QUERY_HELP,
  'instant-query': INSTANT_QUERY_HELP,
  labels: LABELS_HELP,
  series: SERIES_HELP,
  stats: STATS_HELP,
  volume: VOLUME_HELP,
  fmt: FMT_HELP,
};

const OPTIONS = {
  query: {
    ...CONNECTION_OPTIONS, ...RANGE_OPTIONS, ...OUTPUT_OPTIONS,
    limit: { type: 'string' }, batch: { type: 'string' }, forward: { type: 'boolean' }, step: { type: 'string' },
    interval: { type: 'string' }, tail: { type: 'boolean', short: 'f' }, 'delay-for': { type: 'string' },
  },
  'instant-query': { ...CONNECTION_OPTIONS, ...OUTPUT_OPTIONS, now: { type: 'string' }, limit: { type: 'string' }, forward: { type: 'boolean' } },
  labels: { ...CONNECTION_OPTIONS, ...RANGE_OPTIONS },
  series: { ...CONNECTION_OPTIONS, ...RANGE_OPTIONS, 'analyze-labels': { type: 'boolean' } },
  stats: { ...CONNECTION_OPTIONS, ...RANGE_OPTIONS, output: OUTPUT_OPTIONS['output']! },
  volume: {
    ...CONNECTION_OPTIONS, ...RANGE_OPTIONS, output: OUTPUT_OPTIONS['output']!,
    limit: { type: 'string' }, targetLabels: { type: 'string' }, aggregateBy: { type: 'string' },
  },
  fmt: { help: { type: 'boolean', short: 'h' } },
} as const;

/** Runs one query command; resolves to the exit code (0, 1 failed, 2 usage). */
export async function runQueryCommand(command: QueryCommand, argv: readonly string[], io: Io): Promise<number> {
  try {
    const { values, positionals } = parseFlags(command, argv, OPTIONS[command]);
    if (values['help'] === true) {
      io.out(HELP[command]);
      return 0;
    }
    await dispatch(command, values, positionals, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`norn ${command}: ${error.message}\nRun "norn ${command} --help" for usage.\n`);
      return 2;
    }
    if (error instanceof ServerError) {
      io.err(`Query failed: ${error.message}\n`);
      return 1;
    }
    if (error instanceof RequestError || error instanceof Error) {
      io.err(`norn ${command}: ${error.message}\n`);
      return 1;
    }
    io.err(`norn ${command}: ${String(error)}\n`);
    return 1;
  }
}

function onePositional(positionals: readonly string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? `expected ${what}` : `expected one ${what}, got ${positionals.length} arguments (quote the query)`);
  return positionals[0]!;
}

function printOptions(values: Values, io: Io): PrintOptions {
  return {
    mode: outputMode(values),
    quiet: values['quiet'] === true,
    noLabels: values['no-labels'] === true,
    include: list(values, 'include-label'),
    exclude: list(values, 'exclude-label'),
    utc: utcOutput(values, io.env),
  };
}

async function dispatch(command: QueryCommand, values: Values, positionals: string[], io: Io): Promise<void> {
  if (command === 'fmt') {
    const text = positionals.length > 0 ? positionals.join(' ') : await io.readStdin();
    if (text.trim() === '') throw new UsageError('expected a query (as an argument or on stdin)');
    try {
      io.out(`${formatQuery(text.trim())}\n`);
    } catch (error) {
      throw new RequestError((error as Error).message, { cause: error });
    }
    return;
  }
  const quiet = values['quiet'] === true;
  // Validate every flag before the first request, so a usage error never half-runs.
  const client = new LokiClient(clientOptions(values, io.env));
  switch (command) {
    case 'query': {
      const query = onePositional(positionals, 'a LogQL query');
      const print = printOptions(values, io);
      const limit = positiveInt(values, 'limit', 30);
      if (values['tail'] === true) {
        const delay = positiveInt(values, 'delay-for', 0);
        const since = values['from'] !== undefined ? parseTime(values['from'] as string, '--from') : nowNs() - parseDuration((values['since'] as string | undefined) ?? '1h', '--since');
        await runTail(client, { query, startNs: since, limit, delayForSeconds: delay }, print, io);
        return;
      }
      const batch = positiveInt(values, 'batch', 1000);
      if (batch === 0) throw new UsageError('--batch must be at least 1');
      const step = values['step'] as string | undefined;
      const interval = values['interval'] as string | undefined;
      if (step !== undefined) parseDuration(step, '--step');
      if (interval !== undefined) parseDuration(interval, '--interval');
      const { startNs, endNs } = timeRange(values);
      await runRangeQuery(client, { query, startNs, endNs, limit, batch, forward: values['forward'] === true, step, interval }, print, io);
      return;
    }
    case 'instant-query': {
      const query = onePositional(positionals, 'a LogQL query');
      const print = printOptions(values, io);
      const now = values['now'] as string | undefined;
      const timeNs = now === undefined ? nowNs() : parseTime(now, '--now');
      await runInstantQuery(client, { query, timeNs, limit: positiveInt(values, 'limit', 30), forward: values['forward'] === true }, print, io);
      return;
    }
    case 'labels': {
      if (positionals.length > 1) throw new UsageError(`expected at most one label name, got ${positionals.length}`);
      await runLabels(client, positionals[0], timeRange(values), quiet, io);
      return;
    }
    case 'series': {
      if (positionals.length === 0) throw new UsageError('expected a stream selector, e.g. \'{app="api"}\'');
      await runSeries(client, positionals, timeRange(values), values['analyze-labels'] === true, quiet, io);
      return;
    }
    case 'stats':
      await runStats(client, onePositional(positionals, 'a stream selector'), timeRange(values), outputMode(values), quiet, io);
      return;
    case 'volume': {
      const aggregateBy = values['aggregateBy'] as string | undefined;
      if (aggregateBy !== undefined && !['series', 'labels'].includes(aggregateBy)) throw new UsageError('--aggregateBy: expected series or labels');
      const volume = {
        query: onePositional(positionals, 'a stream selector'),
        limit: positiveInt(values, 'limit', 100),
        targetLabels: list(values, 'targetLabels'),
        ...(aggregateBy !== undefined ? { aggregateBy } : {}),
      };
      await runVolume(client, volume, timeRange(values), outputMode(values), quiet, io);
      return;
    }
  }
}
