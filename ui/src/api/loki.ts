// The UI's only way to the server: Loki's HTTP API, with `X-Scope-OrgID` when a tenant is picked.
// Errors carry Loki's status and its plain-text message, which the UI shows as they are.

import type { BuildInfo, Labels, MatrixSeries, QueryData, RingStatus, StreamResult, VectorSample } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
  }
}

/** Range bounds in Unix nanoseconds, as decimal strings (Loki's own precision). */
export interface NsRange {
  start: string;
  end: string;
}

const API = '/loki/api/v1';
const CATEGORIZE = { 'X-Loki-Response-Encoding-Flags': 'categorize-labels' };

let currentTenant = '';

/** The tenant every later request names; empty for none (single-tenant servers). */
export function setTenant(tenant: string): void {
  currentTenant = tenant.trim();
}

export function tenant(): string {
  return currentTenant;
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return currentTenant === '' ? { ...extra } : { 'X-Scope-OrgID': currentTenant, ...extra };
}

async function request(path: string, params: URLSearchParams | undefined, init: RequestInit = {}): Promise<Response> {
  const url = params === undefined ? path : `${path}?${params.toString()}`;
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { ...headers(), ...(init.headers as Record<string, string> | undefined) } });
  } catch (error) {
    throw new ApiError(0, `cannot reach the server: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) {
    const text = (await response.text().catch(() => '')).trim();
    throw new ApiError(response.status, text === '' ? `${response.status} ${response.statusText}` : text);
  }
  return response;
}

async function getJson<T>(path: string, params?: URLSearchParams, extraHeaders?: Record<string, string>): Promise<T> {
  const response = await request(path, params, extraHeaders === undefined ? {} : { headers: extraHeaders });
  return (await response.json()) as T;
}

function withRange(range: NsRange | undefined, entries: Record<string, string | undefined> = {}): URLSearchParams {
  const params = new URLSearchParams();
  if (range !== undefined) {
    params.set('start', range.start);
    params.set('end', range.end);
  }
  for (const [key, value] of Object.entries(entries)) if (value !== undefined && value !== '') params.set(key, value);
  return params;
}

export interface RangeQuery {
  query: string;
  range: NsRange;
  limit?: number;
  direction?: 'backward' | 'forward';
  step?: string;
}

export async function queryRange(q: RangeQuery, signal?: AbortSignal): Promise<QueryData> {
  const params = withRange(q.range, {
    query: q.query,
    limit: q.limit === undefined ? undefined : String(q.limit),
    direction: q.direction,
    step: q.step,
  });
  const response = await request(`${API}/query_range`, params, { headers: CATEGORIZE, signal: signal ?? null });
  const body = (await response.json()) as { data: QueryData };
  return body.data;
}

export async function queryInstant(query: string, timeNs: string, limit?: number): Promise<QueryData> {
  const params = withRange(undefined, { query, time: timeNs, limit: limit === undefined ? undefined : String(limit) });
  const body = await getJson<{ data: QueryData }>(`${API}/query`, params, CATEGORIZE);
  return body.data;
}

export async function labelNames(range: NsRange, query?: string): Promise<string[]> {
  const body = await getJson<{ data?: string[] }>(`${API}/labels`, withRange(range, { query }));
  return body.data ?? [];
}

export async function labelValues(name: string, range: NsRange, query?: string): Promise<string[]> {
  const body = await getJson<{ data?: string[] }>(`${API}/label/${encodeURIComponent(name)}/values`, withRange(range, { query }));
  return body.data ?? [];
}

export async function series(match: string, range: NsRange): Promise<Labels[]> {
  const params = withRange(range);
  params.append('match[]', match);
  const body = await getJson<{ data?: Labels[] }>(`${API}/series`, params);
  return body.data ?? [];
}

export async function volume(query: string, range: NsRange, targetLabels: string[]): Promise<VectorSample[]> {
  const body = await getJson<{ data: { result: VectorSample[] } }>(
    `${API}/index/volume`,
    withRange(range, { query, targetLabels: targetLabels.join(','), limit: '1000' }),
  );
  return body.data.result;
}

/** The server's pretty print of a query, or an ApiError whose message is the parse error. */
export async function formatQuery(query: string, signal?: AbortSignal): Promise<string> {
  const response = await request(`${API}/format_query`, new URLSearchParams({ query }), { signal: signal ?? null });
  return ((await response.json()) as { data: string }).data;
}

export async function ring(): Promise<RingStatus> {
  return getJson<RingStatus>('/ring', undefined, { Accept: 'application/json' });
}

export async function buildInfo(): Promise<BuildInfo> {
  return getJson<BuildInfo>(`${API}/status/buildinfo`);
}

export async function ready(): Promise<{ ok: boolean; text: string }> {
  const response = await fetch('/ready', { headers: headers() }).catch(() => undefined);
  if (response === undefined) return { ok: false, text: 'unreachable' };
  return { ok: response.ok, text: (await response.text()).trim() };
}

/** Whether the server wants a tenant: an anonymous labels call answers 401 when `--auth` is on. */
export async function needsTenant(): Promise<boolean> {
  const response = await fetch(`${API}/labels?since=1m`).catch(() => undefined);
  return response?.status === 401;
}

export type { Labels, MatrixSeries, StreamResult };
