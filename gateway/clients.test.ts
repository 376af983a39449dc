// The real client libraries against the HTTP layer, over loopback: what they send must decode
// into the streams they meant. The services behind the edge are fakes here.

import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { pinoLoki } from 'pino-loki';
import { Registry } from 'prom-client';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { afterEach, describe, expect, it } from 'vitest';
import type { PushStreamInput } from '../actors/distributor/api.js';
import { createHttpServer } from './server.js';
import { emptyQueryService } from '../test/helpers/fake-services.js';

// winston-loki sends protobuf only when its optional native `snappy` module loads.
const nativeSnappy = (() => {
  try {
    createRequire(createRequire(import.meta.url).resolve('winston-loki'))('snappy');
    return true;
  } catch {
    return false;
  }
})();

interface Received {
  tenant: string;
  contentType: string | undefined;
  streams: readonly PushStreamInput[];
}

let app: ReturnType<typeof createHttpServer> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(): Promise<{ host: string; received: Received[]; arrival: () => Promise<Received> }> {
  const received: Received[] = [];
  const waiters: ((item: Received) => void)[] = [];
  let contentType: string | undefined;
  app = createHttpServer({
    push: {
      push: async (tenant, streams) => {
        const item = { tenant, contentType, streams };
        received.push(item);
        waiters.shift()?.(item);
      },
    },
    query: emptyQueryService(),
    logger: pino({ level: 'silent' }),
    auth: true,
    registry: new Registry(),
    isReady: () => true,
    buildInfo: { version: 'test', revision: 'r', branch: 'b' },
    limits: { maxBodyBytes: 1 << 20 },
  });
  app.addHook('onRequest', async (request) => {
    contentType = request.headers['content-type'];
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  let taken = 0;
  const arrival = () =>
    new Promise<Received>((resolve) => {
      const index = taken++;
      if (received[index] !== undefined) resolve(received[index]!);
      else waiters.push(resolve);
    });
  return { host: `http://127.0.0.1:${port}`, received, arrival };
}

describe('pino-loki (JSON)', () => {
  it('pushes lines with labels, structured metadata and nanosecond timestamps', async () => {
    const { host, arrival } = await start();
    const stream = pinoLoki({ host, batching: false, labels: { app: 'pino-test' }, headers: { 'X-Scope-OrgID': 'tenant-p' } });
    const logger = pino({ level: 'info' }, stream);
    const before = BigInt(Date.now()) * 1_000_000n;
    logger.info({ meta: { trace_id: 'abc', attempt: 2 } }, 'hello from pino');
    const got = await arrival();
    stream.end();
    expect(got.tenant).toBe('tenant-p');
    expect(got.contentType).toBe('application/json');
    const pushed = got.streams[0]!;
    expect(pushed.labels).toMatchObject({ app: 'pino-test', level: 'info' });
    const entry = pushed.entries[0]!;
    expect(entry.ts >= before - 1_000_000_000n && entry.ts <= before + 60_000_000_000n).toBe(true);
    expect(JSON.parse(entry.line)).toMatchObject({ msg: 'hello from pino', level: 30 });
    expect(entry.metadata).toEqual([
      { name: 'attempt', value: '2' },
      { name: 'trace_id', value: 'abc' },
    ]);
  });
});

describe('winston-loki', () => {
  for (const json of [false, true]) {
    it(`pushes through its ${json ? 'JSON' : 'protobuf + snappy'} encoder`, async () => {
      const { host, arrival } = await start();
      const errors: unknown[] = [];
      const transport = new LokiTransport({
        host,
        json,
        batching: false,
        gracefulShutdown: false,
        replaceTimestamp: false,
        labels: { app: 'winston-test' },
        headers: { 'X-Scope-OrgID': 'tenant-w' },
        onConnectionError: (error: unknown) => errors.push(error),
      });
      const logger = winston.createLogger({ transports: [transport] });
      logger.info({ message: 'hello from winston', timestamp: '2023-11-14T22:13:20.123Z' });
      const got = await arrival();
      logger.close();
      expect(errors).toEqual([]);
      expect(got.tenant).toBe('tenant-w');
      expect(got.contentType).toBe(json || !nativeSnappy ? 'application/json' : 'application/x-protobuf');
      const pushed = got.streams[0]!;
      const labels = typeof pushed.labels === 'string' ? pushed.labels : JSON.stringify(pushed.labels);
      expect(labels).toContain('winston-test');
      expect(labels).toContain('info');
      expect(pushed.entries).toHaveLength(1);
      expect(pushed.entries[0]!.ts).toBe(1700000000123000000n);
      expect(pushed.entries[0]!.line.startsWith('hello from winston')).toBe(true);
    });
  }
});
