// Loki's log deletion API (the compactor's endpoints, served here by every gateway):
//   POST|PUT /loki/api/v1/delete   query, start, end (default now), max_interval -> 204
//   GET      /loki/api/v1/delete   -> 200 JSON list of the tenant's requests
//   DELETE   /loki/api/v1/delete   request_id, force -> 204
// Parameters come from the URL or a form body. Times are RFC 3339 or Unix seconds (exactly ten
// digits), as Loki's handler reads them; errors are plain text ending in a newline (Go's
// `http.Error`). The routes exist only when the process has a delete service.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UNREADABLE, type DeleteRequestView, type NewDeleteRequest } from '../actors/compactor/deletion-api.js';
import { goParseFloat, parseGoDurationNs } from '../core/go/mod.js';
import type { HttpDeps } from './deps.js';
import { messageOf, sendPlainError, statusOf } from './errors.js';
import { formatPromTime } from './number-format.js';
import { requestParams } from './query-params.js';
import { singleTenant } from './tenant.js';
import { parseRfc3339 } from './time-format.js';

export const DELETE_ROUTE = '/loki/api/v1/delete';

/**
 * Loki's `parseTime` for delete requests, to ms: RFC 3339, else exactly ten characters read as
 * float seconds (millisecond precision). '' is "not given".
 */
export function deleteRequestTime(text: string | null): number | undefined | typeof UNREADABLE {
  if (text === null || text === '') return undefined;
  const rfc = parseRfc3339(text);
  if (rfc !== undefined) return Number((rfc - (((rfc % 1_000_000n) + 1_000_000n) % 1_000_000n)) / 1_000_000n);
  if (text.length !== 10) return UNREADABLE;
  const seconds = goParseFloat(text);
  if (seconds === undefined || !Number.isFinite(seconds)) return UNREADABLE;
  const whole = Math.trunc(seconds);
  return whole * 1000 + Math.round((seconds - whole) * 1000);
}

/** `max_interval` as Go's `time.ParseDuration` reads it, to ms. */
export function deleteMaxInterval(text: string | null): number | undefined | typeof UNREADABLE {
  if (text === null || text === '') return undefined;
  try {
    return Number(parseGoDurationNs(text) / 1_000_000n);
  } catch {
    return UNREADABLE;
  }
}

/** Loki's JSON of a request: times as Prometheus' `model.Time` (seconds, ms precision). */
function requestJson(view: DeleteRequestView): string {
  return (
    `{"request_id":${JSON.stringify(view.requestId)},"start_time":${formatPromTime(view.startMs)},"end_time":${formatPromTime(view.endMs)},` +
    `"query":${JSON.stringify(view.query)},"status":${JSON.stringify(view.status)},"created_at":${formatPromTime(view.createdAtMs)},` +
    `"user_id":${JSON.stringify(view.tenant)}}`
  );
}

export function registerDeleteRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const service = deps.deletes;
  if (service === undefined) return;
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, new URLSearchParams(body as string));
    });
    scope.setErrorHandler((error, request, reply) => {
      const status = statusOf(error);
      if (status >= 500) deps.logger.error({ err: error, route: request.routeOptions.url }, 'delete request failed');
      return sendPlainError(reply, status, messageOf(error), true);
    });

    const create = async (request: FastifyRequest, reply: FastifyReply) => {
      const tenant = singleTenant(request, deps.auth);
      const params = requestParams(request);
      const decoded: NewDeleteRequest = {
        query: params.get('query') ?? '',
        startMs: deleteRequestTime(params.get('start')),
        endMs: deleteRequestTime(params.get('end')),
        maxIntervalMs: deleteMaxInterval(params.get('max_interval')),
      };
      await service.create(tenant, decoded);
      return reply.code(204).send();
    };
    scope.route({ method: ['POST', 'PUT'], url: DELETE_ROUTE, handler: create });

    scope.get(DELETE_ROUTE, async (request, reply) => {
      const requests = await service.list(singleTenant(request, deps.auth));
      // Go's json.Encoder ends the document with a newline.
      return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(`[${requests.map(requestJson).join(',')}]\n`);
    });

    scope.delete(DELETE_ROUTE, async (request, reply) => {
      const tenant = singleTenant(request, deps.auth);
      const params = requestParams(request);
      await service.cancel(tenant, params.get('request_id') ?? '', params.get('force') === 'true');
      return reply.code(204).send();
    });
  });
}
