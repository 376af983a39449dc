// Removing a member from the ring by hand ("forget", as on Loki's ring page) or automatically
// once it has missed its heartbeats for too long (Loki's `autoforget_unhealthy`).
//
// A member killed without a graceful leave keeps its key, and so its tokens, for ever: every
// replication set that reaches it counts it as a failure. Forgetting it deletes its key; its
// token ranges fall to the next members clockwise. A member that is still alive loses nothing
// by being forgotten: its next heartbeat finds its key gone and writes it again.

import type { Counter } from 'prom-client';
import type { KvStore } from '../../bus/bus.js';
import { isHealthy, type RingMember } from './model.js';

/** The logger calls forgetting needs (pino's shape). */
export interface ForgetLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Deletes `id`'s key from the ring bucket; false when the ring holds no such member. */
export async function forgetMember(store: KvStore<RingMember>, id: string): Promise<boolean> {
  const entry = await store.get(id);
  if (entry === null) return false;
  await store.delete(id);
  return true;
}

export interface AutoForgetOptions {
  readonly store: KvStore<RingMember>;
  /** This ingester's id: if the ring sees this one as unhealthy, the partition may be ours. */
  readonly selfId: string;
  /** Rounds run every heartbeat period, as Loki's do. */
  readonly heartbeatMs: number;
  /** A member whose heartbeat is older than this is forgotten. */
  readonly heartbeatTimeoutMs: number;
  readonly logger: ForgetLogger;
  readonly forgotten?: Pick<Counter, 'inc'>;
  readonly now?: () => number;
}

export type AutoForgetRound =
  | { readonly kind: 'forgot'; readonly ids: readonly string[] }
  | { readonly kind: 'nothing' }
  | { readonly kind: 'skipped'; readonly reason: string };

/**
 * Loki's rule, applied once per heartbeat period: every member whose last heartbeat is older than
 * the heartbeat timeout is removed, except in a round where this ingester itself looks unhealthy
 * (or is not in the ring), or where every other member looks unhealthy: either way the fault is
 * more likely this ingester's view of the bus than the others being dead, and nothing is removed.
 */
export class AutoForget {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly options: AutoForgetOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer !== undefined) return;
    const { logger, heartbeatTimeoutMs } = this.options;
    logger.info({ heartbeatTimeoutMs }, 'autoforget is enabled: ring members with no heartbeat for the heartbeat timeout are removed');
    this.timer = setInterval(() => {
      // One round at a time: a slow KV must not stack rounds up.
      this.running = this.running.then(() => this.round()).catch((error: unknown) => {
        logger.warn({ err: error }, 'autoforget round failed; trying again next heartbeat period');
      });
    }, this.options.heartbeatMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round: reads every member, forgets the unhealthy ones unless the round is skipped. */
  async round(): Promise<AutoForgetRound> {
    const { store, selfId, heartbeatTimeoutMs, logger } = this.options;
    const members = await readMembers(store);
    const now = this.now();
    const self = members.find((member) => member.id === selfId);
    if (self === undefined || !isHealthy(self, now, heartbeatTimeoutMs)) {
      const reason = `this ingester (${selfId}) is ${self === undefined ? 'not in the ring' : 'unhealthy in the ring'}; the network may be partitioned`;
      logger.warn({ selfId }, `autoforget skips this round: ${reason}`);
      return { kind: 'skipped', reason };
    }
    const unhealthy = members.filter((member) => !isHealthy(member, now, heartbeatTimeoutMs));
    if (unhealthy.length === 0) return { kind: 'nothing' };
    if (unhealthy.length === members.length - 1) {
      const reason = `${unhealthy.length} of ${members.length} members are unhealthy, every one but this ingester; the network may be partitioned`;
      logger.warn({ unhealthy: unhealthy.length, members: members.length }, `autoforget skips this round: ${reason}`);
      return { kind: 'skipped', reason };
    }
    const ids: string[] = [];
    for (const member of unhealthy) {
      // Read again just before deleting: a member that heartbeated since is kept.
      const latest = (await store.get(member.id))?.value;
      if (latest === undefined || isHealthy(latest, this.now(), heartbeatTimeoutMs)) continue;
      await store.delete(member.id);
      ids.push(member.id);
      this.options.forgotten?.inc();
      logger.info(
        { member: member.id, heartbeatAgeMs: now - member.heartbeatMs, heartbeatTimeoutMs },
        `autoforget removed ingester ${member.id} from the ring: no heartbeat for ${now - member.heartbeatMs} ms (timeout ${heartbeatTimeoutMs} ms)`,
      );
    }
    return ids.length > 0 ? { kind: 'forgot', ids } : { kind: 'nothing' };
  }
}

async function readMembers(store: KvStore<RingMember>): Promise<RingMember[]> {
  const members: RingMember[] = [];
  for (const key of await store.keys()) {
    const entry = await store.get(key);
    if (entry !== null) members.push(entry.value);
  }
  return members;
}
