// The handoff receiver applies batches only in the order the sender numbered them: a repeated or
// skipped batch is refused, so a redelivery is never applied twice and a gap never goes unseen.

import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { MemoryBroker } from '../../bus/memory-broker.js';
import { MemoryBus } from '../../bus/memory-bus.js';
import { subjects } from '../../bus/subjects.js';
import { DEFAULT_LIMITS } from '../../core/limits.js';
import { labelsFromRecord, labelsToString } from '../../core/model.js';
import { MemChunk } from '../../storage/chunk/mod.js';
import { DEFAULT_INGESTER } from './config.js';
import { chunkPiecesUnder, handOff, listenForHandoff, type HandoffMessage, type HandoffReply } from './handoff.js';
import { Ingester } from './ingester.js';
import { freshMetrics, ingesterContents } from './wal/testing/wal-fixture.js';
import { DisabledPatternMiner } from './patterns/mod.js';

const buses: MemoryBus[] = [];
afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

function chunkOf(lines: string[]): Uint8Array {
  const chunk = new MemChunk();
  lines.forEach((line, i) => chunk.append({ ts: 1_000n + BigInt(i), line }));
  return chunk.encode();
}

describe('handoff receiver', () => {
  it('refuses a repeated or skipped batch and applies each batch once, in order', async () => {
    const bus = new MemoryBus();
    buses.push(bus);
    const metrics = freshMetrics();
    const ingester = new Ingester({
      id: 'receiver', bus, config: DEFAULT_INGESTER, limits: DEFAULT_LIMITS,
      flushTarget: { putChunk: async () => undefined }, metrics, logger: pino({ level: 'silent' }),
      patterns: new DisabledPatternMiner(),
    });
    const events: string[] = [];
    const stop = listenForHandoff(
      { bus, ingester, metrics, timeoutMs: 10_000, logBatch: async () => undefined },
      { started: () => events.push('started'), completed: () => events.push('completed'), failed: (reason) => events.push(`failed: ${reason}`) },
    );
    const labels = labelsFromRecord({ app: 'handoff' });
    const batch = (seq: number, line: string): HandoffMessage => ({
      kind: 'batch', from: 'sender', seq,
      streams: [{ tenant: 'fake', labelString: labelsToString(labels), labels, chunks: [chunkOf([line])] }],
    });
    const send = (message: HandoffMessage) => bus.request<HandoffReply>(subjects.ingesterTransfer('receiver'), message, { timeoutMs: 5_000 });

    expect(await send({ kind: 'offer', from: 'sender' })).toEqual({ accepted: true });
    expect(await send(batch(0, 'first'))).toEqual({ accepted: true });
    expect(await send(batch(0, 'first again'))).toEqual({ accepted: false, reason: 'expected batch 1, got batch 0' });
    expect(await send(batch(2, 'too far'))).toEqual({ accepted: false, reason: 'expected batch 1, got batch 2' });
    expect(await send(batch(1, 'second'))).toEqual({ accepted: true });
    expect(await send({ kind: 'complete', from: 'sender', tokens: [1, 2, 3] })).toEqual({ accepted: true });
    stop();

    expect(events).toEqual(['started', 'completed']);
    expect(ingesterContents(ingester).map((row) => row.split(' ').pop())).toEqual(['first', 'second']);
  });
});

describe('handoff under the bus payload limit', () => {
  it('hands over chunks larger than max_payload, cut into messages that fit, every line intact', async () => {
    const broker = new MemoryBroker({ maxPayloadBytes: 64 * 1024 });
    const senderBus = new MemoryBus({ broker });
    const receiverBus = new MemoryBus({ broker });
    buses.push(senderBus, receiverBus);
    const make = (id: string, bus: MemoryBus) =>
      new Ingester({
        id, bus, config: DEFAULT_INGESTER, limits: DEFAULT_LIMITS,
        flushTarget: { putChunk: async () => undefined }, metrics: freshMetrics(), logger: pino({ level: 'silent' }),
        patterns: new DisabledPatternMiner(),
      });
    const sender = make('sender', senderBus);
    const receiver = make('receiver', receiverBus);
    // Incompressible lines: one stream's chunk is ~300 KiB compressed, over four times the limit;
    // a second stream's small chunk shares a batch.
    const random = (n: number): string => randomBytes(n).toString('base64');
    const big = labelsFromRecord({ app: 'big' });
    const small = labelsFromRecord({ app: 'small' });
    const now = BigInt(Date.now()) * 1_000_000n;
    sender.apply({
      tenant: 'fake',
      streams: [
        { labelString: labelsToString(big), labels: big, entries: Array.from({ length: 400 }, (_, i) => ({ ts: now + BigInt(i), line: `${i} ${random(768)}` })) },
        { labelString: labelsToString(small), labels: small, entries: [{ ts: now, line: 'small one' }] },
      ],
    });
    const before = ingesterContents(sender);
    expect(before).toHaveLength(401);
    const bigChunk = [...sender.allStreams()].find((stream) => stream.labelString === labelsToString(big))!.unflushed()[0]!.chunk.encode();
    expect(bigChunk.length).toBeGreaterThan(4 * 64 * 1024);

    const events: string[] = [];
    const stop = listenForHandoff(
      { bus: receiverBus, ingester: receiver, metrics: freshMetrics(), timeoutMs: 10_000, logBatch: async () => undefined },
      { started: () => events.push('started'), completed: (tokens) => events.push(`completed ${tokens.join(',')}`), failed: (reason) => events.push(`failed: ${reason}`) },
    );
    const senderMetrics = freshMetrics();
    await handOff({ bus: senderBus, ingester: sender, metrics: senderMetrics, timeoutMs: 10_000 }, 'receiver', [7, 8]);
    stop();

    expect(events).toEqual(['started', 'completed 7,8']);
    expect(ingesterContents(receiver)).toEqual(before);
    const sent = (await senderMetrics.handoffBatches.get()).values.find((value) => value.labels['direction'] === 'sent')?.value ?? 0;
    expect(sent).toBeGreaterThanOrEqual(5);
  });

  it('keeps a chunk that fits as it is', () => {
    const encoded = chunkOf(['a', 'b', 'c']);
    expect([...chunkPiecesUnder(encoded, 64 * 1024)]).toEqual([encoded]);
  });
});
