// The ingester lifecycle as an XState machine. Read it as the diagram:
//
//   starting --(WAL replayed)--> pending.waiting --(join timeout)--> joining --(tokens)--> active
//                                   |      ^                                                 |
//                        (handoff offered)  (handoff failed)                              LEAVE
//                                   v      |                                                 v
//                            pending.receiving --(handoff complete, tokens)--> active    leaving:
//                                                                   find a PENDING peer -> hand off
//                                                                   (or flush) -> unregister -> left
//
// Only the transitions Loki's lifecycler allows exist. JOINING and ACTIVE take writes; ACTIVE
// and LEAVING serve reads. The side effects are named actors that call `LifecycleOps`, so the
// machine stays a pure description and tests can drive every path with fake operations.

import { assign, fromCallback, fromPromise, setup } from 'xstate';
import type { MemberState } from '../ring/model.js';

/** What the machine does to the world. The ingester wiring implements these for real. */
export interface LifecycleOps {
  replayWal(): Promise<void>;
  /** Writes this member's state (and tokens) to the ring. */
  publish(state: MemberState, tokens: readonly number[]): Promise<void>;
  heartbeat(): Promise<void>;
  /** Tokens to join with: a previous run's if the ring still has them, else fresh ones that collide with no one. */
  claimTokens(): Promise<number[]>;
  /** Listens for a leaving peer's handoff; calls back as it starts, completes (with the tokens) or fails. */
  listenForHandoff(events: {
    started(): void;
    completed(tokens: number[]): void;
    failed(reason: string): void;
  }): () => void;
  /** A PENDING peer to hand off to, or null when none shows up within the wait. */
  findHandoffTarget(): Promise<string | null>;
  handOffTo(target: string, tokens: readonly number[]): Promise<void>;
  flushAll(): Promise<void>;
  setWritable(writable: boolean): void;
  unregister(): Promise<void>;
}

export interface LifecycleInput {
  readonly ops: LifecycleOps;
  readonly joinAfterMs: number;
  readonly heartbeatMs: number;
  readonly retryMs: number;
}

interface LifecycleContext extends LifecycleInput {
  tokens: number[];
  handoffTarget: string | null;
  lastError: string | undefined;
}

export type LifecycleEvent =
  | { type: 'LEAVE' }
  | { type: 'HANDOFF_STARTED' }
  | { type: 'HANDOFF_COMPLETED'; tokens: number[] }
  | { type: 'HANDOFF_FAILED'; reason: string };

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const ingesterLifecycle = setup({
  types: {
    context: {} as LifecycleContext,
    events: {} as LifecycleEvent,
    input: {} as LifecycleInput,
  },
  actors: {
    replayWal: fromPromise<void, LifecycleOps>(({ input }) => input.replayWal()),
    claimTokens: fromPromise<number[], LifecycleOps>(({ input }) => input.claimTokens()),
    findHandoffTarget: fromPromise<string | null, LifecycleOps>(({ input }) => input.findHandoffTarget()),
    handOff: fromPromise<void, { ops: LifecycleOps; target: string; tokens: number[] }>(({ input }) =>
      input.ops.handOffTo(input.target, input.tokens),
    ),
    flushAll: fromPromise<void, LifecycleOps>(({ input }) => input.flushAll()),
    unregister: fromPromise<void, LifecycleOps>(({ input }) => input.unregister()),
    heartbeat: fromCallback<LifecycleEvent, { ops: LifecycleOps; everyMs: number }>(({ input }) => {
      const timer = setInterval(() => void input.ops.heartbeat().catch(() => undefined), input.everyMs);
      return () => clearInterval(timer);
    }),
    handoffListener: fromCallback<LifecycleEvent, LifecycleOps>(({ input, sendBack }) =>
      input.listenForHandoff({
        started: () => sendBack({ type: 'HANDOFF_STARTED' }),
        completed: (tokens) => sendBack({ type: 'HANDOFF_COMPLETED', tokens }),
        failed: (reason) => sendBack({ type: 'HANDOFF_FAILED', reason }),
      }),
    ),
  },
  actions: {
    publishState: ({ context }, params: { state: MemberState }) => {
      void context.ops.publish(params.state, context.tokens).catch(() => undefined);
    },
    acceptWrites: ({ context }) => context.ops.setWritable(true),
    refuseWrites: ({ context }) => context.ops.setWritable(false),
    rememberError: assign({ lastError: (_, params: { error: unknown }) => errorText(params.error) }),
  },
  guards: {
    foundHandoffTarget: (_, params: { target: string | null }) => params.target !== null,
  },
  delays: {
    joinAfter: ({ context }) => context.joinAfterMs,
    retry: ({ context }) => context.retryMs,
  },
}).createMachine({
  id: 'ingester',
  context: ({ input }) => ({ ...input, tokens: [], handoffTarget: null, lastError: undefined }),
  initial: 'starting',
  invoke: { id: 'heartbeat', src: 'heartbeat', input: ({ context }) => ({ ops: context.ops, everyMs: context.heartbeatMs }) },
  states: {
    starting: {
      invoke: {
        id: 'replayWal', src: 'replayWal',
        input: ({ context }) => context.ops,
        onDone: 'pending',
        onError: { target: 'left', actions: { type: 'rememberError', params: ({ event }) => ({ error: event.error }) } },
      },
      // Nothing was acknowledged by this process yet and the WAL keeps everything: just go.
      on: { LEAVE: 'left' },
    },
    pending: {
      entry: ['refuseWrites', { type: 'publishState', params: { state: 'PENDING' } }],
      // One listener spans both sub-states, so no handoff message falls between them.
      invoke: { id: 'handoffListener', src: 'handoffListener', input: ({ context }) => context.ops },
      initial: 'waiting',
      states: {
        waiting: {
          after: { joinAfter: '#ingester.joining' },
          on: { HANDOFF_STARTED: 'receiving' },
        },
        receiving: {
          on: {
            HANDOFF_COMPLETED: { target: '#ingester.active', actions: assign({ tokens: ({ event }) => event.tokens }) },
            HANDOFF_FAILED: {
              target: 'waiting',
              actions: { type: 'rememberError', params: ({ event }) => ({ error: event.reason }) },
            },
          },
        },
      },
      on: { LEAVE: 'leaving' },
    },
    joining: {
      entry: 'acceptWrites',
      initial: 'claiming',
      states: {
        claiming: {
          invoke: {
            id: 'claimTokens', src: 'claimTokens',
            input: ({ context }) => context.ops,
            onDone: { target: '#ingester.active', actions: assign({ tokens: ({ event }) => event.output }) },
            onError: { target: 'backingOff', actions: { type: 'rememberError', params: ({ event }) => ({ error: event.error }) } },
          },
        },
        backingOff: { after: { retry: 'claiming' } },
      },
      on: { LEAVE: 'leaving' },
    },
    active: {
      entry: ['acceptWrites', { type: 'publishState', params: { state: 'ACTIVE' } }],
      on: { LEAVE: 'leaving' },
    },
    leaving: {
      entry: ['refuseWrites', { type: 'publishState', params: { state: 'LEAVING' } }],
      initial: 'findingTarget',
      states: {
        findingTarget: {
          invoke: {
            id: 'findHandoffTarget', src: 'findHandoffTarget',
            input: ({ context }) => context.ops,
            onDone: [
              {
                guard: { type: 'foundHandoffTarget', params: ({ event }) => ({ target: event.output }) },
                target: 'handingOff',
                actions: assign({ handoffTarget: ({ event }) => event.output }),
              },
              { target: 'flushing' },
            ],
            onError: 'flushing',
          },
        },
        handingOff: {
          invoke: {
            id: 'handOff', src: 'handOff',
            input: ({ context }) => ({ ops: context.ops, target: context.handoffTarget!, tokens: context.tokens }),
            onDone: 'unregistering',
            // A broken handoff loses nothing: this ingester still owns its data and flushes it.
            onError: { target: 'flushing', actions: { type: 'rememberError', params: ({ event }) => ({ error: event.error }) } },
          },
        },
        flushing: {
          invoke: {
            id: 'flushAll', src: 'flushAll',
            input: ({ context }) => context.ops,
            onDone: 'unregistering',
            onError: { target: 'flushBackoff', actions: { type: 'rememberError', params: ({ event }) => ({ error: event.error }) } },
          },
        },
        flushBackoff: { after: { retry: 'flushing' } },
        unregistering: {
          invoke: { id: 'unregister', src: 'unregister', input: ({ context }) => context.ops, onDone: '#ingester.left', onError: '#ingester.left' },
        },
      },
    },
    left: { type: 'final', entry: 'refuseWrites' },
  },
});
