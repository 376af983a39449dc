// The read API: log and metric queries, labels, series, and the index endpoints Grafana calls.
// GET takes parameters in the URL; POST takes them form-encoded (Loki reads Go's `r.Form`).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from './deps.js';
import { messageOf, sendPlainError, statusOf } from './errors.js';
import { formatPromTime } from './number-format.js';
import {
  instantQueryParams,
  optionalQuery,
  parseBounds,
  rangeQueryParams,
  requestParams,
  requiredQuery,
  seriesMatchers,
  systemClock,
  volumeOptions,
} from './query-params.js';
import { ENCODING_FLAGS_HEADER, encodingFlags, renderQueryResponse } from './render.js';
import { readTenant } from './tenant.js';

const JSON_TYPE = 'application/json; charset=utf-8';

function sendJson(reply: FastifyReply, body: string): FastifyReply {
  return reply.code(200).header('content-type', JSON_TYPE).send(body);
}

function dataResponse(data: unknown): string {
  return JSON.stringify({ status: 'success', data });
}

/**
 * Prepares a plugin scope for read routes: form bodies parsed as Go's `r.Form`, and errors
 * answered as `serverutil.WriteError` text (the message alone). Returns a GET-and-POST route
 * helper, as Loki serves every read both ways.
 */
export function queryScope(
  scope: FastifyInstance,
  deps: HttpDeps,
): (url: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => void {
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, new URLSearchParams(body as string));
  });
  scope.setErrorHandler((error, request, reply) => {
    const status = statusOf(error);
    if (status >= 500) deps.logger.error({ err: error, route: request.routeOptions.url }, 'query failed');
    else deps.logger.debug({ err: messageOf(error), status, route: request.routeOptions.url }, 'query rejected');
    return sendPlainError(reply, status, messageOf(error), false);
  });
  return (url, handler) => {
    scope.route({ method: ['GET', 'POST'], url, handler });
  };
}

/**
 * Aborted when the client goes away before its answer is sent (the response closes unfinished),
 * so the query frontend drops the query's queued pieces and stops its running ones.
 */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}

export function registerQueryRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const now = deps.now ?? systemClock;
  void app.register(async (scope) => {
    const route = queryScope(scope, deps);


    route('/loki/api/v1/query_range', async (request, reply) => {
      const tenant = readTenant(request, deps.auth);
      const params = rangeQueryParams(tenant, requestParams(request), now());
      const response = await deps.query.query(params, { signal: clientGone(reply) });
      const flags = { ...encodingFlags(request.headers[ENCODING_FLAGS_HEADER]), forward: params.direction === 'forward' };
      return sendJson(reply, renderQueryResponse(response, flags));
    });

    route('/loki/api/v1/query', async (request, reply) => {
      const tenant = readTenant(request, deps.auth);
      const params = instantQueryParams(tenant, requestParams(request), now());
      const response = await deps.query.query(params, { signal: clientGone(reply) });
      const flags = { ...encodingFlags(request.headers[ENCODING_FLAGS_HEADER]), forward: params.direction === 'forward' };
      return sendJson(reply, renderQueryResponse(response, flags));
    });

    const labels = async (request: FastifyRequest, reply: FastifyReply) => {
      const tenant = readTenant(request, deps.auth);
      const params = requestParams(request);
      const names = await deps.query.labelNames(tenant, parseBounds(params, now()), optionalQuery(params));
      return sendJson(reply, dataResponse(names));
    };
    route('/loki/api/v1/labels', labels);
    route('/loki/api/v1/label', labels);

    route('/loki/api/v1/label/:name/values', async (request, reply) => {
      const tenant = readTenant(request, deps.auth);
      const params = requestParams(request);
      const { name } = request.params as { name: string };
      const values = await deps.query.labelValues(tenant, name, parseBounds(params, now()), optionalQuery(params));
      return sendJson(reply, dataResponse(values));
    });

    route('/loki/api/v1/series', async (request, reply) => {
      const tenant = readTenant(request, deps.auth);
      const params = requestParams(request);
      const series = await deps.query.series(tenant, seriesMatchers(params), parseBounds(params, now()));
      return sendJson(reply, dataResponse(series));
    });

    // Grafana asks these to size queries and draw volume: figures from chunk metadata, never
    // from reading lines.
    route('/loki/api/v1/index/stats', async (request, reply) => {
      const tenant = readTenant(request, deps.auth);
      const params = requestParams(request);
      const range = parseBounds(params, now());
      const stats = await deps.query.indexStats(tenant, requiredQuery(params), range);
      return sendJson(reply, JSON.stringify({ streams: stats.streams, chunks: stats.chunks, entries: stats.entries, bytes: stats.bytes }));
    });
    route('/loki/api/v1/index/volume', async (request, reply) => {
      const tenant = readTenant(request, deps.auth);
      const params = requestParams(request);
      const range = parseBounds(params, now());
      const groups = await deps.query.volume(tenant, requiredQuery(params), range, volumeOptions(params));
      // Every group is stamped with the range's end, in seconds, as Loki's vector is.
      const time = formatPromTime(Number(range.end / 1_000_000n));
      const result = groups.map((group) => `{"metric":${JSON.stringify(group.metric)},"value":[${time},"${group.bytes}"]}`);
      return sendJson(reply, `{"status":"success","data":{"resultType":"vector","result":[${result.join(',')}]}}`);
    });
    // `index/volume_range` is answered with Drilldown's routes (drilldown-routes.ts).
  });
}
