import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { labelsFromRecord, labelsToString } from '../../core/model.js';
import { InvalidTenantIdError } from '../../storage/mod.js';
import { DEFAULT_INGESTER } from './config.js';
import { Flusher, type FlushTarget } from './flusher.js';
import { createIngesterMetrics } from './metrics.js';
import { IngesterStream } from './stream.js';

function streamOf(tenant: string, app: string): IngesterStream {
  const labels = labelsFromRecord({ app });
  const stream = new IngesterStream(tenant, labels, labelsToString(labels), app, DEFAULT_INGESTER);
  stream.append([{ ts: 1n, line: `${tenant}/${app}` }], 0);
  return stream;
}

/** Storage that refuses tenant `bad/one`'s keys for ever, fails `flaky` twice, and takes the rest. */
function target(stored: string[]): FlushTarget {
  let flakyFailures = 0;
  return {
    async putChunk(tenant, labels) {
      const app = labels[0]!.value;
      if (tenant.startsWith('bad')) throw new InvalidTenantIdError(`tenant ID '${tenant}' contains unsupported character '/'`);
      if (app === 'flaky' && flakyFailures++ < 2) throw new Error('S3 is down');
      stored.push(`${tenant}/${app}`);
    },
  };
}

describe('flusher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sets aside chunks storage can never take, and keeps flushing the others', async () => {
    const registry = new Registry();
    const metrics = createIngesterMetrics(registry);
    const stored: string[] = [];
    const flusher = new Flusher(target(stored), { ...DEFAULT_INGESTER, concurrentFlushes: 1 }, metrics, pino({ level: 'silent' }), () => 0);
    const bad = ['bad1', 'bad2', 'bad3', 'bad4'].map((tenant) => streamOf(tenant, 'x'));
    const good = streamOf('fake', 'good');
    expect(flusher.sweep([...bad, good], true)).toBe(5);
    await flusher.idle();
    expect(stored).toEqual(['fake/good']);
    expect((await registry.getSingleMetric('norn_ingester_flush_set_aside_total')!.get()).values[0]!.value).toBe(4);
    // Set aside for good: a later sweep does not queue them again, and /flush does not wait on them.
    expect(flusher.sweep(bad, true)).toBe(0);
    expect(flusher.pending).toBe(0);
    expect(bad.every((stream) => stream.unflushedEntries === 1)).toBe(true);
  });

  it('a chunk waiting for its retry holds no slot: the next chunk flushes meanwhile', async () => {
    const stored: string[] = [];
    const flusher = new Flusher(target(stored), { ...DEFAULT_INGESTER, concurrentFlushes: 1, flushBackoffMs: 1_000 }, createIngesterMetrics(new Registry()), pino({ level: 'silent' }), () => 0);
    flusher.sweep([streamOf('fake', 'flaky'), streamOf('fake', 'steady')], true);
    await vi.advanceTimersByTimeAsync(0);
    expect(stored).toEqual(['fake/steady']);
    expect(flusher.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stored).toEqual(['fake/steady']);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(stored).toEqual(['fake/steady', 'fake/flaky']);
    await flusher.idle();
  });

  it('stop abandons waiting retries at once; their chunks are unflushed again for a later flush', async () => {
    const stored: string[] = [];
    const flusher = new Flusher(target(stored), { ...DEFAULT_INGESTER, flushBackoffMs: 60_000 }, createIngesterMetrics(new Registry()), pino({ level: 'silent' }), () => 0);
    const flaky = streamOf('fake', 'flaky');
    flusher.sweep([flaky], true);
    await vi.advanceTimersByTimeAsync(0);
    const idle = flusher.idle();
    flusher.stop();
    await idle;
    expect(flusher.pending).toBe(0);
    expect(flaky.unflushed().length).toBe(1);
    expect(flaky.dueForFlush(0, true).length).toBe(1);
  });
});
