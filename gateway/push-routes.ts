// `POST /loki/api/v1/push` and the legacy `POST /api/prom/push`. The body is read raw whatever
// its content type (Loki decides by Content-Type and Content-Encoding itself), up to the limit.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpDeps } from './deps.js';
import { statusOf, messageOf, sendPlainError } from './errors.js';
import { decodePushBody, tooLarge } from './push-body.js';
import { singleTenant } from './tenant.js';

export const PUSH_PATH = '/loki/api/v1/push';
export const LEGACY_PUSH_PATH = '/api/prom/push';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function registerPushRoutes(app: FastifyInstance, deps: HttpDeps): void {
  const maxBytes = deps.limits.maxBodyBytes;
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => done(null, body));

    // Push errors are Go `http.Error` text: the message and a newline. Fastify's own body errors
    // get the statuses statusOf gives them, and Loki's words.
    scope.setErrorHandler((error, request, reply) => {
      const status = statusOf(error);
      let message = messageOf(error);
      const code = (error as { code?: unknown }).code;
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const length = Number(header(request, 'content-length'));
        message = tooLarge(`message size too large than max (${Number.isFinite(length) ? length : '>' + maxBytes} vs ${maxBytes})`).message;
      } else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        message = 'mime: no media type';
      }
      if (status >= 500) deps.logger.error({ err: error, route: request.routeOptions.url }, 'push failed');
      else deps.logger.debug({ err: message, status, route: request.routeOptions.url }, 'push rejected');
      return sendPlainError(reply, status, message, true);
    });

    // The tenant is checked before the body is read, so a client without one gets its 401 first.
    const tenants = new WeakMap<FastifyRequest, string>();
    scope.addHook('onRequest', async (request) => {
      tenants.set(request, singleTenant(request, deps.auth));
    });

    const handler = (legacy: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
      const tenant = tenants.get(request) ?? singleTenant(request, deps.auth);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const streams = await decodePushBody(body, {
        contentType: header(request, 'content-type'),
        contentEncoding: header(request, 'content-encoding'),
        legacy,
        maxBytes,
      });
      await deps.push.push(tenant, streams);
      return reply.code(204).send();
    };

    scope.post(PUSH_PATH, { bodyLimit: maxBytes }, handler(false));
    scope.post(LEGACY_PUSH_PATH, { bodyLimit: maxBytes }, handler(true));
  });
}
