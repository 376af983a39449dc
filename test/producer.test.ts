// A producer attached to NATS pushes batches on norn.push.<tenant> without HTTP: the reply tells
// it whether a quorum took the batch, and the lines read back through Loki's query API.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNatsBus, type NatsBus } from '../bus/mod.js';
import { subjects } from '../bus/subjects.js';
import type { ProducerReply } from '../actors/distributor/producer.js';
import type { RunningNorn } from '../app/norn.js';
import { LokiClient, nowNs } from './helpers/loki-client.js';
import { startNatsServer, type NatsServerHandle } from './helpers/nats-server.js';
import { startTestNorn } from './helpers/norn.js';

let nats: NatsServerHandle;
let norn: RunningNorn;
let producer: NatsBus;

beforeAll(async () => {
  nats = await startNatsServer();
  // Alone on this NATS server: no peer to wait for in PENDING or to hand off to.
  norn = await startTestNorn({ nats: nats.url, auth: true, ring: { joinAfterMs: 0, handoffWaitMs: 0 } });
  producer = await connectNatsBus({ servers: nats.url, name: 'test-producer' });
});

afterAll(async () => {
  await producer?.close();
  await norn?.stop();
  await nats?.dispose();
});

describe('NATS producers', () => {
  it('pushes a batch for a tenant and reads it back over HTTP', async () => {
    const ts = nowNs();
    const reply = await producer.request<ProducerReply>(
      subjects.pushFromProducer('team.a'),
      {
        streams: [
          { labels: '{app="producer", via="nats"}', entries: [{ ts, line: 'first' }, { ts: String(ts + 1n), line: 'second', metadata: { trace_id: 'abc' } }] },
          { labels: { app: 'producer', via: 'map' }, entries: [{ ts, line: 'third' }] },
        ],
      },
      { timeoutMs: 10_000 },
    );
    expect(reply).toEqual({ ok: true, status: 204 });
    const loki = new LokiClient(norn.address, 'team.a');
    expect(await loki.lines('{app="producer", via="nats"}')).toEqual(['first', 'second']);
    expect(await loki.lines('{app="producer", via="map"}')).toEqual(['third']);
    // Tenants stay apart.
    expect(await new LokiClient(norn.address, 'team.b').lines('{app="producer"}')).toEqual([]);
  });

  it('answers bad batches with a 400-equivalent and keeps serving', async () => {
    const bad = await producer.request<ProducerReply>(subjects.pushFromProducer('team.a'), { nope: true }, { timeoutMs: 10_000 });
    expect(bad).toMatchObject({ ok: false, status: 400, error: 'producer batch must be { streams: [...] }' });
    const badTs = await producer.request<ProducerReply>(
      subjects.pushFromProducer('team.a'),
      { streams: [{ labels: '{app="x"}', entries: [{ ts: 'yesterday', line: 'x' }] }] },
      { timeoutMs: 10_000 },
    );
    expect(badTs.status).toBe(400);
    const badLabels = await producer.request<ProducerReply>(
      subjects.pushFromProducer('team.a'),
      { streams: [{ labels: '{app=}', entries: [{ ts: nowNs(), line: 'x' }] }] },
      { timeoutMs: 10_000 },
    );
    expect(badLabels.status).toBe(400);
    expect(badLabels.error).toContain("error parsing labels '{app=}'");
    const good = await producer.request<ProducerReply>(
      subjects.pushFromProducer('team.a'),
      { streams: [{ labels: '{app="after-bad"}', entries: [{ ts: nowNs(), line: 'ok' }] }] },
      { timeoutMs: 10_000 },
    );
    expect(good.ok).toBe(true);
  });
});
