// Loki's deletion API over real HTTP, with its requests in a real S3 server (s3rver) and a
// clock the test moves, so the cancel period passes without waiting.

import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeletionMode } from '../core/limits.js';
import { DeleteRequestStore } from '../actors/compactor/deletion/request-store.js';
import { DeleteRequestsService } from '../actors/compactor/deletion/service.js';
import { S3Store } from '../storage/s3-store.js';
import { startS3Server, type S3ServerHandle } from '../test/helpers/s3-server.js';
import { emptyQueryService } from '../test/helpers/fake-services.js';
import { createHttpServer } from './server.js';
import { deleteMaxInterval, deleteRequestTime } from './delete-routes.js';

const NOW_MS = 1_700_000_000_000; // 2023-11-14T22:13:20Z
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW_S = NOW_MS / 1000;

let s3: S3ServerHandle;
let bucketCount = 0;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.close();
});

let app: ReturnType<typeof createHttpServer> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

interface Started {
  readonly url: string;
  readonly store: DeleteRequestStore;
  readonly clock: { now: number };
  readonly modes: Map<string, DeletionMode>;
  readonly bucket: string;
}

async function start(options: { auth?: boolean; bucket?: string } = {}): Promise<Started> {
  const bucket = options.bucket ?? `deletes-${++bucketCount}`;
  const objects = new S3Store({ endpoint: s3.endpoint, bucket, accessKey: s3.accessKey, secretKey: s3.secretKey });
  const clock = { now: NOW_MS };
  const modes = new Map<string, DeletionMode>();
  const store = new DeleteRequestStore(objects, { cacheTtlMs: 0 });
  const deletes = new DeleteRequestsService({ store, modeFor: (tenant) => modes.get(tenant) ?? 'filter-and-delete', now: () => clock.now });
  app = createHttpServer({
    push: { push: async () => {} },
    query: emptyQueryService(),
    logger: pino({ level: 'silent' }),
    auth: options.auth ?? true,
    registry: new Registry(),
    isReady: () => true,
    buildInfo: { version: '3.4.2', revision: 'abc123', branch: 'main' },
    limits: { maxBodyBytes: 1 << 20 },
    deletes,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, store, clock, modes, bucket };
}

const ORG = { 'X-Scope-OrgID': 'acme' };

async function call(server: Started, method: string, params: Record<string, string>, headers: Record<string, string> = ORG) {
  const response = await fetch(`${server.url}/loki/api/v1/delete?${new URLSearchParams(params)}`, { method, headers });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

const list = async (server: Started, headers: Record<string, string> = ORG) => {
  const answer = await call(server, 'GET', {}, headers);
  expect([answer.status, answer.type]).toEqual([200, 'application/json; charset=utf-8']);
  return JSON.parse(answer.body) as Array<Record<string, unknown>>;
};

describe('POST /loki/api/v1/delete', () => {
  it('answers 204 and stores the request; GET lists it in Loki\'s shape', async () => {
    const server = await start();
    const created = await call(server, 'POST', { query: '{app="api"} |= "token"', start: String(NOW_S - 3600), end: String(NOW_S - 60) });
    expect(created).toEqual({ status: 204, type: null, body: '' });
    const answer = await call(server, 'GET', {});
    expect(answer.body.endsWith(']\n')).toBe(true);
    const [request] = JSON.parse(answer.body) as Array<Record<string, unknown>>;
    expect(request).toEqual({
      request_id: expect.stringMatching(/^[0-9a-f]{8}$/),
      start_time: NOW_S - 3600,
      end_time: NOW_S - 60,
      query: '{app="api"} |= "token"',
      status: 'received',
      created_at: NOW_S,
      user_id: 'acme',
    });
    // Keys are in Loki's order.
    expect(Object.keys(request!)).toEqual(['request_id', 'start_time', 'end_time', 'query', 'status', 'created_at', 'user_id']);
  });

  it('takes RFC 3339, PUT and a form body; end defaults to now', async () => {
    const server = await start();
    expect((await call(server, 'PUT', { query: '{app="a"}', start: '2023-11-14T20:00:00.250Z' })).status).toBe(204);
    const form = await fetch(`${server.url}/loki/api/v1/delete`, {
      method: 'POST',
      headers: { ...ORG, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: '{app="b"}', start: String(NOW_S - 10), end: String(NOW_S - 5) }).toString(),
    });
    expect(form.status).toBe(204);
    // Both were created in the same (frozen) millisecond, so order them by query to compare.
    const requests = (await list(server)).sort((a, b) => String(a.query).localeCompare(String(b.query)));
    expect(requests.map((r) => [r.query, r.start_time, r.end_time])).toEqual([
      ['{app="a"}', 1_699_992_000.25, NOW_S],
      ['{app="b"}', NOW_S - 10, NOW_S - 5],
    ]);
  });

  it('splits a request with line filters by max_interval and lists it as one', async () => {
    const server = await start();
    expect((await call(server, 'POST', { query: '{app="api"} |= "x"', start: String(NOW_S - 3 * 3600), end: String(NOW_S), max_interval: '1h' })).status).toBe(204);
    const [request] = await list(server);
    expect(request).toMatchObject({ start_time: NOW_S - 3 * 3600, end_time: NOW_S, status: 'received' });
    const stored = await server.store.list('acme');
    expect(stored[0]!.parts.map((p) => [p.startMs, p.endMs])).toEqual([
      [NOW_MS - 3 * HOUR, 1_699_992_000_000],
      [1_699_992_000_000, 1_699_995_600_000],
      [1_699_995_600_000, 1_699_999_200_000],
      [1_699_999_200_000, NOW_MS],
    ]);
    // Without line filters, a request is never split; with them the default is delete_max_interval (24h).
    await call(server, 'POST', { query: '{app="api"}', start: String(NOW_S - 3 * 86_400), max_interval: '1h' });
    await call(server, 'POST', { query: '{app="api"} != "y"', start: String(NOW_S - 3 * 86_400) });
    const parts = new Map((await server.store.list('acme')).map((r) => [r.query, r.parts.length]));
    expect(parts).toEqual(new Map([['{app="api"} |= "x"', 4], ['{app="api"}', 1], ['{app="api"} != "y"', 4]]));
  });

  it("refuses bad input with Loki's 400 messages, as plain text ending in a newline", async () => {
    const server = await start();
    const cases: Array<[Record<string, string>, string]> = [
      [{ start: '1700000000' }, 'query not set'],
      [{ query: '{app="api"', start: '1700000000' }, 'invalid query expression: parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,'],
      [{ query: 'rate({app="api"}[1m])', start: '1700000000' }, 'invalid query expression: only log selector is supported'],
      [{ query: '{app="api"}' }, 'start time not set'],
      [{ query: '{app="api"}', start: 'yesterday' }, 'invalid start time: require unix seconds or RFC3339 format'],
      [{ query: '{app="api"}', start: '1700000000000' }, 'invalid start time: require unix seconds or RFC3339 format'],
      [{ query: '{app="api"}', start: '1699990000', end: 'soon' }, 'invalid end time: require unix seconds or RFC3339 format'],
      [{ query: '{app="api"}', start: '1699990000', end: '1700000001' }, 'deletes in the future are not allowed'],
      [{ query: '{app="api"}', start: '1699990000', end: '1699990000' }, "start time can't be greater than or equal to end time"],
      [{ query: '{app="api"} |= "x"', start: '1699990000', max_interval: '10' }, "invalid max_interval: valid time units are 's', 'm', 'h'"],
      [{ query: '{app="api"} |= "x"', start: '1699990000', max_interval: '500ms' }, "invalid max_interval: valid time units are 's', 'm', 'h'"],
      [{ query: '{app="api"} |= "x"', start: '1699000000', max_interval: '48h' }, "max_interval can't be greater than 24h0m0s"],
      [{ query: '{app="api"} |= "x"', start: String(NOW_S - 3600), max_interval: '2h' }, "max_interval can't be greater than the interval to be deleted (1h0m0s)"],
    ];
    for (const [params, message] of cases) {
      const answer = await call(server, 'POST', params);
      expect([answer.status, answer.type, answer.body], JSON.stringify(params)).toEqual([400, 'text/plain; charset=utf-8', message + '\n']);
    }
    expect(await list(server)).toEqual([]);
  });

  it('needs an org id with auth, one tenant, and a tenant whose deletion_mode is not disabled', async () => {
    const server = await start();
    expect(await call(server, 'GET', {}, {})).toMatchObject({ status: 401, body: 'no org id\n' });
    expect(await call(server, 'GET', {}, { 'X-Scope-OrgID': 'a|b' })).toMatchObject({ status: 400, body: 'multiple org IDs present\n' });
    server.modes.set('acme', 'disabled');
    for (const method of ['POST', 'GET', 'DELETE']) {
      expect(await call(server, method, { query: '{app="api"}', start: '1699990000', request_id: '00000000' }), method).toMatchObject({
        status: 403,
        body: 'deletion is not available for this tenant\n',
      });
    }
    // The mode is read at every call: a runtime override turning it back on takes effect at once.
    server.modes.set('acme', 'filter-only');
    expect((await call(server, 'POST', { query: '{app="api"}', start: '1699990000' })).status).toBe(204);
  });

  it('is a tenant-less single tenant (fake) without auth', async () => {
    const server = await start({ auth: false });
    expect((await call(server, 'POST', { query: '{app="api"}', start: '1699990000' }, {})).status).toBe(204);
    expect((await list(server, {}))[0]).toMatchObject({ user_id: 'fake' });
  });
});

describe('DELETE /loki/api/v1/delete', () => {
  async function withRequest(query = '{app="api"}') {
    const server = await start();
    await call(server, 'POST', { query, start: String(NOW_S - 3 * 3600), max_interval: '1h' });
    const [request] = await list(server);
    return { server, id: request!.request_id as string };
  }

  it('cancels within the cancel period (204) and the request is gone from the list', async () => {
    const { server, id } = await withRequest();
    server.clock.now = NOW_MS + DAY; // exactly at the deadline: still cancellable
    expect(await call(server, 'DELETE', { request_id: id })).toEqual({ status: 204, type: null, body: '' });
    expect(await list(server)).toEqual([]);
    expect(await call(server, 'DELETE', { request_id: id })).toMatchObject({ status: 404, body: 'could not find delete request with given id\n' });
    expect(await call(server, 'DELETE', {})).toMatchObject({ status: 404, body: 'could not find delete request with given id\n' });
    expect(await call(server, 'DELETE', { request_id: '../../x' })).toMatchObject({ status: 404 });
  });

  it("refuses after the cancel period with Loki's message, unless forced", async () => {
    const { server, id } = await withRequest();
    server.clock.now = NOW_MS + DAY + 1;
    expect(await call(server, 'DELETE', { request_id: id })).toEqual({
      status: 400,
      type: 'text/plain; charset=utf-8',
      body: "Cancellation of partially completed delete request or delete request past the deadline of 24h0m0s since its creation is not allowed. To force, use the ?force query parameter\n",
    });
    expect((await call(server, 'DELETE', { request_id: id, force: 'yes' })).status).toBe(400);
    expect((await call(server, 'DELETE', { request_id: id, force: 'true' })).status).toBe(204);
    expect(await list(server)).toEqual([]);
  });

  it('refuses a partly processed request unless forced, and a processed one always', async () => {
    const { server, id } = await withRequest('{app="api"} |= "x"');
    const [stored] = await server.store.list('acme');
    await server.store.put({ ...stored!, parts: stored!.parts.map((part, i) => (i === 0 ? { ...part, status: 'processed' as const } : part)) });
    expect((await list(server))[0]).toMatchObject({ status: '25% Complete' });
    expect(await call(server, 'DELETE', { request_id: id })).toMatchObject({ status: 400, body: expect.stringMatching(/^Cancellation of partially completed delete request/) });
    await server.store.put({ ...stored!, parts: stored!.parts.map((part) => ({ ...part, status: 'processed' as const })) });
    expect((await list(server))[0]).toMatchObject({ status: 'processed' });
    for (const force of ['false', 'true']) {
      expect(await call(server, 'DELETE', { request_id: id, force })).toEqual({
        status: 400,
        type: 'text/plain; charset=utf-8',
        body: 'deletion of request which is in process or already processed is not allowed\n',
      });
    }
  });

  it('sees only its own tenant\'s requests', async () => {
    const { server, id } = await withRequest();
    expect(await list(server, { 'X-Scope-OrgID': 'other' })).toEqual([]);
    expect((await call(server, 'DELETE', { request_id: id }, { 'X-Scope-OrgID': 'other' })).status).toBe(404);
  });
});

describe('the request store', () => {
  it('loses nothing across a restart: a new store over the same bucket lists the same requests', async () => {
    const first = await start();
    await call(first, 'POST', { query: '{app="api"} |= "x"', start: String(NOW_S - 7200), max_interval: '30m' });
    first.clock.now += 1000;
    await call(first, 'POST', { query: '{app="web"}', start: String(NOW_S - 60) });
    const before = await list(first);
    await app!.close();
    app = undefined;
    const second = await start({ bucket: first.bucket });
    expect(await list(second)).toEqual(before);
    expect(before.map((r) => r.query)).toEqual(['{app="api"} |= "x"', '{app="web"}']);
    // 2h from an unaligned start in 30m parts: a short first part, three whole ones, a short last one.
    expect((await second.store.list('acme'))[0]!.parts).toHaveLength(5);
  });
});

describe('parameter decoding', () => {
  it("reads Loki's delete times: RFC 3339 or ten characters of Unix seconds", () => {
    expect(deleteRequestTime('1700000000')).toBe(1_700_000_000_000);
    expect(deleteRequestTime('2023-11-14T22:13:20.999999Z')).toBe(1_700_000_000_999);
    expect(deleteRequestTime('2023-11-14T23:13:20+01:00')).toBe(1_700_000_000_000);
    expect(deleteRequestTime('')).toBeUndefined();
    expect(deleteRequestTime(null)).toBeUndefined();
    for (const bad of ['170000000', '17000000000', '1700000000000000000', 'now', '2023-11-14']) expect(deleteRequestTime(bad), bad).toBe('unreadable');
    expect(deleteMaxInterval('1h30m')).toBe(5_400_000);
    expect(deleteMaxInterval('90')).toBe('unreadable');
    expect(deleteMaxInterval(null)).toBeUndefined();
  });
});
