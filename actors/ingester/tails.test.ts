import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../bus/mod.js';
import { labelsFromRecord, type Entry } from '../../core/model.js';
import type { StreamResult } from '../../logql/types.js';
import type { TailFrame } from './protocol.js';
import { framesUnder, IngesterTails } from './tails.js';

const logger = pino({ level: 'silent' });
const api = labelsFromRecord({ app: 'api' });
const web = labelsFromRecord({ app: 'web' });
const entry = (ts: number, line: string): Entry => ({ ts: BigInt(ts), line });

describe('IngesterTails', () => {
  it('publishes what each tail selects of the accepted lines, and nothing to other tenants', async () => {
    const bus = new MemoryBus();
    const clock = { now: 1_000 };
    const tails = new IngesterTails('ingester-1', bus, logger, () => clock.now);
    const frames: TailFrame[] = [];
    bus.subscribe<TailFrame>('norn.tail.t1', (message) => frames.push(message.data));
    tails.handle({ kind: 'subscribe', id: 't1', tenant: 'a', query: '{app="api"} |= "err" | line_format "{{ __line__ }}!"', subject: 'norn.tail.t1', ttlMs: 30_000 });
    expect(tails.wants('a')).toBe(true);
    expect(tails.wants('b')).toBe(false);
    tails.deliver('a', [
      { labels: api, entries: [entry(5, 'err one'), entry(3, 'ok'), entry(1, 'err late')] },
      { labels: web, entries: [entry(2, 'err web')] },
    ]);
    tails.deliver('b', [{ labels: api, entries: [entry(9, 'err other tenant')] }]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(frames).toEqual([{ ingester: 'ingester-1', streams: [{ labels: api, entries: [entry(1, 'err late!'), entry(5, 'err one!')] }] }]);
    await bus.close();
  });

  it('forgets a tail its gateway stopped renewing, and one it unsubscribed', () => {
    const bus = new MemoryBus();
    const clock = { now: 0 };
    const tails = new IngesterTails('ingester-1', bus, logger, () => clock.now);
    const subscribe = (id: string) => tails.handle({ kind: 'subscribe', id, tenant: 'a', query: '{app="api"}', subject: `norn.tail.${id}`, ttlMs: 30_000 });
    subscribe('t1');
    subscribe('t2');
    clock.now = 20_000;
    subscribe('t1'); // renewed until 50 s
    clock.now = 35_000;
    tails.expire();
    expect(tails.size).toBe(1);
    expect(tails.handle({ kind: 'unsubscribe', id: 't1' })).toEqual({ tails: 0 });
    expect(tails.wants('a')).toBe(false);
  });
});

describe('framesUnder', () => {
  it('cuts streams into frames under the budget and loses nothing', () => {
    const streams: StreamResult[] = [
      { labels: api, entries: Array.from({ length: 50 }, (_, i) => entry(i, `line ${i} ${'x'.repeat(100)}`)) },
      { labels: web, entries: [entry(100, 'short')] },
    ];
    const frames = [...framesUnder(streams, 1_000)];
    expect(frames.length).toBeGreaterThan(5);
    for (const frame of frames) {
      const bytes = frame.reduce((sum, stream) => sum + stream.entries.reduce((s, e) => s + e.line.length + 24, 16), 0);
      expect(bytes).toBeLessThanOrEqual(1_000 + 200);
    }
    const lines = frames.flatMap((frame) => frame.flatMap((stream) => stream.entries.map((e) => e.line)));
    expect(lines).toEqual([...streams[0]!.entries, ...streams[1]!.entries].map((e) => e.line));
  });
});
