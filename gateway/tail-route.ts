// `GET /loki/api/v1/tail` (websocket). Parameters, the tenant and the historical batch are
// settled before the upgrade, so a bad query answers a plain HTTP 400 as Loki's does.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HttpDeps } from './deps.js';
import { badRequest, messageOf, sendPlainError, statusOf } from './errors.js';
import { parseBounds, parseLimit, requestParams, systemClock } from './query-params.js';
import { ENCODING_FLAGS_HEADER, encodingFlags } from './render.js';
import { Tailer, historicalBatch, type TailRuntime, type TailSpec } from './tail.js';
import { LiveTailer } from './live-tailer.js';
import { tailMetrics } from './metrics.js';
import { singleTenant } from './tenant.js';
import { parseGoInt64 } from '../core/go/mod.js';
import { NS_PER_SECOND } from '../core/model.js';
import type { StreamResult } from '../logql/types.js';

export const TAIL_PATH = '/loki/api/v1/tail';
const MAX_DELAY_FOR_SECONDS = 5n;

function tailSpec(request: FastifyRequest, auth: boolean, now: bigint): TailSpec {
  const tenant = singleTenant(request, auth);
  const params = requestParams(request);
  const limit = parseLimit(params);
  const { start } = parseBounds(params, now);
  const delayText = params.get('delay_for') ?? '';
  let delay = 0n;
  if (delayText !== '') {
    try {
      delay = parseGoInt64(delayText, 'Atoi');
    } catch (error) {
      throw badRequest((error as Error).message, error);
    }
  }
  if (delay > MAX_DELAY_FOR_SECONDS) throw badRequest(`delay_for can't be greater than ${MAX_DELAY_FOR_SECONDS}`);
  if (delay < 0n) delay = 0n;
  const render = encodingFlags(request.headers[ENCODING_FLAGS_HEADER]);
  return { tenant, query: params.get('query') ?? '', start, limit, delayForNs: delay * NS_PER_SECOND, render };
}

interface Prepared {
  readonly spec: TailSpec;
  readonly initial: StreamResult[];
  readonly cursor: bigint;
}

export function registerTailRoute(app: FastifyInstance, deps: HttpDeps): void {
  const metrics = tailMetrics(deps.registry);
  const runtime: TailRuntime = {
    service: deps.query,
    now: deps.now ?? systemClock,
    logger: deps.logger,
    pollIntervalMs: deps.limits.tailPollIntervalMs ?? 1000,
    maxDurationMs: deps.limits.tailMaxDurationMs ?? 3_600_000,
    maxBufferedBytes: deps.limits.tailMaxBufferedBytes ?? 16 * 1024 * 1024,
    onDropped: (lines) => metrics.droppedEntries.inc(lines),
  };
  const prepared = new WeakMap<FastifyRequest, Prepared>();

  void app.register(async (scope) => {
    scope.setErrorHandler((error, request, reply) => {
      const status = statusOf(error);
      if (status >= 500) deps.logger.error({ err: error, route: request.routeOptions.url }, 'tail failed');
      return sendPlainError(reply, status, messageOf(error), false);
    });

    scope.route({
      method: 'GET',
      url: TAIL_PATH,
      preValidation: async (request) => {
        if (request.headers.upgrade?.toLowerCase() !== 'websocket') return;
        const spec = tailSpec(request, deps.auth, runtime.now());
        const { streams, end } = await historicalBatch(spec, runtime);
        prepared.set(request, { spec, initial: streams, cursor: end });
      },
      handler: async (_request, reply) => {
        return sendPlainError(
          reply,
          400,
          "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header",
          true,
        );
      },
      wsHandler: (socket, request) => {
        const ready = prepared.get(request);
        if (ready === undefined) {
          socket.close(1011, 'tail was not prepared');
          return;
        }
        metrics.active.inc();
        socket.on('close', () => metrics.active.dec());
        if (runtime.service.tail !== undefined) void new LiveTailer(socket, ready.spec, runtime, ready.cursor).start(ready.initial);
        else new Tailer(socket, ready.spec, runtime, ready.cursor).start(ready.initial);
      },
    });
  });
}
