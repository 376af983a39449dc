// Runs the lifecycle machine for one ingester: implements its operations with the real ring
// registration, handoff, flusher and WAL, and exposes start / leave / readiness.

import type { Logger } from 'pino';
import { createActor, waitFor, type Actor } from 'xstate';
import type { Bus } from '../../bus/bus.js';
import type { RingConfig } from '../ring/config.js';
import type { RingRegistration } from '../ring/registration.js';
import type { RingWatcher } from '../ring/ring-watcher.js';
import { generateTokens, replaceClashingTokens } from '../ring/tokens.js';
import { handOff, listenForHandoff } from './handoff.js';
import type { Ingester } from './ingester.js';
import { ingesterLifecycle, type LifecycleOps } from './lifecycle-machine.js';
import type { IngesterMetrics } from './metrics.js';
import type { IngesterPushRequest } from './protocol.js';

export interface LifecycleDeps {
  readonly ingester: Ingester;
  readonly registration: RingRegistration;
  readonly ring: RingWatcher;
  readonly bus: Bus;
  readonly config: RingConfig;
  readonly metrics: IngesterMetrics;
  readonly logger: Logger;
  /** Replays the WAL into the ingester; absent when the WAL is off. */
  readonly replayWal?: () => Promise<void>;
  /** Logs a received handoff batch durably before it is acknowledged. */
  readonly logBatch?: (request: IngesterPushRequest) => Promise<void>;
  /** Called once everything this ingester held is flushed or handed off. */
  readonly onDrained?: () => Promise<void>;
}

export class IngesterLifecycle {
  private readonly actor: Actor<typeof ingesterLifecycle>;

  constructor(private readonly deps: LifecycleDeps) {
    const { config } = deps;
    this.actor = createActor(ingesterLifecycle, {
      input: { ops: this.operations(), joinAfterMs: config.joinAfterMs, heartbeatMs: config.heartbeatMs, retryMs: 1_000 },
    });
    this.actor.subscribe((snapshot) => deps.logger.debug({ state: snapshot.value }, 'ingester lifecycle'));
  }

  start(): void {
    this.actor.start();
  }

  /** The machine's state, e.g. "active" or { leaving: "flushing" }. */
  get state(): unknown {
    return this.actor.getSnapshot().value;
  }

  get isActive(): boolean {
    return this.actor.getSnapshot().matches('active');
  }

  /** Resolves once the ingester is ACTIVE (after WAL replay and joining the ring). */
  async whenActive(timeoutMs = Infinity): Promise<void> {
    await waitFor(this.actor, (snapshot) => snapshot.matches('active') || snapshot.status === 'done', { timeout: timeoutMs });
    if (!this.isActive) throw new Error(`ingester ${this.deps.ingester.id} stopped before it became active: ${this.actor.getSnapshot().context.lastError ?? 'unknown'}`);
  }

  /** Graceful leave: hand off or flush, then unregister. Resolves when LEFT. */
  async leave(): Promise<void> {
    this.actor.send({ type: 'LEAVE' });
    await waitFor(this.actor, (snapshot) => snapshot.status === 'done', { timeout: Infinity });
    this.actor.stop();
  }

  private operations(): LifecycleOps {
    const { ingester, registration, ring, bus, config, metrics, logger } = this.deps;
    const handoffOptions = { bus, ingester, metrics, timeoutMs: Math.max(config.handoffWaitMs, 5_000) };
    return {
      replayWal: async () => {
        await this.deps.replayWal?.();
      },
      publish: (state, tokens) => registration.setState(state, tokens),
      heartbeat: () => registration.heartbeat(),
      claimTokens: async () => {
        const previous = await registration.previous();
        const takenByOthers = (): Set<number> => {
          const taken = new Set<number>();
          for (const member of ring.ring.members.values()) {
            if (member.id !== ingester.id) for (const token of member.tokens) taken.add(token);
          }
          return taken;
        };
        const taken = takenByOthers();
        let tokens =
          previous !== undefined && previous.tokens.length === config.tokens && previous.tokens.every((t) => !taken.has(t))
            ? [...previous.tokens]
            : generateTokens(config.tokens, taken);
        // Two ingesters joining at once may draw the same token. Once the ring shows our own
        // claim, every claim written before it shows too: any clash seen then is redrawn, until none.
        for (let round = 0; ; round++) {
          await registration.setState('JOINING', tokens);
          const claimed = tokens;
          await ring.waitFor((r) => {
            const own = r.members.get(ingester.id);
            return own !== undefined && sameTokens(own.tokens, claimed);
          }, 30_000);
          const { tokens: next, replaced } = replaceClashingTokens(tokens, takenByOthers());
          if (replaced === 0) return tokens;
          logger.warn({ replaced, round }, 'token collision while joining: redrawing');
          tokens = next;
        }
      },
      listenForHandoff: (events) =>
        listenForHandoff(
          {
            ...handoffOptions,
            logBatch: this.deps.logBatch ?? (async () => undefined),
          },
          {
            started: () => {
              logger.info('receiving a handoff');
              events.started();
            },
            completed: (tokens) => {
              logger.info({ tokens: tokens.length }, 'handoff received');
              events.completed(tokens);
            },
            failed: (reason) => {
              logger.warn({ reason }, 'handoff failed');
              events.failed(reason);
            },
          },
        ),
      findHandoffTarget: async () => {
        if (config.handoffWaitMs <= 0 || ingester.unflushedEntries === 0) return null;
        const isTarget = (id: string) => (r: typeof ring.ring) =>
          [...r.members.values()].some((member) => member.id !== id && member.state === 'PENDING');
        try {
          const found = await ring.waitFor(isTarget(ingester.id), config.handoffWaitMs);
          return [...found.members.values()].find((member) => member.id !== ingester.id && member.state === 'PENDING')?.id ?? null;
        } catch {
          return null;
        }
      },
      handOffTo: async (target, tokens) => {
        await ingester.drainWrites();
        logger.info({ target }, 'handing off to a pending ingester');
        await handOff(handoffOptions, target, tokens);
        await this.deps.onDrained?.();
      },
      flushAll: async () => {
        await ingester.drainWrites();
        await ingester.flushAll();
        if (ingester.unflushedEntries > 0) throw new Error(`${ingester.unflushedEntries} entries still unflushed`);
        await this.deps.onDrained?.();
      },
      setWritable: (writable) => {
        ingester.acceptingWrites = writable;
      },
      unregister: () => registration.remove(),
    };
  }
}

function sameTokens(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((token, i) => token === b[i]);
}
