import { gzipSync, deflateRawSync } from 'node:zlib';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { PushService, PushStreamInput } from '../actors/distributor/api.js';
import type { QueryService } from '../actors/querier/api.js';
import { RateLimitError } from '../actors/distributor/rate-limiter.js';
import { ValidationError } from '../actors/distributor/validation.js';
import { RemoteError } from '../bus/errors.js';
import { createHttpServer } from './server.js';
import { encodePushRequest, snappyCompress } from './push-proto.js';
import type { HttpDeps } from './deps.js';
import { emptyQueryService } from '../test/helpers/fake-services.js';

interface Pushed {
  tenant: string;
  streams: readonly PushStreamInput[];
}

function setup(overrides: Partial<HttpDeps> = {}, pushImpl?: PushService['push']) {
  const pushed: Pushed[] = [];
  const push: PushService = {
    push: pushImpl ?? (async (tenant, streams) => void pushed.push({ tenant, streams })),
  };
  const query: QueryService = emptyQueryService();
  const app = createHttpServer({
    push,
    query,
    logger: pino({ level: 'silent' }),
    auth: false,
    registry: new Registry(),
    isReady: () => true,
    buildInfo: { version: 'test', revision: 'r', branch: 'b' },
    limits: { maxBodyBytes: 64 * 1024 },
    ...overrides,
  });
  return { app, pushed };
}

let current: ReturnType<typeof setup>['app'] | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

function start(overrides: Partial<HttpDeps> = {}, pushImpl?: PushService['push']) {
  const ctx = setup(overrides, pushImpl);
  current = ctx.app;
  return ctx;
}

const JSON_BODY = JSON.stringify({
  streams: [
    {
      stream: { app: 'api', env: 'prod' },
      values: [
        ['1700000000123456789', 'first line'],
        ['1700000000123456790', 'second line', { trace_id: 'abc', user: 'u1' }],
      ],
    },
  ],
});

describe('JSON push', () => {
  it('accepts plain JSON and hands exact nanosecond entries to the push service', async () => {
    const { app, pushed } = start();
    const res = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json' }, payload: JSON_BODY });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(pushed).toHaveLength(1);
    expect(pushed[0]!.tenant).toBe('fake');
    const stream = pushed[0]!.streams[0]!;
    expect(stream.labels).toEqual({ app: 'api', env: 'prod' });
    expect(stream.entries).toEqual([
      { ts: 1700000000123456789n, line: 'first line' },
      {
        ts: 1700000000123456790n,
        line: 'second line',
        metadata: [
          { name: 'trace_id', value: 'abc' },
          { name: 'user', value: 'u1' },
        ],
      },
    ]);
  });

  it('accepts gzip and deflate Content-Encoding', async () => {
    const { app, pushed } = start();
    for (const [encoding, body] of [
      ['gzip', gzipSync(JSON_BODY)],
      ['deflate', deflateRawSync(JSON_BODY)],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: '/loki/api/v1/push',
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-encoding': encoding },
        payload: body,
      });
      expect(res.statusCode).toBe(204);
    }
    expect(pushed).toHaveLength(2);
    expect(pushed[1]!.streams[0]!.entries[0]!.ts).toBe(1700000000123456789n);
  });

  it('accepts the legacy JSON format on /api/prom/push', async () => {
    const { app, pushed } = start();
    const body = JSON.stringify({ streams: [{ labels: '{foo="bar"}', entries: [{ ts: '2018-12-18T08:28:06.801064-04:00', line: 'baz' }] }] });
    const res = await app.inject({ method: 'POST', url: '/api/prom/push', headers: { 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).toBe(204);
    expect(pushed[0]!.streams).toEqual([{ labels: '{foo="bar"}', entries: [{ ts: 1545136086801064000n, line: 'baz' }] }]);
  });

  it.each([
    ['not JSON', '{"streams":[', 'invalid JSON'],
    ['numeric timestamp', '{"streams":[{"stream":{"a":"b"},"values":[[1700000000,"x"]]}]}', 'timestamp must be a string'],
    ['bad timestamp text', '{"streams":[{"stream":{"a":"b"},"values":[["17e9","x"]]}]}', 'strconv.ParseInt: parsing "17e9": invalid syntax'],
    ['numeric line', '{"streams":[{"stream":{"a":"b"},"values":[["1","x"],["2",5]]}]}', 'streams[0].values[1][1]: line must be a string'],
    ['non-string label', '{"streams":[{"stream":{"a":1},"values":[]}]}', 'value of "a" must be a string'],
    ['non-string metadata', '{"streams":[{"stream":{"a":"b"},"values":[["1","x",{"k":1}]]}]}', 'structured metadata'],
    ['streams not an array', '{"streams":{}}', '"streams" must be an array'],
  ])('answers 400 with text for %s, and keeps serving', async (_name, body, text) => {
    const { app, pushed } = start();
    const res = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.body).toContain(text);
    expect(res.body.endsWith('\n')).toBe(true);
    expect(pushed).toHaveLength(0);
    const ok = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json' }, payload: JSON_BODY });
    expect(ok.statusCode).toBe(204);
  });

  it('rejects a corrupt gzip body with 400', async () => {
    const { app } = start();
    const res = await app.inject({
      method: 'POST',
      url: '/loki/api/v1/push',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: Buffer.from('definitely not gzip'),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/^gzip: /);
  });
});

describe('protobuf push', () => {
  const streams = [
    {
      labels: '{app="api", env="prod"}',
      entries: [
        { ts: 1700000000123456789n, line: 'one' },
        { ts: 1700000000999999999n, line: 'two ünïcödé', metadata: [{ name: 'trace_id', value: 'abc' }] },
      ],
    },
    { labels: '{app="web"}', entries: [{ ts: 1n, line: '' }] },
  ];

  it('decodes snappy-compressed logproto.PushRequest with structured metadata and exact timestamps', async () => {
    const { app, pushed } = start();
    const res = await app.inject({
      method: 'POST',
      url: '/loki/api/v1/push',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from(snappyCompress(encodePushRequest(streams))),
    });
    expect(res.statusCode).toBe(204);
    expect(pushed[0]!.streams).toEqual(streams);
  });

  it('treats Content-Encoding snappy as the protobuf default, and any non-JSON type as protobuf', async () => {
    const { app, pushed } = start();
    const payload = Buffer.from(snappyCompress(encodePushRequest(streams)));
    const a = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, payload });
    const b = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/octet-stream' }, payload });
    expect([a.statusCode, b.statusCode]).toEqual([204, 204]);
    expect(pushed).toHaveLength(2);
  });

  it('answers 400 for bytes that are not snappy, and for snappy that is not protobuf', async () => {
    const { app } = start();
    const notSnappy = await app.inject({
      method: 'POST',
      url: '/loki/api/v1/push',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from([5, 3, 1]),
    });
    expect(notSnappy.statusCode).toBe(400);
    expect(notSnappy.body).toBe('snappy: corrupt input\n');
    // A block claiming far more than its size could expand to is refused before allocating.
    const inflated = await app.inject({
      method: 'POST',
      url: '/loki/api/v1/push',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from([0xff, 0xff, 0x03, 1, 2, 3]),
    });
    expect(inflated.statusCode).toBe(400);
    expect(inflated.body).toBe('snappy: corrupt input\n');
    const notProto = await app.inject({
      method: 'POST',
      url: '/loki/api/v1/push',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from(snappyCompress(Buffer.from([0x0a, 0x50, 0x01]))),
    });
    expect(notProto.statusCode).toBe(400);
    expect(notProto.body).toMatch(/^proto: /);
  });
});

describe('content negotiation and limits', () => {
  it('answers 400 for an unsupported Content-Encoding, as Loki words it', async () => {
    const { app } = start();
    const res = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, payload: JSON_BODY });
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe('Content-Encoding "br" not supported\n');
  });

  it('answers 400 when the Content-Type is missing', async () => {
    const { app } = start();
    const res = await app.inject({ method: 'POST', url: '/loki/api/v1/push', payload: Buffer.from('x') });
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe('mime: no media type\n');
  });

  it('answers 413 for bodies over the limit, compressed or decompressed', async () => {
    const { app } = start({ limits: { maxBodyBytes: 1000 } });
    const big = JSON.stringify({ streams: [{ stream: { a: 'b' }, values: [['1', 'x'.repeat(5000)]] }] });
    const raw = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json' }, payload: big });
    expect(raw.statusCode).toBe(413);
    expect(raw.body).toMatch(/^request body too large: /);
    const zipped = gzipSync(big);
    expect(zipped.length).toBeLessThan(1000);
    const gz = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: zipped });
    expect(gz.statusCode).toBe(413);
    const snappyBig = Buffer.from(snappyCompress(encodePushRequest([{ labels: '{a="b"}', entries: [{ ts: 1n, line: 'y'.repeat(5000) }] }])));
    expect(snappyBig.length).toBeLessThan(1000);
    const sn = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/x-protobuf' }, payload: snappyBig });
    expect(sn.statusCode).toBe(413);
  });
});

describe('tenancy and service errors', () => {
  it('requires X-Scope-OrgID with auth: 401 "no org id", before reading the body', async () => {
    const { app, pushed } = start({ auth: true, limits: { maxBodyBytes: 10 } });
    const res = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json' }, payload: JSON_BODY });
    expect(res.statusCode).toBe(401);
    expect(res.body).toBe('no org id\n');
    expect(pushed).toHaveLength(0);
  });

  it('passes the tenant through and validates it as Loki does', async () => {
    const { app, pushed } = start({ auth: true });
    const ok = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json', 'x-scope-orgid': 'team-a' }, payload: JSON_BODY });
    expect(ok.statusCode).toBe(204);
    expect(pushed[0]!.tenant).toBe('team-a');
    const cases: [string, string][] = [
      ['a/b', "tenant ID 'a/b' contains unsupported character '/'"],
      ['x'.repeat(151), 'tenant ID is too long: max 150 characters'],
      ['..', "tenant ID is '.' or '..'"],
      ['a|b', 'multiple org IDs present'],
    ];
    for (const [tenant, message] of cases) {
      const res = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json', 'x-scope-orgid': tenant }, payload: JSON_BODY });
      expect(res.statusCode).toBe(400);
      expect(res.body).toBe(message + '\n');
    }
  });

  it('answers with the status and text the push service rejects with', async () => {
    const validation = new ValidationError('entry for stream \'{app="api"}\' has timestamp too old');
    const rate = new RateLimitError('Ingestion rate limit exceeded');
    const remote = new RemoteError('norn.ingester.x.push', 'no quorum', 'BUS_TIMEOUT', 503);
    const errors = [validation, rate, remote, new Error('boom')];
    let next = 0;
    const { app } = start({}, async () => {
      throw errors[next++];
    });
    const statuses: [number, string][] = [];
    for (let i = 0; i < errors.length; i++) {
      const res = await app.inject({ method: 'POST', url: '/loki/api/v1/push', headers: { 'content-type': 'application/json' }, payload: JSON_BODY });
      statuses.push([res.statusCode, res.body]);
    }
    expect(statuses).toEqual([
      [400, 'entry for stream \'{app="api"}\' has timestamp too old\n'],
      [429, 'Ingestion rate limit exceeded\n'],
      [503, 'no quorum\n'],
      [500, 'boom\n'],
    ]);
  });
});
