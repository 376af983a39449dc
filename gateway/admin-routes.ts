// Operational endpoints every Norn process serves: readiness, metrics, build info, flush, ring,
// config, and LogQL formatting.

import type { FastifyInstance, FastifyReply } from 'fastify';
import { stringify as toYaml } from 'yaml';
import type { HttpDeps } from './deps.js';
import { badRequest, HttpError, messageOf, sendPlainError, statusOf } from './errors.js';
import { errorMessage } from '../core/errors.js';
import { requestParams } from './query-params.js';
import { renderRingPage, toJson } from './ring-page.js';

function sendText(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).header('content-type', 'text/plain; charset=utf-8').send(text);
}

export function registerAdminRoutes(app: FastifyInstance, deps: HttpDeps): void {
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, new URLSearchParams(body as string));
    });
    scope.setErrorHandler((error, request, reply) => {
      const status = statusOf(error);
      if (status >= 500) deps.logger.error({ err: error, route: request.routeOptions.url }, 'request failed');
      return sendPlainError(reply, status, messageOf(error), false);
    });

    scope.get('/ready', async (_request, reply) => {
      const ready = deps.isReady();
      if (ready === true) return sendText(reply, 200, 'ready\n');
      return sendText(reply, 503, (typeof ready === 'string' && ready !== '' ? ready : 'not ready') + '\n');
    });

    scope.get('/metrics', async (_request, reply) => {
      const text = await deps.registry.metrics();
      return reply.code(200).header('content-type', deps.registry.contentType).send(text);
    });

    scope.get('/loki/api/v1/status/buildinfo', async (_request, reply) => {
      const info = deps.buildInfo;
      const body = {
        version: info.version,
        revision: info.revision,
        branch: info.branch,
        buildUser: info.buildUser ?? '',
        buildDate: info.buildDate ?? '',
        goVersion: info.goVersion ?? process.version,
      };
      return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
    });

    scope.route({
      method: ['GET', 'POST'],
      url: '/loki/api/v1/format_query',
      handler: async (request, reply) => {
        if (deps.formatQuery === undefined) throw new HttpError('HTTP_NOT_IMPLEMENTED', 'format_query is not available on this process');
        const query = requestParams(request).get('query') ?? '';
        const formatted = deps.formatQuery(query);
        return reply
          .code(200)
          .header('content-type', 'application/json; charset=utf-8')
          .send(JSON.stringify({ status: 'success', data: formatted }));
      },
    });

    const flush = deps.flush;
    if (flush !== undefined) {
      scope.route({
        method: ['GET', 'POST'],
        url: '/flush',
        handler: async (_request, reply) => {
          await flush();
          return reply.code(204).send();
        },
      });
    }

    const ring = deps.ring;
    const forget = deps.forgetRingMember;
    if (ring !== undefined) {
      scope.get('/ring', async (request, reply) => {
        const data = ring();
        const accept = request.headers.accept ?? '';
        if (accept.includes('text/html')) {
          const page = renderRingPage(data, 'Ring Status', forget !== undefined ? { forget: { action: '' } } : {});
          return reply.code(200).header('content-type', 'text/html; charset=utf-8').send(page);
        }
        return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(toJson(data));
      });
    }
    if (ring !== undefined && forget !== undefined) {
      // Loki's ring page: a POST with `forget=<id>` (form, query string or JSON body) removes
      // that member. A browser is sent back to the page (post/redirect/get, Location `#` as
      // Loki answers); any other client gets JSON, or a 404 for an id the ring does not hold.
      scope.post('/ring', async (request, reply) => {
        const body = request.body;
        const fromJson = typeof body === 'object' && body !== null && !(body instanceof URLSearchParams) ? (body as Record<string, unknown>)['forget'] : undefined;
        const id = requestParams(request).get('forget') ?? (typeof fromJson === 'string' ? fromJson : undefined);
        if (id === undefined || id === '') throw badRequest('forget: give the id of the ring member to forget (forget=<id>)');
        let found: boolean;
        try {
          found = await forget(id);
        } catch (cause) {
          // Loki's answer when the ring's store refuses: a 500 naming the instance.
          deps.logger.error({ err: cause, member: id }, 'error forgetting ring member');
          return sendPlainError(reply, 500, `error forgetting instance '${id}': ${errorMessage(cause)}`, true);
        }
        if (found) deps.logger.info({ member: id }, `ring member ${id} forgotten: its key is removed from the ring`);
        if ((request.headers.accept ?? '').includes('text/html')) return reply.code(302).header('location', '#').send();
        if (!found) return sendPlainError(reply, 404, `instance '${id}' is not in the ring`, false);
        return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify({ status: 'success', data: { forgotten: id } }));
      });
    }

    const config = deps.config;
    if (config !== undefined) {
      scope.get('/config', async (_request, reply) => {
        return reply.code(200).header('content-type', 'text/plain; charset=utf-8').send(toYaml(config()));
      });
    }

    const runtimeConfig = deps.runtimeConfig;
    if (runtimeConfig !== undefined) {
      // Loki's answer: YAML as text/plain (a browser shows it), `?mode=diff` for what differs
      // from the defaults, and a plain sentence when there is no runtime config at all.
      scope.get('/runtime_config', async (request, reply) => {
        const mode = requestParams(request).get('mode') === 'diff' ? 'diff' : 'full';
        const current = runtimeConfig(mode);
        if (current === undefined) return sendText(reply, 200, "runtime config file doesn't exist");
        return reply.code(200).header('content-type', 'text/plain; charset=utf-8').send(toYaml(current));
      });
    }
  });
}
