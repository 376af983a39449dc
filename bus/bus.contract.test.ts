// One contract, two transports: every test below runs against the in-process bus and against
// the NATS bus on a real nats-server. Several buses on one world stand for several processes.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../test/helpers/nats-server.js';
import type { Bus, BusMessage, KvChange } from './bus.js';
import { BusError, BusTimeoutError, KvConflictError, NoRespondersError, RemoteError } from './errors.js';
import { MemoryBroker } from './memory-broker.js';
import { MemoryBus } from './memory-bus.js';
import type { NatsBus } from './nats-bus.js';
import { connectNatsBus } from './nats-connect.js';

interface World {
  /** A new bus on the shared server: one more process. */
  connect(): Promise<Bus>;
  /** Resolves once everything `bus` sent so far has reached the server (subscriptions too). */
  flush(bus: Bus): Promise<void>;
}

let unique = 0;
const prefix = (): string => `t${process.pid}x${++unique}`;

async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function* count(n: number, onDone?: () => void): AsyncGenerator<{ i: number; ts: bigint }> {
  try {
    for (let i = 0; i < n; i++) yield { i, ts: 1_700_000_000_000_000_000n + BigInt(i) };
  } finally {
    onDone?.();
  }
}

/** `encodes: false` for a transport that hands values over as they are: payload limits do not apply. */
function busContract(name: string, makeWorld: () => Promise<World & { dispose(): Promise<void> }>, { encodes = true } = {}): void {
  describe(`Bus contract: ${name}`, () => {
    let world: World & { dispose(): Promise<void> };
    const opened: Bus[] = [];
    const hang = { release: (): void => undefined };
    const connect = async (): Promise<Bus> => {
      const bus = await world.connect();
      opened.push(bus);
      return bus;
    };
    const pair = async (): Promise<[Bus, Bus]> => [await connect(), await connect()];

    beforeAll(async () => {
      world = await makeWorld();
    });
    afterEach(async () => {
      hang.release();
      await Promise.all(opened.splice(0).map((bus) => bus.close()));
    });
    afterAll(async () => {
      await world?.dispose();
    });

    describe('publish and subscribe', () => {
      it('delivers published values in order to a subscriber on another bus', async () => {
        const [a, b] = await pair();
        const p = prefix();
        const got: BusMessage[] = [];
        b.subscribe(`${p}.events`, (m) => got.push(m));
        await world.flush(b);
        for (let i = 0; i < 5; i++) a.publish(`${p}.events`, { i, tag: 'x' });
        await waitFor(() => got.length === 5, 'five messages');
        expect(got.map((m) => m.data)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i, tag: 'x' })));
        expect(got[0]?.subject).toBe(`${p}.events`);
      });

      it('matches `*` to one token and `>` to the rest', async () => {
        const [a, b] = await pair();
        const p = prefix();
        const star: string[] = [];
        const rest: string[] = [];
        b.subscribe(`${p}.*.x`, (m) => star.push(m.subject));
        b.subscribe(`${p}.>`, (m) => rest.push(m.subject));
        await world.flush(b);
        for (const s of [`${p}.a.x`, `${p}.a.b.x`, `${p}.b`, `${p}.c.x`]) a.publish(s, null);
        await waitFor(() => rest.length === 4, 'all four on the > subscription');
        await waitFor(() => star.length === 2, 'two on the * subscription');
        expect(star).toEqual([`${p}.a.x`, `${p}.c.x`]);
      });

      it('hands each message to one member of a queue group, and to every plain subscriber', async () => {
        const [a, b] = await pair();
        const c = await connect();
        const p = prefix();
        const counts = { b: 0, c: 0, plain: 0 };
        b.subscribe(`${p}.work`, () => counts.b++, { queue: 'workers' });
        c.subscribe(`${p}.work`, () => counts.c++, { queue: 'workers' });
        c.subscribe(`${p}.work`, () => counts.plain++);
        await Promise.all([world.flush(b), world.flush(c)]);
        for (let i = 0; i < 40; i++) a.publish(`${p}.work`, i);
        await waitFor(() => counts.plain === 40 && counts.b + counts.c === 40, 'all deliveries');
        expect(counts.b).toBeGreaterThan(0);
        expect(counts.c).toBeGreaterThan(0);
      });

      it('stops delivering after unsubscribe', async () => {
        const [a, b] = await pair();
        const p = prefix();
        const got: unknown[] = [];
        const sub = b.subscribe(`${p}.s`, (m) => got.push(m.data));
        const marker: unknown[] = [];
        b.subscribe(`${p}.marker`, (m) => marker.push(m.data));
        await world.flush(b);
        a.publish(`${p}.s`, 1);
        await waitFor(() => got.length === 1, 'first message');
        sub.unsubscribe();
        await world.flush(b);
        a.publish(`${p}.s`, 2);
        a.publish(`${p}.marker`, 'after');
        await waitFor(() => marker.length === 1, 'the marker');
        expect(got).toEqual([1]);
      });

      it('carries bigint and Uint8Array exactly', async () => {
        const [a, b] = await pair();
        const p = prefix();
        const got: Array<{ ts: bigint; big: bigint; bytes: Uint8Array }> = [];
        b.subscribe<{ ts: bigint; big: bigint; bytes: Uint8Array }>(`${p}.bin`, (m) => got.push(m.data));
        await world.flush(b);
        a.publish(`${p}.bin`, { ts: 1_712_345_678_901_234_567n, big: 2n ** 80n + 1n, bytes: new Uint8Array([0, 7, 255]) });
        await waitFor(() => got.length === 1, 'the message');
        const [m] = got;
        expect(m?.ts).toBe(1_712_345_678_901_234_567n);
        expect(m?.big).toBe(2n ** 80n + 1n);
        expect(m?.bytes).toBeInstanceOf(Uint8Array);
        expect(Array.from(m?.bytes ?? [])).toEqual([0, 7, 255]);
      });

      it('rejects malformed subjects the same way', async () => {
        const a = await connect();
        expect(() => a.publish('a..b', 1)).toThrow(TypeError);
        expect(() => a.publish('a.*', 1)).toThrow(TypeError);
        expect(() => a.subscribe('a.>.b', () => undefined)).toThrow(TypeError);
      });
    });

    describe('request and reply', () => {
      it('answers a request from a handler on another bus, with the matched subject', async () => {
        const [a, b] = await pair();
        const p = prefix();
        b.handle<{ n: bigint }, unknown>(`${p}.echo.*`, async (data, subject) => ({ n: data.n * 2n, subject }));
        await world.flush(b);
        const reply = await a.request(`${p}.echo.one`, { n: 21n }, { timeoutMs: 5000 });
        expect(reply).toEqual({ n: 42n, subject: `${p}.echo.one` });
      });

      it('spreads requests over a queue group, each answered once', async () => {
        const [a, b] = await pair();
        const c = await connect();
        const p = prefix();
        b.handle(`${p}.q`, () => 'b', { queue: 'ingesters' });
        c.handle(`${p}.q`, () => 'c', { queue: 'ingesters' });
        await Promise.all([world.flush(b), world.flush(c)]);
        const replies = await Promise.all(Array.from({ length: 30 }, () => a.request(`${p}.q`, null, { timeoutMs: 5000 })));
        expect(replies.filter((r) => r === 'b').length + replies.filter((r) => r === 'c').length).toBe(30);
        expect(new Set(replies)).toEqual(new Set(['b', 'c']));
      });

      it('times out with BusTimeoutError when the handler does not answer in time', async () => {
        const [a, b] = await pair();
        const p = prefix();
        b.handle(`${p}.slow`, () => new Promise((resolve) => (hang.release = () => resolve('late'))));
        await world.flush(b);
        const error = await rejection(a.request(`${p}.slow`, null, { timeoutMs: 200 }));
        expect(error).toBeInstanceOf(BusTimeoutError);
        expect((error as BusError).code).toBe('BUS_TIMEOUT');
      });

      it('fails at once with NoRespondersError when nobody serves the subject', async () => {
        const a = await connect();
        const error = await rejection(a.request(`${prefix()}.nobody`, null, { timeoutMs: 20_000 }));
        expect(error).toBeInstanceOf(NoRespondersError);
        expect((error as BusError).code).toBe('BUS_NO_RESPONDERS');
      });

      it("carries a thrown error's message, code and status to the requester", async () => {
        const [a, b] = await pair();
        const p = prefix();
        b.handle(`${p}.bad`, () => {
          throw Object.assign(new Error('error at stream: invalid labels'), { code: 'INVALID_LABELS', status: 400 });
        });
        b.handle(`${p}.plain`, async () => {
          throw new Error('plain failure');
        });
        await world.flush(b);
        const coded = await rejection(a.request(`${p}.bad`, null, { timeoutMs: 5000 }));
        expect(coded).toBeInstanceOf(RemoteError);
        expect(coded).toMatchObject({ code: 'BUS_REMOTE', remoteCode: 'INVALID_LABELS', remoteStatus: 400, message: 'error at stream: invalid labels' });
        const plain = await rejection(a.request(`${p}.plain`, null, { timeoutMs: 5000 }));
        expect(plain).toMatchObject({ remoteCode: undefined, remoteStatus: undefined, message: 'plain failure' });
      });

      it('lets in-flight handlers answer while their bus closes', async () => {
        const [a, b] = await pair();
        const p = prefix();
        let started = false;
        b.handle(`${p}.closing`, async () => {
          started = true;
          await new Promise((resolve) => setTimeout(resolve, 100));
          return 'done';
        });
        await world.flush(b);
        const reply = a.request(`${p}.closing`, null, { timeoutMs: 5000 });
        await waitFor(() => started, 'the handler to start');
        await b.close();
        expect(await reply).toBe('done');
        expect(b.connected).toBe(false);
        expect(() => b.publish(`${p}.x`, 1)).toThrow(expect.objectContaining({ code: 'BUS_CLOSED' }));
      });
    });

    describe('streamed replies', () => {
      it('streams many items in order', async () => {
        const [a, b] = await pair();
        const p = prefix();
        b.handle(`${p}.stream`, (n: number) => count(n));
        await world.flush(b);
        const got: Array<{ i: number; ts: bigint }> = [];
        for await (const item of a.requestStream<{ i: number; ts: bigint }>(`${p}.stream`, 300, { timeoutMs: 5000 })) got.push(item);
        expect(got).toHaveLength(300);
        expect(got.map((x) => x.i)).toEqual(Array.from({ length: 300 }, (_, i) => i));
        expect(got[299]?.ts).toBe(1_700_000_000_000_000_299n);
      });

      it('stops the producer when the consumer breaks early', async () => {
        const [a, b] = await pair();
        const p = prefix();
        let produced = 0;
        let stopped = false;
        b.handle(`${p}.endless`, async function* () {
          try {
            for (;;) yield ++produced;
          } finally {
            stopped = true;
          }
        });
        await world.flush(b);
        const got: number[] = [];
        for await (const item of a.requestStream<number>(`${p}.endless`, null, { timeoutMs: 5000 })) {
          got.push(item);
          if (got.length === 5) break;
        }
        expect(got).toEqual([1, 2, 3, 4, 5]);
        await waitFor(() => stopped, 'the producer to stop');
        expect(produced).toBeLessThan(1000);
      });

      it('delivers the items before a mid-stream error, then the error with its code', async () => {
        const [a, b] = await pair();
        const p = prefix();
        b.handle(`${p}.fails`, async function* () {
          yield 1;
          yield 2;
          throw Object.assign(new Error('chunk is corrupt'), { code: 'CHUNK_CORRUPT', status: 500 });
        });
        await world.flush(b);
        const got: number[] = [];
        const error = await rejection(
          (async () => {
            for await (const item of a.requestStream<number>(`${p}.fails`, null, { timeoutMs: 5000 })) got.push(item);
          })(),
        );
        expect(got).toEqual([1, 2]);
        expect(error).toBeInstanceOf(RemoteError);
        expect(error).toMatchObject({ remoteCode: 'CHUNK_CORRUPT', remoteStatus: 500, message: 'chunk is corrupt' });
      });

      it('times out on a gap between items', async () => {
        const [a, b] = await pair();
        const p = prefix();
        b.handle(`${p}.stall`, async function* () {
          yield 'first';
          await new Promise((resolve) => (hang.release = () => resolve(undefined)));
          yield 'never read';
        });
        await world.flush(b);
        const got: string[] = [];
        const error = await rejection(
          (async () => {
            for await (const item of a.requestStream<string>(`${p}.stall`, null, { timeoutMs: 300 })) got.push(item);
          })(),
        );
        expect(got).toEqual(['first']);
        expect(error).toBeInstanceOf(BusTimeoutError);
      });

      it('yields a single answer as a one-item stream, and refuses a stream to `request`', async () => {
        const [a, b] = await pair();
        const p = prefix();
        b.handle(`${p}.single`, () => ({ only: true }));
        b.handle(`${p}.many`, () => count(3));
        await world.flush(b);
        const got: unknown[] = [];
        for await (const item of a.requestStream(`${p}.single`, null, { timeoutMs: 5000 })) got.push(item);
        expect(got).toEqual([{ only: true }]);
        const error = await rejection(a.request(`${p}.many`, null, { timeoutMs: 5000 }));
        expect(error).toMatchObject({ code: 'BUS_REMOTE', remoteCode: 'BUS_UNEXPECTED_STREAM' });
      });

      it('reports no responders to a stream request', async () => {
        const a = await connect();
        const error = await rejection(
          (async () => {
            for await (const _ of a.requestStream(`${prefix()}.none`, null, { timeoutMs: 20_000 })) void _;
          })(),
        );
        expect(error).toBeInstanceOf(NoRespondersError);
      });
    });

    describe.skipIf(!encodes)('payload limits', () => {
      it('fails with BUS_PAYLOAD beyond maxPayloadBytes, on every path', async () => {
        const [a, b] = await pair();
        const p = prefix();
        expect(a.maxPayloadBytes).toBe(8 * 1024 * 1024);
        const tooBig = new Uint8Array(a.maxPayloadBytes + 1);
        expect(() => a.publish(`${p}.big`, tooBig)).toThrow(expect.objectContaining({ code: 'BUS_PAYLOAD' }));
        await expect(a.request(`${p}.big`, tooBig, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'BUS_PAYLOAD' });
        b.handle(`${p}.huge-reply`, () => tooBig);
        await world.flush(b);
        await expect(a.request(`${p}.huge-reply`, null, { timeoutMs: 5000 })).rejects.toMatchObject({
          code: 'BUS_REMOTE',
          remoteCode: 'BUS_PAYLOAD',
        });
        const kv = await a.kv(`${p}-big`);
        await expect(kv.put('k', tooBig)).rejects.toMatchObject({ code: 'BUS_PAYLOAD' });
      });

      it('carries a payload just under the limit', async () => {
        const [a, b] = await pair();
        const p = prefix();
        b.handle(`${p}.size`, (bytes: Uint8Array) => bytes.length);
        await world.flush(b);
        const bytes = new Uint8Array(a.maxPayloadBytes - 1024).fill(7);
        expect(await a.request(`${p}.size`, bytes, { timeoutMs: 10_000 })).toBe(bytes.length);
      });

      it('rejects values the codec cannot encode with BUS_PAYLOAD', async () => {
        const a = await connect();
        expect(() => a.publish(`${prefix()}.sym`, { s: Symbol('no') })).toThrow(expect.objectContaining({ code: 'BUS_PAYLOAD' }));
      });
    });

    describe('kv', () => {
      it('reads and writes with revisions, create and update as compare-and-swap', async () => {
        const [a, b] = await pair();
        const bucket = `${prefix()}-cas`;
        const kvA = await a.kv(bucket);
        expect(await kvA.get('ing.1')).toBeNull();
        const r1 = await kvA.create('ing.1', { state: 'PENDING', tokens: [1, 2] });
        const kvB = await b.kv(`${prefix()}-other`);
        expect(await kvB.get('ing.1')).toBeNull();
        const sameOnB = await (await b.kv(bucket)).get('ing.1');
        expect(sameOnB).toEqual({ key: 'ing.1', value: { state: 'PENDING', tokens: [1, 2] }, revision: r1 });
        expect(await rejection(kvA.create('ing.1', {}))).toBeInstanceOf(KvConflictError);
        const r2 = await kvA.update('ing.1', { state: 'ACTIVE' }, r1);
        expect(r2).toBeGreaterThan(r1);
        const stale = await rejection(kvA.update('ing.1', { state: 'LEAVING' }, r1));
        expect(stale).toBeInstanceOf(KvConflictError);
        expect((stale as BusError).code).toBe('KV_CONFLICT');
        expect(await kvA.get('ing.1')).toMatchObject({ value: { state: 'ACTIVE' }, revision: r2 });
        const r3 = await kvA.put('ing.1', { state: 'LEAVING' });
        expect(r3).toBeGreaterThan(r2);
      });

      it('deletes, lists live keys and creates again over a delete', async () => {
        const a = await connect();
        const kv = await a.kv(`${prefix()}-keys`);
        const keys = ['plain', 'with.dot', 'star*', 'sp ace', 'ünï'];
        for (const key of keys) await kv.put(key, key.length);
        await kv.delete('plain');
        expect(await kv.get('plain')).toBeNull();
        expect((await kv.keys()).sort()).toEqual(keys.filter((k) => k !== 'plain').sort());
        const again = await kv.create('plain', 'back');
        expect(await kv.get('plain')).toEqual({ key: 'plain', value: 'back', revision: again });
        await expect(kv.put('', 1)).rejects.toMatchObject({ code: 'KV_ERROR' });
        await expect(kv.update('plain', 1, 0)).rejects.toMatchObject({ code: 'KV_ERROR' });
        await expect(a.kv('bad.name')).rejects.toMatchObject({ code: 'KV_ERROR' });
      });

      it('watches: current values first (as puts, in revision order), then every change in order', async () => {
        const [a, b] = await pair();
        const bucket = `${prefix()}-watch`;
        const kvA = await a.kv(bucket);
        await kvA.put('x', 1);
        await kvA.put('y', 2);
        await kvA.put('gone', 3);
        await kvA.delete('gone');
        await kvA.put('x', 10);
        const seen: KvChange[] = [];
        const watch = await (await b.kv(bucket)).watch((change) => seen.push(change));
        expect(seen.map((c) => [c.kind, c.key, c.kind === 'put' ? c.value : null])).toEqual([
          ['put', 'y', 2],
          ['put', 'x', 10],
        ]);
        await kvA.put('z', 3);
        await kvA.delete('y');
        const r = await kvA.put('x', 11);
        await waitFor(() => seen.length === 5, 'three changes');
        expect(seen.slice(2).map((c) => [c.kind, c.key])).toEqual([
          ['put', 'z'],
          ['delete', 'y'],
          ['put', 'x'],
        ]);
        expect(seen[4]?.revision).toBe(r);
        const revisions = seen.map((c) => c.revision);
        expect([...revisions].sort((m, n) => m - n)).toEqual(revisions);
        watch.stop();
        await kvA.put('after-stop', 1);
        await (await a.kv(bucket)).get('after-stop');
        expect(seen).toHaveLength(5);
      });

      it('watches an empty bucket', async () => {
        const a = await connect();
        const kv = await a.kv(`${prefix()}-empty`);
        const seen: KvChange[] = [];
        await kv.watch((change) => seen.push(change));
        expect(seen).toEqual([]);
        await kv.put('first', 'v');
        await waitFor(() => seen.length === 1, 'the first put');
        expect(seen[0]).toMatchObject({ kind: 'put', key: 'first', value: 'v' });
      });

      it('expires entries after ttlMs', async () => {
        const a = await connect();
        const kv = await a.kv(`${prefix()}-ttl`, { ttlMs: 500 });
        await kv.put('hb', 1);
        expect(await kv.get('hb')).not.toBeNull();
        const deadline = Date.now() + 15_000;
        while ((await kv.get('hb')) !== null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await kv.get('hb')).toBeNull();
      });
    });
  });
}

busContract('in-process', async () => {
  const broker = new MemoryBroker();
  return {
    connect: async () => new MemoryBus({ broker }),
    flush: async () => undefined,
    dispose: async () => undefined,
  };
});

busContract('in-process, shared payloads', async () => {
  const broker = new MemoryBroker();
  return {
    connect: async () => new MemoryBus({ broker, copyPayloads: false }),
    flush: async () => undefined,
    dispose: async () => undefined,
  };
}, { encodes: false });

busContract('nats', async () => {
  const server: NatsServerHandle = await startNatsServer();
  let n = 0;
  return {
    connect: () => connectNatsBus({ servers: server.url, name: `contract-${++n}` }),
    flush: (bus) => (bus as NatsBus).connection.flush(),
    dispose: () => server.dispose(),
  };
});

describe('MemoryBus isolation', () => {
  it('keeps buses on different brokers apart', async () => {
    const a = new MemoryBus();
    const b = new MemoryBus();
    b.handle('x.y', () => 'hello');
    await expect(a.request('x.y', null, { timeoutMs: 1000 })).rejects.toBeInstanceOf(NoRespondersError);
    await Promise.all([a.close(), b.close()]);
  });
});
