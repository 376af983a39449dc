import { describe, expect, it } from 'vitest';
import { alertsToSend, applyEvaluation, AlertLimitError, RESOLVED_RETENTION_MS, ruleState, type ActiveAlert, type AlertInput } from './alert-state.js';

const T0 = 1_700_000_000_000;
const input = (value: number, labels: Record<string, string> = { alertname: 'HighErrors', app: 'checkout' }): AlertInput => ({
  labels,
  annotations: { summary: `errors: ${value}` },
  value,
});
const only = (active: Map<string, ActiveAlert>): ActiveAlert => {
  expect(active.size).toBe(1);
  return [...active.values()][0]!;
};

describe('applyEvaluation', () => {
  const timings = { forMs: 60_000, keepFiringForMs: 0, limit: 0 };

  it('holds an alert pending for `for`, then fires it, keeping activeAt', () => {
    const active = new Map<string, ActiveAlert>();
    applyEvaluation(active, [input(3)], timings, T0);
    expect(only(active)).toMatchObject({ state: 'pending', activeAtMs: T0, value: 3 });
    applyEvaluation(active, [input(4)], timings, T0 + 30_000);
    expect(only(active)).toMatchObject({ state: 'pending', value: 4, annotations: { summary: 'errors: 4' } });
    applyEvaluation(active, [input(5)], timings, T0 + 60_000);
    expect(only(active)).toMatchObject({ state: 'firing', activeAtMs: T0, firedAtMs: T0 + 60_000 });
    expect(ruleState(active)).toBe('firing');
  });

  it('fires at once with for: 0, and forgets a pending alert whose series went away', () => {
    const now = new Map<string, ActiveAlert>();
    applyEvaluation(now, [input(1)], { ...timings, forMs: 0 }, T0);
    expect(only(now).state).toBe('firing');

    const pending = new Map<string, ActiveAlert>();
    applyEvaluation(pending, [input(1)], timings, T0);
    applyEvaluation(pending, [], timings, T0 + 10_000);
    expect(pending.size).toBe(0);
    expect(ruleState(pending)).toBe('inactive');
  });

  it('resolves a firing alert, keeps it 15 minutes, and starts a new pending alert if it comes back', () => {
    const active = new Map<string, ActiveAlert>();
    applyEvaluation(active, [input(1)], { ...timings, forMs: 0 }, T0);
    applyEvaluation(active, [], timings, T0 + 10_000);
    expect(only(active)).toMatchObject({ state: 'inactive', resolvedAtMs: T0 + 10_000 });
    applyEvaluation(active, [input(2)], timings, T0 + 20_000);
    expect(only(active)).toMatchObject({ state: 'pending', activeAtMs: T0 + 20_000 });
    applyEvaluation(active, [], timings, T0 + 30_000);
    expect(active.size).toBe(0);

    const kept = new Map<string, ActiveAlert>();
    applyEvaluation(kept, [input(1)], { ...timings, forMs: 0 }, T0);
    applyEvaluation(kept, [], timings, T0 + 1_000);
    applyEvaluation(kept, [], timings, T0 + 1_000 + RESOLVED_RETENTION_MS);
    expect(kept.size).toBe(1);
    applyEvaluation(kept, [], timings, T0 + 2_000 + RESOLVED_RETENTION_MS);
    expect(kept.size).toBe(0);
  });

  it('keeps firing for keep_firing_for after the series goes away', () => {
    const keep = { forMs: 0, keepFiringForMs: 30_000, limit: 0 };
    const active = new Map<string, ActiveAlert>();
    applyEvaluation(active, [input(1)], keep, T0);
    applyEvaluation(active, [], keep, T0 + 10_000);
    expect(only(active)).toMatchObject({ state: 'firing', keepFiringSinceMs: T0 + 10_000 });
    applyEvaluation(active, [], keep, T0 + 39_000);
    expect(only(active).state).toBe('firing');
    applyEvaluation(active, [], keep, T0 + 40_000);
    expect(only(active)).toMatchObject({ state: 'inactive', resolvedAtMs: T0 + 40_000 });
  });

  it('refuses duplicate label sets and alerts past the limit', () => {
    const active = new Map<string, ActiveAlert>();
    expect(() => applyEvaluation(active, [input(1), input(2)], timings, T0)).toThrow('vector contains metrics with the same labelset after applying alert labels');
    const two = [input(1, { alertname: 'A', app: 'a' }), input(1, { alertname: 'A', app: 'b' })];
    expect(() => applyEvaluation(active, two, { ...timings, limit: 1 }, T0)).toThrow(AlertLimitError);
    expect(() => applyEvaluation(active, two, { ...timings, limit: 1 }, T0)).toThrow('exceeded limit of 1 with 2 alerts');
    expect(active.size).toBe(0);
  });
});

describe('alertsToSend', () => {
  it('sends firing alerts once per resend delay, and a resolution at once', () => {
    const active = new Map<string, ActiveAlert>();
    const timings = { forMs: 0, keepFiringForMs: 0, limit: 0 };
    applyEvaluation(active, [input(1)], timings, T0);
    const first = alertsToSend(active, T0, 60_000, 1_000);
    expect(first).toEqual([{ labels: { alertname: 'HighErrors', app: 'checkout' }, annotations: { summary: 'errors: 1' }, startsAtMs: T0, endsAtMs: T0 + 240_000 }]);
    applyEvaluation(active, [input(1)], timings, T0 + 1_000);
    expect(alertsToSend(active, T0 + 1_000, 60_000, 1_000)).toEqual([]);
    applyEvaluation(active, [input(1)], timings, T0 + 61_000);
    expect(alertsToSend(active, T0 + 61_000, 60_000, 1_000)).toHaveLength(1);
    applyEvaluation(active, [], timings, T0 + 62_000);
    expect(alertsToSend(active, T0 + 62_000, 60_000, 1_000)).toEqual([
      { labels: { alertname: 'HighErrors', app: 'checkout' }, annotations: { summary: 'errors: 1' }, startsAtMs: T0, endsAtMs: T0 + 62_000 },
    ]);
    expect(alertsToSend(active, T0 + 63_000, 60_000, 1_000)).toEqual([]);
  });

  it('never sends a pending alert', () => {
    const active = new Map<string, ActiveAlert>();
    applyEvaluation(active, [input(1)], { forMs: 60_000, keepFiringForMs: 0, limit: 0 }, T0);
    expect(alertsToSend(active, T0, 60_000, 1_000)).toEqual([]);
  });
});
