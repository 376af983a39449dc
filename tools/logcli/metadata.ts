// `norn labels`, `norn series`, `norn stats`, `norn volume`: Loki's metadata and index routes.

import type { LokiClient } from './client.js';
import type { TimeRange } from './flags.js';
import type { Io } from './io.js';
import { labelString, type LabelSet } from './labels.js';
import { table, type OutputMode } from './output.js';

interface DataResponse<T> {
  readonly status: string;
  readonly data: T;
}

const range = (r: TimeRange): Record<string, string> => ({ start: String(r.startNs), end: String(r.endNs) });

export async function runLabels(client: LokiClient, name: string | undefined, r: TimeRange, quiet: boolean, io: Io): Promise<void> {
  const path = name === undefined ? 'loki/api/v1/labels' : `loki/api/v1/label/${encodeURIComponent(name)}/values`;
  if (!quiet) io.err(`${client.url(path, range(r)).toString()}\n`);
  const response = await client.get<DataResponse<string[] | null>>(path, range(r));
  for (const value of response.data ?? []) io.out(`${value}\n`);
}

export async function runSeries(client: LokiClient, matchers: readonly string[], r: TimeRange, analyze: boolean, quiet: boolean, io: Io): Promise<void> {
  const url = client.url('loki/api/v1/series', range(r));
  for (const matcher of matchers) url.searchParams.append('match[]', matcher);
  if (!quiet) io.err(`${url.toString()}\n`);
  // `match[]` may repeat: send the query string as built.
  const response = await client.get<DataResponse<LabelSet[] | null>>(`loki/api/v1/series?${url.searchParams.toString()}`, {});
  const series = response.data ?? [];
  if (!analyze) {
    for (const labels of series) io.out(`${labelString(labels)}\n`);
    return;
  }
  const values = new Map<string, Set<string>>();
  const found = new Map<string, number>();
  for (const labels of series) {
    for (const [name, value] of Object.entries(labels)) {
      if (!values.has(name)) values.set(name, new Set());
      values.get(name)!.add(value);
      found.set(name, (found.get(name) ?? 0) + 1);
    }
  }
  io.out(`Total Streams:  ${series.length}\nUnique Labels:  ${values.size}\n\n`);
  const rows = [...values].sort((a, b) => b[1].size - a[1].size || a[0].localeCompare(b[0])).map(([name, set]) => [name, String(set.size), String(found.get(name))]);
  io.out(table(['Label Name', 'Unique Values', 'Found In Streams'], rows));
}

export interface IndexStats {
  readonly streams: number;
  readonly chunks: number;
  readonly bytes: number;
  readonly entries: number;
}

export async function runStats(client: LokiClient, query: string, r: TimeRange, mode: OutputMode, quiet: boolean, io: Io): Promise<void> {
  const params = { query, ...range(r) };
  if (!quiet) io.err(`${client.url('loki/api/v1/index/stats', params).toString()}\n`);
  const stats = await client.get<IndexStats>('loki/api/v1/index/stats', params);
  if (mode !== 'default') {
    io.out(`${JSON.stringify(stats)}\n`);
    return;
  }
  io.out(`{\n  bytes: ${humanBytes(stats.bytes)}\n  chunks: ${stats.chunks}\n  streams: ${stats.streams}\n  entries: ${stats.entries}\n}\n`);
}

export interface VolumeQuery {
  readonly query: string;
  readonly limit: number;
  readonly targetLabels: readonly string[];
  readonly aggregateBy?: string;
}

export async function runVolume(client: LokiClient, volume: VolumeQuery, r: TimeRange, mode: OutputMode, quiet: boolean, io: Io): Promise<void> {
  const params = {
    query: volume.query,
    ...range(r),
    limit: String(volume.limit),
    ...(volume.targetLabels.length > 0 ? { targetLabels: volume.targetLabels.join(',') } : {}),
    ...(volume.aggregateBy !== undefined ? { aggregateBy: volume.aggregateBy } : {}),
  };
  if (!quiet) io.err(`${client.url('loki/api/v1/index/volume', params).toString()}\n`);
  const response = await client.get<DataResponse<{ resultType: string; result: Array<{ metric: LabelSet; value: [number, string] }> }>>('loki/api/v1/index/volume', params);
  const result = response.data.result;
  if (mode === 'raw') {
    io.out(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  if (mode === 'jsonl') {
    for (const sample of result) io.out(`${JSON.stringify({ metric: sample.metric, bytes: Number(sample.value[1]) })}\n`);
    return;
  }
  io.out(table(['LABELS', 'BYTES', 'SIZE'], result.map((s) => [labelString(s.metric), s.value[1], humanBytes(Number(s.value[1]))])));
}

/** Bytes the way Loki's stats print them: powers of 1000, e.g. 1.2kB, 34MB. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes}B` : `${value.toFixed(value < 10 ? 1 : 0)}${units[unit]}`;
}
