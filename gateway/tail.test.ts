import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { QueryService } from '../actors/querier/api.js';
import type { QueryParams } from '../logql/types.js';
import { emptyStats } from '../logql/types.js';
import type { Entry } from '../core/model.js';
import { LogQLParseError } from '../logql/errors.js';
import { createHttpServer } from './server.js';
import { emptyQueryService } from '../test/helpers/fake-services.js';

const SECOND = 1_000_000_000n;
const T0 = 1700000000n * SECOND;

/** An in-memory log store answering range queries like the real query service. */
function fakeStore() {
  const entries: Entry[] = [];
  const calls: QueryParams[] = [];
  const service: QueryService = emptyQueryService({
    query: async (params) => {
      calls.push(params);
      if (params.query.startsWith('sum(')) return { data: { resultType: 'vector', result: [] }, stats: emptyStats() };
      if (params.query === 'bad') throw new LogQLParseError('syntax error', 1, 1);
      const inRange = entries.filter((entry) => entry.ts >= params.start && entry.ts < params.end);
      inRange.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
      if (params.direction === 'backward') inRange.reverse();
      const result = [{ labels: [{ name: 'app', value: 'api' }], entries: inRange.slice(0, params.limit) }];
      return { data: { resultType: 'streams', result }, stats: emptyStats() };
    },
  });
  return { entries, calls, service };
}

let app: ReturnType<typeof createHttpServer> | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await app?.close();
  app = undefined;
});

async function start(service: QueryService, clock: { now: bigint }, auth = false, tailMaxBufferedBytes?: number) {
  app = createHttpServer({
    push: { push: async () => {} },
    query: service,
    logger: pino({ level: 'silent' }),
    auth,
    registry: new Registry(),
    isReady: () => true,
    buildInfo: { version: 'test', revision: 'r', branch: 'b' },
    limits: { maxBodyBytes: 1 << 20, tailPollIntervalMs: 5, ...(tailMaxBufferedBytes !== undefined ? { tailMaxBufferedBytes } : {}) },
    now: () => clock.now,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return `ws://127.0.0.1:${port}`;
}

/** Collects every message of a socket; `next()` waits for the next one not yet taken. */
function messages(socket: WebSocket) {
  const queue: string[] = [];
  const waiters: ((text: string) => void)[] = [];
  socket.on('message', (data) => {
    const text = data.toString();
    const waiter = waiters.shift();
    if (waiter) waiter(text);
    else queue.push(text);
  });
  return {
    next: () => new Promise<string>((resolve) => (queue.length > 0 ? resolve(queue.shift()!) : waiters.push(resolve))),
  };
}

/** Opens a tail socket; messages are collected from the first frame on, which may share the
 * upgrade response's packet. */
function open(url: string, headers: Record<string, string> = {}): Promise<{ socket: WebSocket; next: () => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    sockets.push(socket);
    const inbox = messages(socket);
    socket.once('open', () => resolve({ socket, next: inbox.next }));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => reject(Object.assign(new Error(body), { statusCode: response.statusCode })));
    });
    socket.once('error', reject);
  });
}

function values(message: string): [string, string][] {
  const parsed = JSON.parse(message) as { streams: { stream: Record<string, string>; values: [string, string][] }[] };
  return parsed.streams.flatMap((stream) => stream.values);
}

describe('live tail', () => {
  it('sends the newest `limit` entries since start oldest first, then each new entry once', async () => {
    const store = fakeStore();
    const clock = { now: T0 };
    for (let i = 1; i <= 5; i++) store.entries.push({ ts: T0 - BigInt(10 - i) * SECOND, line: `old-${i}` });
    const base = await start(store.service, clock);
    const inbox = await open(`${base}/loki/api/v1/tail?query=${encodeURIComponent('{app="api"}')}&limit=3&start=${T0 - 60n * SECOND}`);
    expect(values(await inbox.next())).toEqual([
      [String(T0 - 7n * SECOND), 'old-3'],
      [String(T0 - 6n * SECOND), 'old-4'],
      [String(T0 - 5n * SECOND), 'old-5'],
    ]);
    expect(store.calls[0]).toMatchObject({ tenant: 'fake', start: T0 - 60n * SECOND, end: T0, limit: 3, direction: 'backward' });

    store.entries.push({ ts: T0 + 1n, line: 'new-1' }, { ts: T0 + 2n, line: 'new-2' });
    clock.now = T0 + SECOND;
    expect(values(await inbox.next())).toEqual([
      [String(T0 + 1n), 'new-1'],
      [String(T0 + 2n), 'new-2'],
    ]);

    store.entries.push({ ts: T0 + SECOND + 5n, line: 'new-3' });
    clock.now = T0 + 2n * SECOND;
    expect(values(await inbox.next())).toEqual([[String(T0 + SECOND + 5n), 'new-3']]);
    const polls = store.calls.slice(1);
    expect(polls.every((call) => call.direction === 'forward')).toBe(true);
  });

  it('pages through bursts larger than one poll without losing or repeating entries', async () => {
    const store = fakeStore();
    const clock = { now: T0 };
    const base = await start(store.service, clock);
    const inbox = await open(`${base}/loki/api/v1/tail?query=x&start=${T0 - SECOND}`);
    // Pairs of entries share a timestamp, and one pair straddles the 1000-entry poll boundary.
    const burst = 2500;
    for (let i = 0; i < burst; i++) store.entries.push({ ts: T0 + 10n + BigInt(Math.floor((i + 1) / 2)), line: `burst-${i}` });
    clock.now = T0 + SECOND;
    const received: string[] = [];
    while (received.length < burst) for (const [, line] of values(await inbox.next())) received.push(line);
    expect(received).toHaveLength(burst);
    expect(new Set(received).size).toBe(burst);
    expect(received.slice(998, 1003)).toEqual(['burst-998', 'burst-999', 'burst-1000', 'burst-1001', 'burst-1002']);
  });

  it('waits delay_for before sending, and rejects more than 5 s', async () => {
    const store = fakeStore();
    const clock = { now: T0 };
    const base = await start(store.service, clock);
    const { socket } = await open(`${base}/loki/api/v1/tail?query=x&delay_for=2&start=${T0 - 60n * SECOND}`);
    expect(store.calls[0]!.end).toBe(T0 - 2n * SECOND);
    socket.close();
    await expect(open(`${base}/loki/api/v1/tail?query=x&delay_for=6`)).rejects.toMatchObject({
      statusCode: 400,
      message: "delay_for can't be greater than 5",
    });
  });

  it('answers query errors and metric queries with HTTP 400 before upgrading', async () => {
    const store = fakeStore();
    const base = await start(store.service, { now: T0 });
    await expect(open(`${base}/loki/api/v1/tail?query=bad`)).rejects.toMatchObject({ statusCode: 400, message: 'parse error at line 1, col 1: syntax error' });
    await expect(open(`${base}/loki/api/v1/tail?query=${encodeURIComponent('sum(rate({a="b"}[1m]))')}`)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('requires one tenant with auth', async () => {
    const store = fakeStore();
    const base = await start(store.service, { now: T0 }, true);
    await expect(open(`${base}/loki/api/v1/tail?query=x`)).rejects.toMatchObject({ statusCode: 401, message: 'no org id' });
    await expect(open(`${base}/loki/api/v1/tail?query=x`, { 'X-Scope-OrgID': 'a|b' })).rejects.toMatchObject({ statusCode: 400 });
    const { socket } = await open(`${base}/loki/api/v1/tail?query=x`, { 'X-Scope-OrgID': 'team' });
    expect(store.calls.at(-1)!.tenant).toBe('team');
    socket.close();
  });
});

/** A query service whose `tail` the test feeds by hand, as ingesters would. */
function liveStore() {
  const store = fakeStore();
  const feeds: Array<(streams: { labels: { name: string; value: string }[]; entries: Entry[] }[]) => void> = [];
  let closed = 0;
  const service: QueryService = {
    ...store.service,
    tail: async (_tenant, _query, handlers) => {
      feeds.push((streams) => handlers.onStreams(streams));
      return { close: async () => void closed++ };
    },
  };
  const labels = [{ name: 'app', value: 'api' }];
  return {
    ...store,
    service,
    feed: (...entries: Entry[]) => feeds.forEach((feed) => feed([{ labels, entries }])),
    get subscribed() {
      return feeds.length;
    },
    get closed() {
      return closed;
    },
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
}

describe('live tail fed by the ingesters', () => {
  it('sends every accepted line once: lagging timestamps, replicas and the catch-up overlap included', async () => {
    const store = liveStore();
    store.entries.push({ ts: T0 - 2n * SECOND, line: 'old' });
    const base = await start(store.service, { now: T0 });
    const { socket, next } = await open(`${base}/loki/api/v1/tail?query=x&start=${T0 - 10n * SECOND}`);
    expect(values(await next())).toEqual([[String(T0 - 2n * SECOND), 'old']]);
    await until(() => store.subscribed === 1);
    // A line the historical batch sent comes again from a replica: not resent. A lagging line
    // (older than anything sent) and one at the same timestamp with another text go out.
    store.feed({ ts: T0 - 2n * SECOND, line: 'old' }, { ts: T0 - 60n * SECOND, line: 'lagging' }, { ts: T0 - 2n * SECOND, line: 'same time' });
    store.feed({ ts: T0 - 60n * SECOND, line: 'lagging' });
    expect(values(await next())).toEqual([
      [String(T0 - 60n * SECOND), 'lagging'],
      [String(T0 - 2n * SECOND), 'same time'],
    ]);
    socket.close();
    await until(() => store.closed === 1);
  });

  it('lists what a slow client missed in dropped_entries, as Loki does, and carries on', async () => {
    const store = liveStore();
    const base = await start(store.service, { now: T0 }, false, 1024);
    const { socket, next } = await open(`${base}/loki/api/v1/tail?query=x&start=${T0}`);
    await until(() => store.subscribed === 1);
    // The client stops reading: the server's socket fills up past 1 KiB and lines are dropped.
    (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    // One message per flush (100 ms): the first ones fill the kernel's buffers, then the socket's.
    const big = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 40; i++) {
      store.feed({ ts: T0 + BigInt(i), line: `${i} ${big}` });
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
    store.feed({ ts: T0 + 1_000n, line: 'after' });
    await new Promise((resolve) => setTimeout(resolve, 120));
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
    let dropped: { timestamp: string; labels: Record<string, string> }[] | undefined;
    const received: string[] = [];
    for (let i = 0; i < 50 && dropped === undefined; i++) {
      const message = JSON.parse(await next()) as { streams: { values: [string, string][] }[]; dropped_entries?: typeof dropped };
      for (const stream of message.streams) for (const [, line] of stream.values) received.push(line);
      dropped = message.dropped_entries;
    }
    expect(dropped!.length).toBeGreaterThan(0);
    expect(dropped![0]!.labels).toEqual({ app: 'api' });
    expect(BigInt(dropped![0]!.timestamp)).toBeGreaterThanOrEqual(T0);
    // Sent plus dropped is everything fed before the pause ended: nothing vanished unreported.
    const sentBig = received.filter((line) => line !== 'after').length;
    expect(sentBig + dropped!.length).toBe(41);
    socket.close();
  });
});

