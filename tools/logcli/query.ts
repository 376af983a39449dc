// `norn query`: a range query. Log queries are fetched in batches of --batch entries until
// --limit is reached, each batch starting where the last one ended, so a large --limit never
// asks the server for more than a batch at once; metric queries print one table.

import { painter } from './colour.js';
import type { LokiClient } from './client.js';
import { RequestError } from './errors.js';
import type { Io } from './io.js';
import { commonLabels, labelString } from './labels.js';
import { EntryPrinter, printMetric, type Entry, type OutputMode } from './output.js';
import { entriesOf, entryKey, type StreamsResult } from './streams.js';

export interface QueryResponse {
  readonly status: string;
  readonly data: { readonly resultType: string; readonly result: unknown };
}

export interface RangeQuery {
  readonly query: string;
  readonly startNs: bigint;
  readonly endNs: bigint;
  /** Total entries wanted; 0 for no limit. */
  readonly limit: number;
  readonly batch: number;
  readonly forward: boolean;
  readonly step?: string;
  readonly interval?: string;
}

export interface PrintOptions {
  readonly mode: OutputMode;
  readonly quiet: boolean;
  readonly noLabels: boolean;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly utc: boolean;
}

export function entryPrinter(print: PrintOptions, io: Io): EntryPrinter {
  return new EntryPrinter(
    { mode: print.mode, noLabels: print.noLabels, filter: { include: print.include, exclude: print.exclude }, utc: print.utc, paint: painter(io.stdoutTTY, io.env) },
    io.out,
  );
}

export async function runRangeQuery(client: LokiClient, query: RangeQuery, print: PrintOptions, io: Io): Promise<void> {
  const printer = entryPrinter(print, io);
  const progress = io.stderrTTY && !print.quiet;
  let { startNs, endNs } = query;
  let remaining = query.limit === 0 ? Number.POSITIVE_INFINITY : query.limit;
  let boundary = new Set<string>();
  let common: Record<string, string> | undefined;
  let fetched = 0;
  let batches = 0;
  for (;;) {
    // Entries already printed at the boundary timestamp come back again: ask for that many more.
    const size = Math.min(query.batch, remaining) + boundary.size;
    const params = {
      query: query.query,
      start: String(startNs),
      end: String(endNs),
      limit: String(size),
      direction: query.forward ? 'forward' : 'backward',
      step: query.step,
      interval: query.interval,
    };
    if (batches === 0 && !print.quiet) io.err(`${client.url('loki/api/v1/query_range', params).toString()}\n`);
    const response = await client.get<QueryResponse>('loki/api/v1/query_range', params);
    batches++;
    if (response.status !== 'success') throw new RequestError(`query_range answered status ${JSON.stringify(response.status)}`);
    const { resultType, result } = response.data;
    if (resultType !== 'streams') {
      printMetric(resultType, result, print.mode, print.utc, io.out);
      return;
    }
    const streams = result as StreamsResult[];
    if (common === undefined) {
      common = commonLabels(streams.map((s) => s.stream));
      if (!print.quiet && print.mode === 'default' && Object.keys(common).length > 0) io.err(`Common labels: ${labelString(common)}\n`);
    }
    const page = entriesOf(streams, query.forward);
    const fresh = page.filter((entry) => !boundary.has(entryKey(entry))).slice(0, remaining);
    printer.print(fresh, common);
    fetched += fresh.length;
    remaining -= fresh.length;
    if (progress && batches > 1) io.err(`\r\u001b[Kfetched ${fetched} entries in ${batches} batches...`);
    if (page.length < size || remaining <= 0 || fresh.length === 0) break;
    const last = page[page.length - 1]!.tsNs;
    const atLast = (entry: Entry): boolean => entry.tsNs === last;
    // The next batch starts at the last timestamp again (entries may share it): what was
    // already printed at that timestamp is skipped by key.
    const carried = page.filter(atLast).map(entryKey);
    boundary = last === (query.forward ? startNs : endNs - 1n) ? new Set([...boundary, ...carried]) : new Set(carried);
    if (query.forward) startNs = last;
    else endNs = last + 1n;
  }
  if (progress && batches > 1) io.err(`\r\u001b[Kfetched ${fetched} entries in ${batches} batches\n`);
}

export interface InstantQuery {
  readonly query: string;
  readonly timeNs: bigint;
  readonly limit: number;
  readonly forward: boolean;
}

export async function runInstantQuery(client: LokiClient, query: InstantQuery, print: PrintOptions, io: Io): Promise<void> {
  const params = { query: query.query, time: String(query.timeNs), limit: String(query.limit), direction: query.forward ? 'forward' : 'backward' };
  if (!print.quiet) io.err(`${client.url('loki/api/v1/query', params).toString()}\n`);
  const response = await client.get<QueryResponse>('loki/api/v1/query', params);
  const { resultType, result } = response.data;
  if (resultType !== 'streams') {
    printMetric(resultType, result, print.mode, print.utc, io.out);
    return;
  }
  const streams = result as StreamsResult[];
  const common = commonLabels(streams.map((s) => s.stream));
  if (!print.quiet && print.mode === 'default' && Object.keys(common).length > 0) io.err(`Common labels: ${labelString(common)}\n`);
  entryPrinter(print, io).print(entriesOf(streams, query.forward), common);
}
