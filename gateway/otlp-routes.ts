// `POST /otlp/v1/logs`: OTLP/HTTP log ingest, what an OpenTelemetry Collector's `otlphttp`
// exporter or an SDK's OTLP exporter sends (endpoint `http://norn:3100/otlp`). Bodies are
// protobuf (`application/x-protobuf`) or JSON (`application/json`), gzip or not; answers follow
// OTLP/HTTP: 200 with an `ExportLogsServiceResponse` (a `partial_success` when some records were
// refused), and on failure a `google.rpc.Status` in the request's encoding, with 429 / 503 and
// `Retry-After` for what a client should retry, 400 for what it must not.

import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { countLogRecords, type OtlpLogsRequest } from '../actors/distributor/otlp-api.js';
import { NornError } from '../core/errors.js';
import type { HttpDeps } from './deps.js';
import { HttpError, messageOf, statusOf } from './errors.js';
import { OtlpJsonError, decodeOtlpLogsJson } from './otlp/json.js';
import { decodeOtlpLogsProto, encodeExportResponseProto, encodeStatusProto } from './otlp/proto.js';
import { singleTenant } from './tenant.js';

export const OTLP_LOGS_PATH = '/otlp/v1/logs';

const gunzipAsync = promisify(gunzip);
const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
/** Seconds a client is told to wait before retrying a throttled or unavailable push. */
const RETRY_AFTER_SECONDS = '1';

// google.rpc.Code values.
const CODE_INVALID_ARGUMENT = 3;
const CODE_RESOURCE_EXHAUSTED = 8;
const CODE_UNAVAILABLE = 14;
const CODE_UNAUTHENTICATED = 16;

type Encoding = 'proto' | 'json';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The body's encoding by Content-Type; JSON when the type cannot be told, for the error body. */
function encodingOf(request: FastifyRequest): Encoding | undefined {
  const type = (header(request, 'content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type === PROTOBUF) return 'proto';
  if (type === JSON_TYPE) return 'json';
  return undefined;
}

function sendStatus(reply: FastifyReply, encoding: Encoding, httpStatus: number, message: string): FastifyReply {
  let code = CODE_INVALID_ARGUMENT;
  if (httpStatus === 401) code = CODE_UNAUTHENTICATED;
  else if (httpStatus === 429 || httpStatus === 413) code = CODE_RESOURCE_EXHAUSTED;
  else if (httpStatus >= 500) code = CODE_UNAVAILABLE;
  // OTLP clients retry 429, 502, 503 and 504 only: every server-side failure is a 503 to them.
  const status = httpStatus >= 500 ? 503 : httpStatus;
  if (status === 429 || status === 503) reply.header('retry-after', RETRY_AFTER_SECONDS);
  if (encoding === 'proto') {
    return reply.code(status).header('content-type', PROTOBUF).send(Buffer.from(encodeStatusProto(code, message)));
  }
  return reply.code(status).header('content-type', JSON_TYPE).send(JSON.stringify({ code, message }));
}

function sendSuccess(reply: FastifyReply, encoding: Encoding, rejected: number, message: string): FastifyReply {
  if (encoding === 'proto') {
    return reply.code(200).header('content-type', PROTOBUF).send(Buffer.from(encodeExportResponseProto(rejected, message)));
  }
  const body = rejected > 0 || message !== '' ? { partialSuccess: { rejectedLogRecords: String(rejected), errorMessage: message } } : {};
  return reply.code(200).header('content-type', JSON_TYPE).send(JSON.stringify(body));
}

async function decodeBody(body: Buffer, encoding: Encoding, contentEncoding: string, maxBytes: number): Promise<OtlpLogsRequest> {
  let raw = body;
  if (contentEncoding === 'gzip') {
    try {
      raw = await gunzipAsync(body, { maxOutputLength: maxBytes });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new HttpError('HTTP_BODY_TOO_LARGE', `request body too large: decompressed size exceeds ${maxBytes} bytes`);
      }
      throw new HttpError('HTTP_BAD_REQUEST', `gzip: ${(error as Error).message}`, { cause: error });
    }
  } else if (contentEncoding !== '' && contentEncoding !== 'identity') {
    throw new HttpError('HTTP_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding "${contentEncoding}" not supported`);
  }
  try {
    return encoding === 'proto' ? decodeOtlpLogsProto(raw) : decodeOtlpLogsJson(raw.toString('utf8'));
  } catch (error) {
    const message = error instanceof OtlpJsonError ? error.message : `proto: ${(error as Error).message}`;
    throw new HttpError('HTTP_BAD_REQUEST', `failed to decode OTLP logs: ${message}`, { cause: error });
  }
}

export function registerOtlpRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const maxBytes = deps.limits.maxBodyBytes;
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => done(null, body));

    scope.setErrorHandler((error, request, reply) => {
      let status = statusOf(error);
      let message = messageOf(error);
      if ((error as { code?: unknown }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        status = 413;
        message = `request body too large: more than ${maxBytes} bytes`;
      }
      if (status >= 500) deps.logger.error({ err: error, route: OTLP_LOGS_PATH }, 'otlp push failed');
      else deps.logger.debug({ err: message, status, route: OTLP_LOGS_PATH }, 'otlp push rejected');
      return sendStatus(reply, encodingOf(request) ?? 'json', status, message);
    });

    scope.post(OTLP_LOGS_PATH, { bodyLimit: maxBytes }, async (request, reply) => {
      const tenant = singleTenant(request, deps.auth);
      const encoding = encodingOf(request);
      if (encoding === undefined) {
        throw new HttpError('HTTP_UNSUPPORTED_MEDIA_TYPE', `content type: ${header(request, 'content-type') ?? ''} is not supported`);
      }
      const pushOtlp = deps.push.pushOtlp?.bind(deps.push);
      if (pushOtlp === undefined) throw new NornError('NOT_SERVED', '404 page not found');
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const logs = await decodeBody(body, encoding, (header(request, 'content-encoding') ?? '').trim().toLowerCase(), maxBytes);
      const total = countLogRecords(logs);
      if (total === 0) return sendSuccess(reply, encoding, 0, '');
      try {
        await pushOtlp(tenant, logs);
      } catch (error) {
        const rejected = (error as { rejectedEntries?: unknown }).rejectedEntries;
        // Some records written, some refused: OTLP's partial success, never a retry.
        if (statusOf(error) === 400 && typeof rejected === 'number' && rejected < total) {
          return sendSuccess(reply, encoding, rejected, messageOf(error));
        }
        throw error;
      }
      return sendSuccess(reply, encoding, 0, '');
    });
  });
}
