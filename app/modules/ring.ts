// The ring module: the KV bucket ring members register in, and the watcher every process keeps
// of it (gateways place streams with it, ingesters find handoff peers with it).

import type { Registry } from 'prom-client';
import type { Bus, KvStore } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import type { NornConfig } from '../config.js';
import type { RingMember } from '../../actors/ring/model.js';
import { RingWatcher } from '../../actors/ring/ring-watcher.js';
import { forgetCounter, registerRingMetrics } from '../../actors/ring/metrics.js';
import { forgetMember } from '../../actors/ring/forget.js';

export interface RingModule {
  readonly watcher: RingWatcher;
  readonly store: KvStore<RingMember>;
  /** `/ring` as JSON: members, states, tokens and heartbeat ages. */
  status(): unknown;
  /** Removes a member's key from the ring (Loki's "Forget"); false when there is no such member. */
  forget(id: string): Promise<boolean>;
}

export async function startRing(deps: { readonly config: NornConfig; readonly bus: Bus; readonly registry: Registry }): Promise<RingModule> {
  const { config, bus, registry } = deps;
  const store = (await bus.kv(subjects.ringBucket)) as KvStore<RingMember>;
  const watcher = new RingWatcher(store, {
    replicationFactor: config.ring.replicationFactor,
    heartbeatTimeoutMs: config.ring.heartbeatTimeoutMs,
    zoneAwareness: config.ring.zoneAwareness,
  });
  await watcher.start();
  registerRingMetrics(registry, watcher, config.ring.heartbeatTimeoutMs);
  const forgotten = forgetCounter(registry);
  return {
    watcher,
    store,
    status: () => ringStatus(watcher, config),
    async forget(id) {
      const found = await forgetMember(store, id);
      if (found) forgotten.inc();
      return found;
    },
  };
}

function ringStatus(watcher: RingWatcher, config: NornConfig): unknown {
  const now = Date.now();
  const members = [...watcher.ring.members.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  return {
    replicationFactor: config.ring.replicationFactor,
    heartbeatTimeoutMs: config.ring.heartbeatTimeoutMs,
    members: members.map((member) => ({
      id: member.id,
      state: member.state,
      healthy: now - member.heartbeatMs <= config.ring.heartbeatTimeoutMs,
      zone: member.zone,
      tokens: member.tokens.length,
      heartbeatAgeMs: now - member.heartbeatMs,
      registeredAt: new Date(member.registeredMs).toISOString(),
      ...(member.addr !== undefined ? { addr: member.addr } : {}),
    })),
  };
}
