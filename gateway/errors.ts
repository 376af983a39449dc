// Maps any failure to the HTTP status and plain-text body Loki would answer with. Loki writes
// errors with Go's `http.Error` (push) or `serverutil.WriteError` (queries): plain text, never
// JSON, so clients such as Promtail and logcli print them as they are.

import type { FastifyReply } from 'fastify';

export type HttpErrorCode =
  | 'HTTP_BAD_REQUEST'
  | 'HTTP_NO_ORG_ID'
  | 'HTTP_BAD_TENANT'
  | 'HTTP_BODY_TOO_LARGE'
  | 'HTTP_NOT_IMPLEMENTED'
  | 'HTTP_NOT_READY';

/** An error the edge itself raises: bad parameters, bodies, tenants. */
export class HttpError extends Error {
  readonly code: HttpErrorCode;
  readonly status: number;

  constructor(status: number, message: string, code: HttpErrorCode = 'HTTP_BAD_REQUEST', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

export function badRequest(message: string, cause?: unknown): HttpError {
  return new HttpError(400, message, 'HTTP_BAD_REQUEST', cause === undefined ? undefined : { cause });
}

/**
 * Status by stable error code, for errors that carry no `status` of their own. Loki answers a
 * failed or timed-out replication with a 5xx so the client retries; a 503 says so plainly.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  LOGQL_PARSE: 400,
  LOGQL_UNSUPPORTED: 400,
  LOGQL_PIPELINE: 400,
  LOGQL_LIMIT: 400,
  VALIDATION: 400,
  RATE_LIMITED: 429,
  QUORUM_FAILED: 500,
  BUS_TIMEOUT: 503,
  BUS_NO_RESPONDERS: 503,
  BUS_CLOSED: 503,
  BUS_CONNECTION: 503,
  BUS_PAYLOAD: 500,
  KV_CONFLICT: 500,
  KV_ERROR: 500,
  // Node's and fastify's own codes for bodies we could not read.
  FST_ERR_CTP_BODY_TOO_LARGE: 413,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 400,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 400,
  FST_ERR_CTP_EMPTY_JSON_BODY: 400,
  ERR_BUFFER_TOO_LARGE: 413,
  ECONNRESET: 499,
  ABORT_ERR: 499,
};

function isValidStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599;
}

/** The HTTP status for a thrown value: its own `status` (400-599) wins, then its `code`, else 500. */
export function statusOf(error: unknown): number {
  if (typeof error !== 'object' || error === null) return 500;
  const candidate = error as { status?: unknown; statusCode?: unknown; remoteStatus?: unknown; code?: unknown; name?: unknown };
  if (isValidStatus(candidate.status)) return candidate.status;
  // A coded error that crossed the bus keeps the status its thrower gave it.
  if (isValidStatus(candidate.remoteStatus)) return candidate.remoteStatus;
  if (typeof candidate.code === 'string') {
    const byCode = STATUS_BY_CODE[candidate.code];
    if (byCode !== undefined) return byCode;
  }
  if (isValidStatus(candidate.statusCode)) return candidate.statusCode;
  if (candidate.name === 'AbortError') return 499;
  return 500;
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return 'internal error';
}

/**
 * Writes Loki's plain-text error. `trailingNewline` reproduces Go's `http.Error` (push, ready)
 * as opposed to `serverutil.WriteError` (queries), which writes the message alone.
 */
export function sendPlainError(reply: FastifyReply, status: number, message: string, trailingNewline: boolean): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/plain; charset=utf-8')
    .header('x-content-type-options', 'nosniff')
    .send(trailingNewline ? message + '\n' : message);
}
