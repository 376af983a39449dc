// The shared results cache on a real nats-server: what one gateway stored, another reads; a
// value the bus cannot carry is skipped, never an error.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNatsBus } from '../../../bus/mod.js';
import type { Bus } from '../../../bus/bus.js';
import { startNatsServer, type NatsServerHandle } from '../../../test/helpers/nats-server.js';
import { KvCacheStore } from './kv-store.js';

let server: NatsServerHandle;
let gatewayA: Bus;
let gatewayB: Bus;

beforeAll(async () => {
  server = await startNatsServer({ maxPayloadBytes: 1024 * 1024 });
  gatewayA = await connectNatsBus({ servers: server.url, name: 'gateway-a' });
  gatewayB = await connectNatsBus({ servers: server.url, name: 'gateway-b' });
}, 30_000);

afterAll(async () => {
  await gatewayA?.close();
  await gatewayB?.close();
  await server?.dispose();
});

describe('KvCacheStore', () => {
  it('shares extents between gateways through one JetStream KV bucket', async () => {
    const a = new KvCacheStore(gatewayA, 60_000);
    const b = new KvCacheStore(gatewayB, 60_000);
    expect(await b.get('0123abcd')).toBeUndefined();
    await a.set('0123abcd', '[{"start":"1","end":"2","series":[]}]');
    expect(await b.get('0123abcd')).toBe('[{"start":"1","end":"2","series":[]}]');
  });

  it('skips a value larger than the bus carries', async () => {
    const errors: unknown[] = [];
    const a = new KvCacheStore(gatewayA, 60_000, (error) => errors.push(error));
    await a.set('big', 'x'.repeat(2 * 1024 * 1024));
    expect(await a.get('big')).toBeUndefined();
    expect(errors).toEqual([]);
  });
});
