// Reads every checked line back through a Loki query API, as a user would: query_range,
// forward, at most `limit` entries a page, the next page starting at the last timestamp seen.
// Nothing is deduplicated here: an entry a query returns twice is counted twice, so the
// checker sees the duplicates a user would see. Only the overlap that paging itself causes
// (entries at the boundary timestamp, which the next page asks for again) is taken out, by count.

import type { ObservedEntry } from './line.js';

export type { ObservedEntry } from './line.js';

export interface ReadBackResult {
  readonly entries: ObservedEntry[];
  readonly pages: number;
  readonly durationMs: number;
}

export interface ReadBackOptions {
  readonly baseUrl: string;
  readonly query: string;
  readonly fromNs: bigint;
  readonly toNs: bigint;
  /** Entries per page (Norn's and Loki's default maximum is 5000). */
  readonly limit?: number;
  readonly timeoutMs?: number;
  /** Sent with every request: the tenant (X-Scope-OrgID), credentials. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The label whose value is an entry's `stream` (default `stream`). */
  readonly streamLabel?: string;
}

interface QueryRangeBody {
  status: string;
  data: { resultType: string; result: Array<{ stream: Record<string, string>; values: Array<[string, string, ...unknown[]]> }> };
}

const keyOf = (entry: ObservedEntry): string => `${entry.stream}\u0000${entry.tsNs}\u0000${entry.line}`;

export async function readBack(options: ReadBackOptions): Promise<ReadBackResult> {
  const limit = options.limit ?? 5000;
  const started = Date.now();
  const entries: ObservedEntry[] = [];
  let start = options.fromNs;
  let pages = 0;
  // Entries at `start` already taken from the previous page, by key, with their counts.
  let carried = new Map<string, number>();

  for (;;) {
    const page = await queryPage(options, start, limit);
    pages++;
    for (const entry of page) {
      const key = keyOf(entry);
      const owed = entry.tsNs === start ? (carried.get(key) ?? 0) : 0;
      if (owed > 0) {
        carried.set(key, owed - 1);
        continue;
      }
      entries.push(entry);
    }
    if (page.length < limit) break;
    const lastTs = page[page.length - 1]!.tsNs;
    if (lastTs === start) {
      throw new Error(`cannot page past ${start}: a whole page of ${limit} entries shares one timestamp`);
    }
    carried = new Map();
    for (const entry of page) {
      if (entry.tsNs === lastTs) carried.set(keyOf(entry), (carried.get(keyOf(entry)) ?? 0) + 1);
    }
    start = lastTs;
  }
  return { entries, pages, durationMs: Date.now() - started };
}

async function queryPage(options: ReadBackOptions, start: bigint, limit: number): Promise<ObservedEntry[]> {
  const params = new URLSearchParams({
    query: options.query,
    start: String(start),
    end: String(options.toNs),
    limit: String(limit),
    direction: 'forward',
  });
  const response = await fetch(`${options.baseUrl}/loki/api/v1/query_range?${params}`, {
    headers: { ...options.headers },
    signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`query_range failed: ${response.status} ${text.slice(0, 500)}`);
  const body = JSON.parse(text) as QueryRangeBody;
  if (body.status !== 'success' || body.data.resultType !== 'streams') {
    throw new Error(`query_range answered ${body.status} with ${body.data?.resultType}`);
  }
  const page: ObservedEntry[] = [];
  for (const series of body.data.result) {
    const stream = series.stream[options.streamLabel ?? 'stream'] ?? '';
    for (const [ts, line] of series.values) page.push({ stream, tsNs: BigInt(ts), line });
  }
  page.sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0));
  return page;
}
