// Ring metrics, computed when Prometheus scrapes so they are never stale: members by state
// (UNHEALTHY for a missed heartbeat, as a reader concludes), and tokens owned.

import { Counter, Gauge, type Registry } from 'prom-client';
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

/** Loki's `loki_ingester_autoforget_unhealthy_ingesters_total`, under Norn's prefix. */
export function autoForgetCounter(registry: Registry): Counter {
  const name = 'norn_ingester_autoforget_unhealthy_ingesters_total';
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter;
  return new Counter({ name, help: 'Ring members this ingester removed because their heartbeat was older than the heartbeat timeout (ring.autoforget_unhealthy).', registers: [registry] });
}

/** Members removed from the ring by hand (`POST /ring` with `forget=<id>`). */
export function forgetCounter(registry: Registry): Counter {
  const name = 'norn_ring_members_forgotten_total';
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter;
  return new Counter({ name, help: 'Ring members removed by an operator with the ring page\'s Forget (POST /ring forget=<id>).', registers: [registry] });
}
