import pino from 'pino';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from './server.js';
import type { HttpDeps } from './deps.js';
import { HttpError, statusOf } from './errors.js';
import { NotServedError } from './not-served.js';
import { RemoteError, NoRespondersError } from '../bus/errors.js';
import { IngesterError } from '../actors/ingester/ingester.js';
import { QuorumError } from '../actors/distributor/quorum.js';
import { RateLimitError } from '../actors/distributor/rate-limiter.js';
import { ValidationError } from '../actors/distributor/validation.js';
import { LogQLParseError } from '../logql/errors.js';
import { REQUEST_DURATION_METRIC } from './metrics.js';
import { emptyQueryService } from '../test/helpers/fake-services.js';

let app: ReturnType<typeof createHttpServer> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function start(overrides: Partial<HttpDeps> = {}) {
  const registry = new Registry();
  app = createHttpServer({
    push: { push: async () => {} },
    query: emptyQueryService(),
    logger: pino({ level: 'silent' }),
    auth: false,
    registry,
    isReady: () => true,
    buildInfo: { version: '3.4.2', revision: 'abc123', branch: 'main', goVersion: 'node-v20' },
    limits: { maxBodyBytes: 1 << 20 },
    ...overrides,
  });
  return { app, registry };
}

describe('readiness', () => {
  it('answers 200 "ready" or 503 with the reason', async () => {
    let ready: boolean | string = true;
    start({ isReady: () => ready });
    const ok = await app!.inject({ method: 'GET', url: '/ready' });
    expect([ok.statusCode, ok.body]).toEqual([200, 'ready\n']);
    ready = 'Ingester not ready: waiting for WAL replay';
    const waiting = await app!.inject({ method: 'GET', url: '/ready' });
    expect([waiting.statusCode, waiting.body]).toEqual([503, 'Ingester not ready: waiting for WAL replay\n']);
    ready = false;
    const no = await app!.inject({ method: 'GET', url: '/ready' });
    expect([no.statusCode, no.body]).toEqual([503, 'not ready\n']);
  });
});

describe('metrics', () => {
  it('serves the registry as Prometheus text, with request durations by route and status', async () => {
    const { registry } = start();
    new Counter({ name: 'norn_test_total', help: 'test', registers: [registry] }).inc(3);
    await app!.inject({ method: 'GET', url: '/ready' });
    await app!.inject({ method: 'GET', url: '/loki/api/v1/label/job/values' });
    const res = await app!.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('norn_test_total 3');
    expect(res.body).toContain(`${REQUEST_DURATION_METRIC}_count{method="GET",route="ready",status_code="200",ws="false"} 1`);
    expect(res.body).toContain(`${REQUEST_DURATION_METRIC}_count{method="GET",route="loki_api_v1_label_name_values",status_code="200",ws="false"} 1`);
  });

  it('shares one histogram when two servers use one registry', async () => {
    const registry = new Registry();
    const first = start({ registry }).app;
    const second = createHttpServer({ ...baseDeps(), registry });
    await first.inject({ method: 'GET', url: '/ready' });
    await second.inject({ method: 'GET', url: '/ready' });
    const text = await registry.metrics();
    expect(text).toContain(`${REQUEST_DURATION_METRIC}_count{method="GET",route="ready",status_code="200",ws="false"} 2`);
    await second.close();
  });
});

function baseDeps(): HttpDeps {
  return {
    push: { push: async () => {} },
    query: emptyQueryService(),
    logger: pino({ level: 'silent' }),
    auth: false,
    registry: new Registry(),
    isReady: () => true,
    buildInfo: { version: '1', revision: 'r', branch: 'b' },
    limits: { maxBodyBytes: 1 << 20 },
  };
}

describe('build info and format_query', () => {
  it("answers buildinfo in Loki's fields", async () => {
    start();
    const res = await app!.inject({ method: 'GET', url: '/loki/api/v1/status/buildinfo' });
    expect(JSON.parse(res.body)).toEqual({ version: '3.4.2', revision: 'abc123', branch: 'main', buildUser: '', buildDate: '', goVersion: 'node-v20' });
  });

  it('pretty-prints through formatQuery, and passes its parse errors on as 400', async () => {
    start({
      formatQuery: (query) => {
        if (query.includes('(')) throw new LogQLParseError('syntax error', 1, 1);
        return query.trim();
      },
    });
    const ok = await app!.inject({ method: 'GET', url: '/loki/api/v1/format_query?query=' + encodeURIComponent('  {a="b"}  ') });
    expect(JSON.parse(ok.body)).toEqual({ status: 'success', data: '{a="b"}' });
    const bad = await app!.inject({
      method: 'POST',
      url: '/loki/api/v1/format_query',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'query=sum(',
    });
    expect([bad.statusCode, bad.body]).toEqual([400, 'parse error at line 1, col 1: syntax error']);
  });

  it('answers 501 without a formatter', async () => {
    start();
    const res = await app!.inject({ method: 'GET', url: '/loki/api/v1/format_query?query=x' });
    expect(res.statusCode).toBe(501);
  });
});

describe('flush, ring, config', () => {
  it('flushes on POST /flush with 204, and exposes no route without a flusher', async () => {
    let flushed = 0;
    start({ flush: async () => void flushed++ });
    const res = await app!.inject({ method: 'POST', url: '/flush' });
    expect([res.statusCode, flushed]).toEqual([204, 1]);
    await app!.close();
    start();
    expect((await app!.inject({ method: 'POST', url: '/flush' })).statusCode).toBe(404);
  });

  it('serves the ring as JSON, and as an HTML table to browsers', async () => {
    const ring = { members: [{ id: 'ingester-1', state: 'ACTIVE', tokens: 128, heartbeatAgeMs: 1200n }, { id: 'ingester-<2>', state: 'LEAVING', tokens: 128 }] };
    start({ ring: () => ring });
    const json = await app!.inject({ method: 'GET', url: '/ring' });
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(json.body).members[0]).toEqual({ id: 'ingester-1', state: 'ACTIVE', tokens: 128, heartbeatAgeMs: '1200' });
    const html = await app!.inject({ method: 'GET', url: '/ring', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.body).toContain('<th>state</th>');
    expect(html.body).toContain('<td>LEAVING</td>');
    expect(html.body).toContain('ingester-&#60;2&#62;');
  });

  it('serves /config as YAML', async () => {
    start({ config: () => ({ target: 'all', server: { httpPort: 3100 } }) });
    const res = await app!.inject({ method: 'GET', url: '/config' });
    expect(res.body).toBe('target: all\nserver:\n  httpPort: 3100\n');
  });
});

describe('unknown routes and error mapping', () => {
  it("answers Go's 404 text", async () => {
    start();
    const res = await app!.inject({ method: 'GET', url: '/loki/api/v2/nothing' });
    expect([res.statusCode, res.body]).toEqual([404, '404 page not found\n']);
  });

  it("maps Norn's errors by their codes", () => {
    expect(statusOf(new ValidationError('x'))).toBe(400);
    expect(statusOf(new RateLimitError('x'))).toBe(429);
    expect(statusOf(new QuorumError('x'))).toBe(500);
    expect(statusOf(new IngesterError('INGESTER_NOT_WRITABLE', 'x'))).toBe(503);
    expect(statusOf(new NoRespondersError('norn.x'))).toBe(503);
    expect(statusOf(new LogQLParseError('syntax error', 1, 2))).toBe(400);
    expect(statusOf(new HttpError('HTTP_NO_ORG_ID', 'no org id'))).toBe(401);
    expect(statusOf(new NotServedError())).toBe(404);
  });

  it('maps an error that crossed the bus by its remote code, then by the status its thrower gave', () => {
    expect(statusOf(new RemoteError('norn.x', 'x', 'VALIDATION', 400))).toBe(400);
    expect(statusOf(new RemoteError('norn.x', 'x', 'RATE_LIMITED'))).toBe(429);
    expect(statusOf(new RemoteError('norn.x', 'x', 'SOME_NEWER_CODE', 422))).toBe(422);
    expect(statusOf(new RemoteError('norn.x', 'x', 'ENOENT'))).toBe(500);
    expect(statusOf(new RemoteError('norn.x', 'x', undefined, 200))).toBe(500);
  });

  it("maps fastify's and Node's errors by their codes, and nothing else by guesswork", () => {
    expect(statusOf(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }))).toBe(413);
    expect(statusOf(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }))).toBe(400);
    expect(statusOf(Object.assign(new Error('x'), { code: 'FST_ERR_VALIDATION', statusCode: 400 }))).toBe(400);
    expect(statusOf(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(499);
    expect(statusOf(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(499);
    expect(statusOf(Object.assign(new Error('x'), { code: 'VALIDATION', status: 400 }))).toBe(500);
    expect(statusOf(Object.assign(new Error('x'), { code: 'toString' }))).toBe(500);
    expect(statusOf(null)).toBe(500);
    expect(statusOf('text')).toBe(500);
  });
});
