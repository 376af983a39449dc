// The durable producer path: batches published into JetStream while every gateway is down are
// written, each line exactly once, when a gateway comes back; a batch that can never be written
// lands on the dead-letter subject with its error instead of being redelivered forever.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNatsBus, type NatsBus } from '../bus/mod.js';
import { subjects } from '../bus/subjects.js';
import { DEFAULT_PRODUCER_STREAM } from '../actors/distributor/config.js';
import type { DeadLetter } from '../actors/distributor/durable-producers.js';
import type { RunningNorn } from '../app/norn.js';
import { NornProducer } from '../tools/producer/mod.js';
import { LokiClient, nowNs } from './helpers/loki-client.js';
import { startNatsServer, type NatsServerHandle } from './helpers/nats-server.js';
import { startTestNorn } from './helpers/norn.js';

let nats: NatsServerHandle;
let dataDir: string;
const running: RunningNorn[] = [];

function startNorn(): Promise<RunningNorn> {
  return startTestNorn({
    nats: nats.url,
    auth: true,
    storage: { dataDir },
    ring: { joinAfterMs: 0, handoffWaitMs: 0 },
    distributor: { producerStream: { ...DEFAULT_PRODUCER_STREAM, enabled: true, retryDelayMs: 50, maxRetryDelayMs: 200 } },
  }).then((norn) => {
    running.push(norn);
    return norn;
  });
}

beforeAll(async () => {
  nats = await startNatsServer();
  dataDir = mkdtempSync(join(tmpdir(), 'norn-durable-'));
});

afterAll(async () => {
  for (const norn of running) await norn.stop().catch(() => undefined);
  await nats?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

describe('durable NATS producers', () => {
  it('writes every line published while no gateway ran, exactly once, when one returns', async () => {
    // A first start creates the stream and its consumer, as a cluster's gateways do.
    const first = await startNorn();
    await first.stop();

    const producer = await NornProducer.connect({ servers: nats.url, tenant: 'durable', batchBytes: 2_000, batchWaitMs: 20 });
    const base = nowNs();
    const lines = Array.from({ length: 300 }, (_, i) => `line ${String(i).padStart(3, '0')}`);
    await Promise.all(
      lines.map((line, i) => producer.publish({ labels: { app: 'durable', shard: String(i % 3) }, entries: [{ ts: base + BigInt(i), line }] })),
    );
    await producer.close();

    const norn = await startNorn();
    const loki = new LokiClient(norn.address, 'durable');
    const read = await eventually(
      () => loki.lines('{app="durable"}', { limit: '1000' }),
      (got) => got.length >= lines.length,
    );
    expect([...read].sort()).toEqual(lines);
    const metrics = await (await fetch(`${norn.address}/metrics`)).text();
    expect(metrics).toMatch(/norn_producer_stream_batches_total\{outcome="written"\} [1-9]/);
  });

  it('sets a batch that can never be written aside on the dead-letter subject, and goes on', async () => {
    const norn = running.at(-1)!;
    const listener: NatsBus = await connectNatsBus({ servers: nats.url, name: 'dead-letter-listener' });
    const letters: DeadLetter[] = [];
    const subscription = listener.subscribe<DeadLetter>(subjects.deadLetterWildcard, (message) => letters.push(message.data));
    try {
      const sender = await connectNatsBus({ servers: nats.url, name: 'poison-sender' });
      await sender.publishDurable(subjects.pushFromProducer('durable'), { nope: true }, { msgId: 'poison-1' });
      await sender.publishDurable(subjects.pushFromProducer('durable'), {
        streams: [{ labels: '{app="after-poison"}', entries: [{ ts: nowNs(), line: 'still flowing' }] }],
      });
      await sender.close();
      await eventually(async () => letters.length, (count) => count >= 1);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ tenant: 'durable', status: 400, error: 'producer batch must be { streams: [...] }', payload: { nope: true } });
      const loki = new LokiClient(norn.address, 'durable');
      expect(await eventually(() => loki.lines('{app="after-poison"}'), (got) => got.length > 0)).toEqual(['still flowing']);
      // Not redelivered: still one letter after the consumer had time to come back to it.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(letters).toHaveLength(1);
      const metrics = await (await fetch(`${norn.address}/metrics`)).text();
      expect(metrics).toContain('norn_producer_stream_dead_letters_total 1');
    } finally {
      subscription.unsubscribe();
      await listener.close();
    }
  });
});
