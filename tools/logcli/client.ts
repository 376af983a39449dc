// An HTTP client of Loki's query API, as logcli is: the address, the tenant header and the
// credentials come from flags or LOKI_* variables, and every answer is Loki's JSON. Nothing
// here knows Norn: it works against any Loki.

import { readFileSync } from 'node:fs';
import { RequestError, ServerError, UsageError } from './errors.js';

export interface ClientOptions {
  /** Base URL, e.g. http://localhost:3100 (a path prefix is kept). */
  readonly addr: string;
  readonly orgId?: string;
  readonly username?: string;
  readonly password?: string;
  readonly bearerToken?: string;
  readonly bearerTokenFile?: string;
  readonly tlsSkipVerify?: boolean;
  readonly timeoutMs?: number;
}

export class LokiClient {
  readonly base: URL;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: ClientOptions) {
    try {
      this.base = new URL(options.addr.endsWith('/') ? options.addr : `${options.addr}/`);
    } catch (cause) {
      throw new UsageError(`--addr: not a URL: ${JSON.stringify(options.addr)}`, { cause });
    }
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new UsageError(`--addr: expected http:// or https://, got ${options.addr}`);
    this.headers = { 'User-Agent': 'norn-logcli' };
    if (options.orgId !== undefined && options.orgId !== '') this.headers['X-Scope-OrgID'] = options.orgId;
    const token = options.bearerToken ?? (options.bearerTokenFile !== undefined ? readToken(options.bearerTokenFile) : undefined);
    if (token !== undefined && token !== '') {
      if (options.username !== undefined) throw new UsageError('at most one of --username/--password and --bearer-token may be given');
      this.headers['Authorization'] = `Bearer ${token}`;
    } else if (options.username !== undefined || options.password !== undefined) {
      this.headers['Authorization'] = `Basic ${Buffer.from(`${options.username ?? ''}:${options.password ?? ''}`).toString('base64')}`;
    }
    // Node's fetch takes no per-request TLS options; the process is a one-shot CLI, so turning
    // verification off process-wide is what the flag asks for.
    if (options.tlsSkipVerify === true) process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  url(path: string, params: Record<string, string | undefined> = {}): URL {
    const url = new URL(path.replace(/^\//, ''), this.base);
    for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
    return url;
  }

  /** Headers for a websocket upgrade (the tail endpoint) as for any request. */
  requestHeaders(): Record<string, string> {
    return { ...this.headers };
  }

  /** GET path?params and parse Loki's JSON answer; a non-2xx answer is a ServerError. */
  async get<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T> {
    const url = this.url(path, params);
    let response: Response;
    try {
      response = await fetch(url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (cause) {
      const reason = cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : (cause as Error).message;
      throw new RequestError(`cannot reach ${url.origin}: ${reason}`, { cause });
    }
    const text = await response.text();
    if (!response.ok) throw new ServerError(response.status, text, url.toString());
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new RequestError(`${url.pathname}: the answer is not JSON: ${text.slice(0, 200)}`, { cause });
    }
  }
}

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (cause) {
    throw new UsageError(`--bearer-token-file: cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}
