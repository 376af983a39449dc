// A group runner over the real LogQL engine on in-memory streams, with fake timers: evaluation
// times, alert notifications and the state a restart resumes from.

import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryBus } from '../../bus/memory-bus.js';
import type { KvStore } from '../../bus/bus.js';
import type { Entry } from '../../core/model.js';
import { labelsFromRecord } from '../../core/model.js';
import { Engine } from '../../logql/engine/engine.js';
import { MemoryQuerier } from '../../logql/testing/memory-querier.js';
import { compileGroup, groupToken } from './group.js';
import { GroupRunner, nextEvaluation, type NotificationWithUrl } from './group-runner.js';
import { rulerMetrics } from './metrics.js';
import { parseGroupBody } from './rule-format.js';
import { KvGroupStateStore, type SavedGroupState } from './state-store.js';
import type { RecordedSample } from './evaluate-rule.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const entries: Entry[] = [];
const engine = new Engine();
const querier = { query: (params: Parameters<Engine['query']>[0]) => engine.query(params, new MemoryQuerier([{ labels: labelsFromRecord({ app: 'checkout' }), entries }])) };

function errorsAt(...msAgo: number[]): void {
  const now = Date.now();
  for (const ago of msAgo) entries.push({ ts: BigInt(now - ago) * 1_000_000n, line: 'level=error msg=failed' });
  entries.sort((a, b) => (a.ts < b.ts ? -1 : 1));
}

const group = compileGroup(
  'fake',
  'shop',
  parseGroupBody(`name: errors
interval: 10s
rules:
  - alert: Errors
    expr: sum(count_over_time({app="checkout"} |= "error" [1m])) > 2
    for: 20s
    annotations: {summary: "{{ $value }} errors"}
  - record: checkout:errors:count1m
    expr: sum(count_over_time({app="checkout"} |= "error" [1m]))
`),
  60_000,
);

let bus: MemoryBus;
let state: KvGroupStateStore;
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(T0);
  entries.length = 0;
  bus = new MemoryBus();
  state = new KvGroupStateStore((await bus.kv('state')) as KvStore<SavedGroupState>);
});
afterEach(async () => {
  vi.useRealTimers();
  await bus.close();
});

function runner() {
  const sent: NotificationWithUrl[] = [];
  const recorded: RecordedSample[] = [];
  const registry = new Registry();
  const r = new GroupRunner(group, {
    querier,
    alerts: { send: (_tenant, alerts) => sent.push(...alerts) },
    samples: { append: (_tenant, samples) => recorded.push(...samples) },
    state,
    metrics: rulerMetrics(registry),
    logger: pino({ level: 'silent' }),
    rulerId: 'r1',
    resendDelayMs: 60_000,
    externalUrl: 'http://norn',
    externalLabels: {},
  });
  return { r, sent, recorded, registry };
}

describe('nextEvaluation', () => {
  it('is the first aligned time after now', () => {
    expect(nextEvaluation(1_000, 10_000, 3_000)).toBe(3_000);
    expect(nextEvaluation(3_000, 10_000, 3_000)).toBe(13_000);
    expect(nextEvaluation(12_999, 10_000, 3_000)).toBe(13_000);
  });
});

describe('GroupRunner', () => {
  it('evaluates at offset + k * interval, records samples and fires after `for`', async () => {
    errorsAt(1_000, 2_000, 3_000);
    const { r, sent, recorded } = runner();
    await r.start();
    const offset = groupToken(group.key) % 10_000;
    await vi.advanceTimersByTimeAsync(45_000);
    const status = r.status();
    expect((status.lastEvaluationMs - offset) % 10_000).toBe(0);
    expect(recorded.map((s) => s.timestampMs % 10_000)).toEqual(recorded.map(() => offset));
    expect(recorded[0]).toMatchObject({ labels: { __name__: 'checkout:errors:count1m' }, value: 3 });
    // Pending for 20 s (three evaluations), then firing, sent once.
    expect(status.rules[0]).toMatchObject({ state: 'firing', health: 'ok' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ labels: { alertname: 'Errors' }, annotations: { summary: '3 errors' } });
    expect(sent[0]!.generatorUrl).toBe(`http://norn/graph?g0.expr=${encodeURIComponent(group.rules[0]!.expr)}&g0.tab=1`);
    await r.stop();
  });

  it('resumes a pending alert after a restart, and does not send a resolved one again', async () => {
    errorsAt(1_000, 2_000, 3_000);
    const first = runner();
    await first.r.start();
    await vi.advanceTimersByTimeAsync(10_000);
    const pending = first.r.status().rules[0]!.alerts[0]!;
    expect(pending.state).toBe('pending');
    await first.r.stop();

    const second = runner();
    await second.r.start();
    expect(second.r.status().rules[0]!.alerts[0]).toMatchObject({ state: 'pending', activeAtMs: pending.activeAtMs });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(second.r.status().rules[0]!.alerts[0]).toMatchObject({ state: 'firing', activeAtMs: pending.activeAtMs });
    expect(second.sent).toHaveLength(1);
    // The errors age out of the 1m window: resolved, and Alertmanager is told once.
    await vi.advanceTimersByTimeAsync(60_000);
    const resolved = second.r.status().rules[0]!.alerts[0]!;
    expect(resolved.state).toBe('inactive');
    expect(second.sent).toHaveLength(2);
    expect(second.sent[1]!.endsAtMs).toBe(resolved.resolvedAtMs);
    await second.r.stop();

    // After another restart the alert stays resolved: any resend (Prometheus repeats them every
    // resend delay for 15 minutes) still carries the old endsAt, so nothing fires again.
    const third = runner();
    await third.r.start();
    await vi.advanceTimersByTimeAsync(90_000);
    expect(third.r.status().rules[0]!.alerts[0]).toMatchObject({ state: 'inactive', resolvedAtMs: resolved.resolvedAtMs });
    expect(third.sent.length).toBeGreaterThan(0);
    for (const alert of third.sent) expect(alert.endsAtMs).toBe(resolved.resolvedAtMs);
    await third.r.stop();
  });
});
