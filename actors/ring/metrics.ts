// Ring metrics, computed when Prometheus scrapes so they are never stale: members by state
// (UNHEALTHY for a missed heartbeat, as a reader concludes), and tokens owned.

import { Gauge, type Registry } from 'prom-client';
import { isHealthy, type MemberState } from './model.js';
import type { RingWatcher } from './ring-watcher.js';

const STATES: ReadonlyArray<MemberState | 'UNHEALTHY'> = ['PENDING', 'JOINING', 'ACTIVE', 'LEAVING', 'LEFT', 'UNHEALTHY'];

export function registerRingMetrics(registry: Registry, watcher: RingWatcher, heartbeatTimeoutMs: number): void {
  new Gauge({
    name: 'norn_ring_members',
    help: 'Ring members by state; UNHEALTHY counts members whose heartbeat is older than the timeout.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = new Map<string, number>(STATES.map((state) => [state, 0]));
      const now = Date.now();
      for (const member of watcher.ring.members.values()) {
        const state = isHealthy(member, now, heartbeatTimeoutMs) ? member.state : 'UNHEALTHY';
        counts.set(state, (counts.get(state) ?? 0) + 1);
      }
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'norn_ring_tokens',
    help: 'Tokens in the ring.',
    registers: [registry],
    collect() {
      let tokens = 0;
      for (const member of watcher.ring.members.values()) tokens += member.tokens.length;
      this.set(tokens);
    },
  });
}
