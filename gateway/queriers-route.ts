// `GET /queriers`: the queriers a gateway sends sub-queries to, beside `/ring` and in its manner:
// JSON, or an HTML table for a browser.

import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from './deps.js';
import { renderRingPage, toJson } from './ring-page.js';

export function registerQueriersRoute(app: FastifyInstance, deps: HttpDeps): void {
  const queriers = deps.queriers;
  if (queriers === undefined) return;
  app.get('/queriers', async (request, reply) => {
    const data = queriers();
    if ((request.headers.accept ?? '').includes('text/html')) {
      return reply.code(200).header('content-type', 'text/html; charset=utf-8').send(renderRingPage(data, 'Queriers'));
    }
    return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(toJson(data));
  });
}
