import { describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import type { MemberState } from '../ring/model.js';
import { ingesterLifecycle, type LifecycleOps } from './lifecycle-machine.js';

interface Recorder {
  ops: LifecycleOps;
  published: MemberState[];
  writable: boolean[];
  calls: string[];
  handoff: { started(): void; completed(tokens: number[]): void; failed(reason: string): void } | undefined;
}

function recorder(overrides: Partial<LifecycleOps> = {}): Recorder {
  const rec: Recorder = { published: [], writable: [], calls: [], handoff: undefined, ops: undefined as unknown as LifecycleOps };
  rec.ops = {
    replayWal: async () => void rec.calls.push('replayWal'),
    publish: async (state) => void rec.published.push(state),
    heartbeat: async () => undefined,
    claimTokens: async () => {
      rec.calls.push('claimTokens');
      return [1, 2, 3];
    },
    listenForHandoff: (events) => {
      rec.handoff = events;
      return () => {
        rec.handoff = undefined;
      };
    },
    findHandoffTarget: async () => null,
    handOffTo: async (target) => void rec.calls.push(`handOffTo:${target}`),
    flushAll: async () => void rec.calls.push('flushAll'),
    setWritable: (writable) => void rec.writable.push(writable),
    unregister: async () => void rec.calls.push('unregister'),
    ...overrides,
  };
  return rec;
}

function start(rec: Recorder, joinAfterMs = 10) {
  const actor = createActor(ingesterLifecycle, { input: { ops: rec.ops, joinAfterMs, heartbeatMs: 60_000, retryMs: 5 } });
  actor.start();
  return actor;
}

describe('ingester lifecycle machine', () => {
  it('replays the WAL, waits in PENDING, joins with claimed tokens and becomes ACTIVE', async () => {
    const rec = recorder();
    const actor = start(rec);
    await waitFor(actor, (s) => s.matches('active'), { timeout: 2_000 });
    expect(rec.calls).toEqual(['replayWal', 'claimTokens']);
    expect(rec.published).toEqual(['PENDING', 'ACTIVE']);
    expect(actor.getSnapshot().context.tokens).toEqual([1, 2, 3]);
    // Writes are refused while PENDING and taken from JOINING on.
    expect(rec.writable).toEqual([false, true, true]);
    actor.stop();
  });

  it('takes over a leaving peer\'s tokens through a handoff instead of joining fresh', async () => {
    const rec = recorder();
    const actor = start(rec, 60_000);
    await waitFor(actor, (s) => s.matches({ pending: 'waiting' }), { timeout: 2_000 });
    rec.handoff!.started();
    expect(actor.getSnapshot().matches({ pending: 'receiving' })).toBe(true);
    rec.handoff!.completed([7, 8, 9]);
    await waitFor(actor, (s) => s.matches('active'), { timeout: 2_000 });
    expect(rec.calls).not.toContain('claimTokens');
    expect(actor.getSnapshot().context.tokens).toEqual([7, 8, 9]);
    actor.stop();
  });

  it('goes back to waiting when a handoff breaks, then joins on its own', async () => {
    const rec = recorder();
    const actor = start(rec, 50);
    await waitFor(actor, (s) => s.matches({ pending: 'waiting' }), { timeout: 2_000 });
    rec.handoff!.started();
    rec.handoff!.failed('sender went silent');
    expect(actor.getSnapshot().matches({ pending: 'waiting' })).toBe(true);
    expect(actor.getSnapshot().context.lastError).toBe('sender went silent');
    await waitFor(actor, (s) => s.matches('active'), { timeout: 2_000 });
    expect(rec.calls).toContain('claimTokens');
    actor.stop();
  });

  it('leaves by handing off to a PENDING peer when one appears', async () => {
    const rec = recorder({ findHandoffTarget: async () => 'ingester-9' });
    const actor = start(rec);
    await waitFor(actor, (s) => s.matches('active'), { timeout: 2_000 });
    actor.send({ type: 'LEAVE' });
    await waitFor(actor, (s) => s.status === 'done', { timeout: 2_000 });
    expect(rec.calls.slice(2)).toEqual(['handOffTo:ingester-9', 'unregister']);
    expect(rec.published).toEqual(['PENDING', 'ACTIVE', 'LEAVING']);
    expect(rec.writable.at(-1)).toBe(false);
  });

  it('flushes when no peer is found, and when a handoff fails half way', async () => {
    const alone = recorder();
    const actor = start(alone);
    await waitFor(actor, (s) => s.matches('active'), { timeout: 2_000 });
    actor.send({ type: 'LEAVE' });
    await waitFor(actor, (s) => s.status === 'done', { timeout: 2_000 });
    expect(alone.calls.slice(2)).toEqual(['flushAll', 'unregister']);

    const broken = recorder({
      findHandoffTarget: async () => 'ingester-9',
      handOffTo: async () => {
        throw new Error('bus gone');
      },
    });
    const second = start(broken);
    await waitFor(second, (s) => s.matches('active'), { timeout: 2_000 });
    second.send({ type: 'LEAVE' });
    await waitFor(second, (s) => s.status === 'done', { timeout: 2_000 });
    expect(broken.calls.slice(2)).toEqual(['flushAll', 'unregister']);
    expect(second.getSnapshot().context.lastError).toBe('bus gone');
  });

  it('retries a failed flush until storage takes the data', async () => {
    let failures = 2;
    const rec = recorder({
      flushAll: async () => {
        rec.calls.push('flushAll');
        if (failures-- > 0) throw new Error('S3 unavailable');
      },
    });
    const actor = start(rec);
    await waitFor(actor, (s) => s.matches('active'), { timeout: 2_000 });
    actor.send({ type: 'LEAVE' });
    await waitFor(actor, (s) => s.status === 'done', { timeout: 2_000 });
    expect(rec.calls.filter((c) => c === 'flushAll')).toHaveLength(3);
    expect(rec.calls.at(-1)).toBe('unregister');
  });

  it('retries claiming tokens after a ring write conflict', async () => {
    let failures = 1;
    const rec = recorder({
      claimTokens: async () => {
        rec.calls.push('claimTokens');
        if (failures-- > 0) throw new Error('revision conflict');
        return [42];
      },
    });
    const actor = start(rec);
    await waitFor(actor, (s) => s.matches('active'), { timeout: 2_000 });
    expect(rec.calls.filter((c) => c === 'claimTokens')).toHaveLength(2);
    actor.stop();
  });

  it('leaves at once when told to during WAL replay', async () => {
    let finishReplay!: () => void;
    const rec = recorder({ replayWal: () => new Promise<void>((resolve) => (finishReplay = resolve)) });
    const actor = start(rec);
    expect(actor.getSnapshot().value).toBe('starting');
    actor.send({ type: 'LEAVE' });
    await waitFor(actor, (s) => s.status === 'done', { timeout: 2_000 });
    finishReplay();
    expect(rec.published).toEqual([]);
    expect(rec.calls).not.toContain('flushAll');
  });

  it('stops without joining when the WAL cannot be replayed', async () => {
    const rec = recorder({
      replayWal: async () => {
        throw new Error('disk unreadable');
      },
    });
    const actor = start(rec);
    await waitFor(actor, (s) => s.status === 'done', { timeout: 2_000 });
    expect(actor.getSnapshot().value).toBe('left');
    expect(rec.published).toEqual([]);
  });
});

/** The ring state a machine state publishes, for checking transitions against Loki's lifecycler. */
function ringState(value: unknown): MemberState | 'STARTING' {
  const top = typeof value === 'string' ? value : Object.keys(value as object)[0]!;
  return ({ starting: 'STARTING', pending: 'PENDING', joining: 'JOINING', active: 'ACTIVE', leaving: 'LEAVING', left: 'LEFT' } as const)[
    top as 'starting'
  ];
}

describe('ingester lifecycle graph', () => {
  const events = [
    { type: 'LEAVE' },
    { type: 'HANDOFF_STARTED' },
    { type: 'HANDOFF_COMPLETED', tokens: [5] },
    { type: 'HANDOFF_FAILED', reason: 'x' },
    { type: 'xstate.done.actor.replayWal' },
    { type: 'xstate.error.actor.replayWal', error: new Error('x') },
    { type: 'xstate.done.actor.claimTokens', output: [1] },
    { type: 'xstate.error.actor.claimTokens', error: new Error('x') },
    { type: 'xstate.done.actor.findHandoffTarget', output: 'peer' },
    { type: 'xstate.done.actor.findHandoffTarget', output: null },
    { type: 'xstate.done.actor.handOff' },
    { type: 'xstate.error.actor.handOff', error: new Error('x') },
    { type: 'xstate.done.actor.flushAll' },
    { type: 'xstate.error.actor.flushAll', error: new Error('x') },
    { type: 'xstate.done.actor.unregister' },
    { type: 'xstate.after.joinAfter.ingester.pending.waiting' },
    { type: 'xstate.after.retry.ingester.joining.backingOff' },
    { type: 'xstate.after.retry.ingester.leaving.flushBackoff' },
  ];
  const paths = getShortestPaths(ingesterLifecycle, {
    events: events as never,
    input: { ops: recorder().ops, joinAfterMs: 1, heartbeatMs: 60_000, retryMs: 1 },
  });

  it('reaches every state of the diagram', () => {
    const reached = new Set(paths.map((path) => JSON.stringify(path.state.value)));
    for (const state of [
      '"starting"',
      '{"pending":"waiting"}',
      '{"pending":"receiving"}',
      '{"joining":"claiming"}',
      '{"joining":"backingOff"}',
      '"active"',
      '{"leaving":"findingTarget"}',
      '{"leaving":"handingOff"}',
      '{"leaving":"flushing"}',
      '{"leaving":"flushBackoff"}',
      '{"leaving":"unregistering"}',
      '"left"',
    ]) {
      expect(reached, state).toContain(state);
    }
  });

  it('only makes the ring transitions Loki\'s lifecycler allows', () => {
    const allowed = new Set([
      'STARTING>PENDING', 'STARTING>LEFT', 'PENDING>JOINING', 'PENDING>ACTIVE', 'PENDING>LEAVING',
      'JOINING>ACTIVE', 'JOINING>LEAVING', 'ACTIVE>LEAVING', 'LEAVING>LEFT',
    ]);
    const seen = new Set<string>();
    for (const path of paths) {
      let previous = ringState(path.steps[0]?.state.value ?? 'starting');
      for (const step of path.steps) {
        const next = ringState(step.state.value);
        if (next !== previous) seen.add(`${previous}>${next}`);
        previous = next;
      }
    }
    for (const transition of seen) expect(allowed, transition).toContain(transition);
    expect(seen).toContain('PENDING>ACTIVE');
    expect(seen).toContain('ACTIVE>LEAVING');
    expect(seen).toContain('LEAVING>LEFT');
  });
});
