// Maps any failure to the HTTP status and plain-text body Loki would answer with. Loki writes
// errors with Go's `http.Error` (push) or `serverutil.WriteError` (queries): plain text, never
// JSON, so clients such as Promtail and logcli print them as they are.

import type { FastifyReply } from 'fastify';
import { NornError } from '../core/errors.js';

export type HttpErrorCode =
  | 'HTTP_BAD_REQUEST' | 'HTTP_NO_ORG_ID' | 'HTTP_BAD_TENANT' | 'HTTP_BODY_TOO_LARGE' | 'HTTP_NOT_IMPLEMENTED' | 'HTTP_UNSUPPORTED_MEDIA_TYPE';

/** An error the edge itself raises: bad parameters, bodies, tenants. */
export class HttpError extends NornError {
  declare readonly code: HttpErrorCode;

  constructor(code: HttpErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export function badRequest(message: string, cause?: unknown): HttpError {
  return new HttpError('HTTP_BAD_REQUEST', message, cause === undefined ? undefined : { cause });
}

/**
 * What fastify and Node throw on their own, by their codes: bodies fastify would not read (Loki
 * answers a wrong media type with a 400, not fastify's 415), and clients that went away (499, the
 * status Loki logs for a request its client cancelled).
 */
const PLATFORM_STATUS: Readonly<Record<string, number>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 413,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 400,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 400,
  FST_ERR_CTP_EMPTY_JSON_BODY: 400,
  ERR_BUFFER_TOO_LARGE: 413,
  ECONNRESET: 499,
  ABORT_ERR: 499,
};

function isErrorStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599;
}

/**
 * The HTTP status for anything a handler throws, and the only place the edge decides one: a
 * NornError answers with the status its code means (a RemoteError with its remote code's); a
 * fastify or Node error by its code; any other foreign error with the 4xx/5xx `statusCode` its
 * library gave it (fastify's and http-errors' convention); an aborted request with 499; anything
 * else with a 500.
 */
/**
 * A stack overflow while parsing or compiling what a client sent (20,000 parentheses, `sum(`
 * 5,000 deep, `(x{1000}){1000}`): the input's fault, answered 400 as Loki answers it, and the
 * process goes on serving.
 */
function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && error.message.includes('Maximum call stack size exceeded');
}

export function statusOf(error: unknown): number {
  if (error instanceof NornError) return error.status;
  if (isStackOverflow(error)) return 400;
  if (typeof error !== 'object' || error === null) return 500;
  const { code, statusCode, name } = error as { code?: unknown; statusCode?: unknown; name?: unknown };
  if (typeof code === 'string' && Object.hasOwn(PLATFORM_STATUS, code)) return PLATFORM_STATUS[code]!;
  if (isErrorStatus(statusCode)) return statusCode;
  if (name === 'AbortError') return 499;
  return 500;
}

export function messageOf(error: unknown): string {
  if (isStackOverflow(error)) return 'parse error : the query is nested too deeply or too complex to evaluate';
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
