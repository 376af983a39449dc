// What only the NATS transport has to prove: it rides out a nats-server restart.

import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../test/helpers/nats-server.js';
import type { KvChange } from './bus.js';
import type { NatsBus } from './nats-bus.js';
import { connectNatsBus } from './nats-connect.js';

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Retries `attempt` until it succeeds: right after a restart the client may still be reconnecting. */
async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('NatsBus across a nats-server restart', () => {
  let server: NatsServerHandle;
  let a: NatsBus;
  let b: NatsBus;

  beforeAll(async () => {
    server = await startNatsServer();
    a = await connectNatsBus({ servers: server.url, name: 'restart-a', reconnectWaitMs: 100, kvTimeoutMs: 1000 });
    b = await connectNatsBus({ servers: server.url, name: 'restart-b', reconnectWaitMs: 100, kvTimeoutMs: 1000 });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.dispose();
  });

  it('reports the connection down while the server is stopped, and up again after', async () => {
    expect(a.connected).toBe(true);
    await server.stop();
    await waitFor(() => !a.connected, 'the disconnect');
    await server.restart();
    await waitFor(() => a.connected, 'the reconnect');
  });

  it('keeps its KV watch, its bucket and its handlers through restarts', async () => {
    const writer = await a.kv('restart-ring');
    const r1 = await writer.put('ingester-1', { state: 'ACTIVE' });
    const seen: KvChange[] = [];
    await (await b.kv('restart-ring')).watch((change) => seen.push(change));
    expect(seen).toEqual([{ kind: 'put', key: 'ingester-1', value: { state: 'ACTIVE' }, revision: r1 }]);
    b.handle('restart.svc', () => 'up');
    await b.connection.flush();

    for (let round = 2; round <= 3; round++) {
      if (round === 3) await server.stop('SIGKILL'); // a crash, not a clean shutdown
      await server.restart();
      const revision = await eventually(() => writer.put(`ingester-${round}`, { state: 'JOINING' }));
      await waitFor(() => seen.some((c) => c.key === `ingester-${round}`), `the watch to see ingester-${round}`);
      expect(seen.at(-1)).toEqual({ kind: 'put', key: `ingester-${round}`, value: { state: 'JOINING' }, revision });
      expect(await eventually(() => a.request('restart.svc', null, { timeoutMs: 1000 }))).toBe('up');
    }

    await eventually(() => writer.delete('ingester-1'));
    await waitFor(() => seen.some((c) => c.kind === 'delete'), 'the delete');
    expect(seen.map((c) => `${c.kind}:${c.key}`)).toEqual(['put:ingester-1', 'put:ingester-2', 'put:ingester-3', 'delete:ingester-1']);
    expect(await writer.get('ingester-2')).toMatchObject({ value: { state: 'JOINING' } });
  });

  it('resumes a watch whose server-side consumer was lost, on the next reconnect', async () => {
    const writer = await a.kv('lost-consumer');
    await writer.put('k', 1);
    const seen: KvChange[] = [];
    await (await b.kv('lost-consumer')).watch((change) => seen.push(change));
    const jsm = await jetstreamManager(a.connection);
    for (const info of await jsm.consumers.list('KV_lost-consumer').next()) {
      await jsm.consumers.delete('KV_lost-consumer', info.name);
    }
    await b.connection.reconnect();
    const revision = await eventually(() => writer.put('k', 2));
    await waitFor(() => seen.length === 2, 'the change after the reconnect');
    expect(seen[1]).toEqual({ kind: 'put', key: 'k', value: 2, revision });
  });

  it('sends requests and KV writes made during an outage once the connection is back', async () => {
    const kv = await a.kv('outage');
    a.handle('outage.svc', (n: number) => n + 1);
    await a.connection.flush();
    await server.stop();
    await waitFor(() => !a.connected, 'the disconnect');
    const reply = a.request('outage.svc', 41, { timeoutMs: 20_000 });
    const written = kv.put('k', 'during the outage');
    await server.restart();
    expect(await reply).toBe(42);
    const revision = await written;
    expect(await kv.get('k')).toEqual({ key: 'k', value: 'during the outage', revision });
  });
});
