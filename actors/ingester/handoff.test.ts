// The handoff receiver applies batches only in the order the sender numbered them: a repeated or
// skipped batch is refused, so a redelivery is never applied twice and a gap never goes unseen.

import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus } from '../../bus/memory-bus.js';
import { subjects } from '../../bus/subjects.js';
import { DEFAULT_LIMITS } from '../../core/limits.js';
import { labelsFromRecord, labelsToString } from '../../core/model.js';
import { MemChunk } from '../../storage/chunk/mod.js';
import { DEFAULT_INGESTER } from './config.js';
import { listenForHandoff, type HandoffMessage, type HandoffReply } from './handoff.js';
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
