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

  it('checks tenants, label values and metadata as the HTTP door does, and flushing stays free', async () => {
    const batch = { streams: [{ labels: '{app="door"}', entries: [{ ts: nowNs(), line: 'x' }] }] };
    for (const [tenant, message] of [
      ['a/b', "tenant ID 'a/b' contains unsupported character '/'"],
      ['..', "tenant ID is '.' or '..'"],
      ['.', "tenant ID is '.' or '..'"],
      ['a|b', "tenant ID 'a|b' contains unsupported character '|'"],
      ['t'.repeat(200), 'tenant ID is too long: max 150 characters'],
    ] as const) {
      const reply = await producer.request<ProducerReply>(subjects.pushFromProducer(tenant), batch, { timeoutMs: 10_000 });
      expect(reply, tenant).toEqual({ ok: false, status: 400, error: message });
    }
    const empty = await producer.request<ProducerReply>(subjects.pushFromProducer(''), batch, { timeoutMs: 10_000 });
    expect(empty).toEqual({ ok: false, status: 401, error: 'no org id' });

    const numeric = await producer.request<ProducerReply>(
      subjects.pushFromProducer('team.a'),
      { streams: [{ labels: { app: 5 }, entries: [{ ts: nowNs(), line: 'x' }] }] },
      { timeoutMs: 10_000 },
    );
    expect(numeric).toMatchObject({ ok: false, status: 400 });
    expect(numeric.error).toContain("label 'app' has a number value, expected a string");
    const badMetadata = await producer.request<ProducerReply>(
      subjects.pushFromProducer('team.a'),
      { streams: [{ labels: '{app="door"}', entries: [{ ts: nowNs(), line: 'x', metadata: { trace: 7 } }] }] },
      { timeoutMs: 10_000 },
    );
    expect(badMetadata).toMatchObject({ ok: false, status: 400 });
    expect(badMetadata.error).toContain("has structured metadata 'trace' whose value is not a string");

    // Nothing the door refused reached an ingester: a flush has nothing impossible to write.
    const flushed = await fetch(`${norn.address}/flush`, { method: 'POST' });
    expect(flushed.status).toBe(204);
    expect(norn.ingester!.ingester.flusher.pending).toBe(0);
  });
});
