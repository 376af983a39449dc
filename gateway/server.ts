// The HTTP edge: Loki's HTTP API on fastify. It only decodes, routes and encodes; the services
// in `HttpDeps` do the work. Bad input of any kind answers a 4xx and leaves the process serving.

import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerAdminRoutes } from './admin-routes.js';
import type { HttpDeps } from './deps.js';
import { messageOf, sendPlainError, statusOf } from './errors.js';
import { instrumentRequests, requestDurationHistogram } from './metrics.js';
import { registerPushRoutes } from './push-routes.js';
import { registerOtlpRoutes } from './otlp-routes.js';
import { registerDrilldownRoutes } from './drilldown-routes.js';
import { registerDeleteRoutes } from './delete-routes.js';
import { registerQueryRoutes } from './query-routes.js';
import { registerRulesRoutes } from './rules-routes.js';
import { registerTailRoute } from './tail-route.js';
import { registerUiRoutes } from './ui-routes.js';
import { registerQueriersRoute } from './queriers-route.js';

/** Fastify's own default; bodies of other routes (queries, forms) stay small. */
const DEFAULT_BODY_LIMIT = 1024 * 1024;

export function createHttpServer(deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    // Typed as fastify's base logger so the instance keeps fastify's default generic parameters.
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Request logs at push rates would drown everything else; failures are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Loki's API is case- and slash-exact, but a trailing slash is harmless to accept.
    routerOptions: { ignoreTrailingSlash: true },
  });

  instrumentRequests(app, requestDurationHistogram(deps.registry));

  app.setNotFoundHandler((_request, reply) => sendPlainError(reply, 404, '404 page not found', true));
  app.setErrorHandler((error, request, reply) => {
    const status = statusOf(error);
    if (status >= 500) deps.logger.error({ err: error, route: request.routeOptions.url }, 'request failed');
    return sendPlainError(reply, status, messageOf(error), true);
  });

  void app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  registerPushRoutes(app, deps);
  registerOtlpRoutes(app, deps);
  registerQueryRoutes(app, deps);
  registerDrilldownRoutes(app, deps);
  registerAdminRoutes(app, deps);
  registerQueriersRoute(app, deps);
  registerTailRoute(app, deps);
  registerRulesRoutes(app, deps);
  registerDeleteRoutes(app, deps);
  registerUiRoutes(app);
  return app;
}
