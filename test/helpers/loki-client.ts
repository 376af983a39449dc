// A small Loki HTTP client for tests: pushes JSON and reads back through the query API.

export interface PushedStream {
  readonly stream: Record<string, string>;
  readonly values: Array<[string, string] | [string, string, Record<string, string>]>;
}

export interface LokiStreamResult {
  stream: Record<string, string>;
  values: Array<[string, string] | [string, string, Record<string, unknown>]>;
}

export class LokiClient {
  constructor(
    readonly baseUrl: string,
    private readonly tenant?: string,
  ) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.tenant !== undefined ? { 'X-Scope-OrgID': this.tenant } : {}), ...extra };
  }

  async pushRaw(body: string | Uint8Array, contentType = 'application/json', extra: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}/loki/api/v1/push`, {
      method: 'POST',
      headers: this.headers({ 'Content-Type': contentType, ...extra }),
      body,
    });
  }

  async push(streams: PushedStream[]): Promise<void> {
    const response = await this.pushRaw(JSON.stringify({ streams }));
    if (response.status !== 204) throw new Error(`push failed: ${response.status} ${await response.text()}`);
  }

  async get(path: string, params: Record<string, string | string[]> = {}): Promise<Response> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const item of Array.isArray(value) ? value : [value]) search.append(key, item);
    }
    return fetch(`${this.baseUrl}${path}?${search}`, { headers: this.headers() });
  }

  async getJson<T = unknown>(path: string, params: Record<string, string | string[]> = {}): Promise<T> {
    const response = await this.get(path, params);
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${path} failed: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async queryRange(query: string, params: Record<string, string> = {}): Promise<{ status: string; data: { resultType: string; result: LokiStreamResult[]; stats: unknown } }> {
    return this.getJson('/loki/api/v1/query_range', { query, limit: '5000', since: '6h', ...params });
  }

  /** All lines a log query returns, oldest first. */
  async lines(query: string, params: Record<string, string> = {}): Promise<string[]> {
    const body = await this.queryRange(query, { direction: 'forward', ...params });
    const entries: Array<[bigint, string]> = [];
    for (const stream of body.data.result) for (const [ts, line] of stream.values) entries.push([BigInt(ts), line]);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return entries.map(([, line]) => line);
  }

  /** Polls until `predicate` holds for the query's lines (pushes from clients arrive asynchronously). */
  async waitForLines(query: string, predicate: (lines: string[]) => boolean, timeoutMs = 15_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let lines: string[] = [];
    while (Date.now() < deadline) {
      lines = await this.lines(query);
      if (predicate(lines)) return lines;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${query}; last saw ${lines.length} lines`);
  }
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
