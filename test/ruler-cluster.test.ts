// Rulers sharing the work on a real nats-server: the ruler ring gives each group to exactly one
// ruler, a ruler that dies (stops heartbeating) loses its groups to the other, and a ruler that
// restarts picks up pending alerts from the state saved in the bus KV.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Bus } from '../bus/bus.js';
import { connectNatsBus } from '../bus/mod.js';
import { FsStore } from '../storage/fs-store.js';
import { defaultRulerConfig, startRulerModule, type RulerConfig, type RunningRuler } from '../actors/ruler/mod.js';
import { ObjectRuleStore } from '../actors/ruler/object-rule-store.js';
import { LokiClient, nowNs } from './helpers/loki-client.js';
import { startNatsServer, type NatsServerHandle } from './helpers/nats-server.js';
import { startTestNorn, tempDir } from './helpers/norn.js';

const GROUPS = 12;

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Iterations per group (`namespace;group`) in one ruler's registry. */
async function iterations(registry: Registry): Promise<Map<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'norn_prometheus_rule_group_iterations_total');
  const out = new Map<string, number>();
  for (const value of (metric?.values ?? []) as Array<{ labels: Record<string, string>; value: number }>) {
    out.set(`${value.labels['user']}/${value.labels['rule_group']}`, value.value);
  }
  return out;
}

describe('rulers on a real nats-server', () => {
  let nats: NatsServerHandle;
  let norn: Awaited<ReturnType<typeof startTestNorn>>;
  let objectStore: FsStore;
  const buses: Bus[] = [];
  const rulers: RunningRuler[] = [];
  const config: RulerConfig = {
    ...defaultRulerConfig(tempDir()),
    evaluationIntervalMs: 1_000,
    pollIntervalMs: 300,
    heartbeatMs: 300,
    heartbeatTimeoutMs: 2_000,
    storage: { type: 'object', directory: '' },
  };

  async function startRuler(id: string): Promise<{ ruler: RunningRuler; registry: Registry }> {
    const bus = await connectNatsBus({ servers: nats.url, name: id, logger: pino({ level: 'silent' }) });
    buses.push(bus);
    const registry = new Registry();
    const ruler = await startRulerModule({
      id,
      config,
      bus,
      objectStore,
      clustered: true,
      logger: pino({ level: 'silent' }),
      querier: norn.querier!.service,
      registry,
    });
    rulers.push(ruler);
    return { ruler, registry };
  }

  beforeAll(async () => {
    [nats, norn] = await Promise.all([startNatsServer(), startTestNorn()]);
    objectStore = new FsStore(tempDir());
    const store = new ObjectRuleStore(objectStore);
    for (let i = 0; i < GROUPS; i++) {
      await store.set(i % 2 === 0 ? 'team-a' : 'team-b', 'ops', {
        name: `group-${i}`,
        interval: '1s',
        rules: [{ record: `checkout:lines:count1m_${i}`, expr: 'sum(count_over_time({app="checkout"}[1m]))' }],
      });
    }
  }, 60_000);

  afterAll(async () => {
    for (const ruler of rulers) await ruler.stop().catch(() => undefined);
    for (const bus of buses) await bus.close().catch(() => undefined);
    await norn?.stop();
    await nats?.dispose();
  });

  it('evaluates each group on exactly one ruler, and moves a dead ruler\'s groups to the other', async () => {
    const a = await startRuler('ruler-a');
    const b = await startRuler('ruler-b');
    const owned = () => {
      const ofA = new Set(a.ruler.ruler.localGroups().map((g) => `${g.group.key.tenant}/${g.group.key.namespace};${g.group.key.group}`));
      const ofB = new Set(b.ruler.ruler.localGroups().map((g) => `${g.group.key.tenant}/${g.group.key.namespace};${g.group.key.group}`));
      return { ofA, ofB };
    };
    // Both rings converge: every group on one ruler, none on both.
    const split = await until('the groups to be split', () => {
      const { ofA, ofB } = owned();
      const overlap = [...ofA].filter((key) => ofB.has(key));
      return ofA.size + ofB.size === GROUPS && overlap.length === 0 ? { ofA, ofB } : undefined;
    });

    // From the split on, let every group run a few iterations, then compare both rulers' counts.
    // (Before ruler-b joined, ruler-a alone owned everything, so only the increments count.)
    const [a0, b0] = await Promise.all([iterations(a.registry), iterations(b.registry)]);
    const grown = (now: Map<string, number>, then: Map<string, number>, key: string) => (now.get(key) ?? 0) - (then.get(key) ?? 0);
    await until('three iterations of every group', async () => {
      const [ia, ib] = await Promise.all([iterations(a.registry), iterations(b.registry)]);
      const all = [...split.ofA].map((key) => grown(ia, a0, key)).concat([...split.ofB].map((key) => grown(ib, b0, key)));
      return all.every((n) => n >= 3) ? true : undefined;
    });
    const [ia, ib] = await Promise.all([iterations(a.registry), iterations(b.registry)]);
    for (const key of split.ofA) expect(grown(ib, b0, key), `${key} also ran on ruler-b`).toBe(0);
    for (const key of split.ofB) expect(grown(ia, a0, key), `${key} also ran on ruler-a`).toBe(0);

    // The ruler with more groups dies without leaving the ring; the other takes them over.
    const [dead, survivor, moved] = split.ofA.size >= split.ofB.size ? [a, b, split.ofA] : [b, a, split.ofB];
    await dead.ruler.abandon();
    const before = await iterations(survivor.registry);
    await until('the survivor to own every group', () => (survivor.ruler.ruler.localGroups().length === GROUPS ? true : undefined));
    await until('the moved groups to run on the survivor', async () => {
      const now = await iterations(survivor.registry);
      return [...moved].every((key) => (now.get(key) ?? 0) > (before.get(key) ?? 0)) ? true : undefined;
    });
    await survivor.ruler.stop();
  }, 90_000);

  it('keeps a pending alert across a ruler restart', async () => {
    const store = new ObjectRuleStore(objectStore);
    for (let i = 0; i < GROUPS; i++) await store.deleteGroup(i % 2 === 0 ? 'team-a' : 'team-b', 'ops', `group-${i}`);
    const loki = new LokiClient(norn.address);
    await loki.push([{ stream: { app: 'payments' }, values: [[String(nowNs()), 'level=error msg="card declined"']] }]);
    await store.set('fake', 'payments', {
      name: 'declines',
      interval: '1s',
      rules: [{ alert: 'Declines', expr: 'sum(count_over_time({app="payments"} |= "error" [10m])) > 0', for: '1h' }],
    });

    const first = await startRuler('ruler-c');
    const pending = await until('a pending alert', () => {
      const alert = first.ruler.ruler.localGroups()[0]?.rules[0]?.alerts[0];
      return alert?.state === 'pending' ? alert : undefined;
    });
    await first.ruler.stop();

    const second = await startRuler('ruler-c');
    const evaluatedAfterRestart = await until('an evaluation after the restart', () => {
      const group = second.ruler.ruler.localGroups()[0];
      return group !== undefined && group.lastEvaluationMs > pending.activeAtMs + 1_000 ? group : undefined;
    });
    const [restored] = evaluatedAfterRestart.rules[0]!.alerts;
    expect(restored).toMatchObject({ state: 'pending', activeAtMs: pending.activeAtMs, labels: { alertname: 'Declines' } });
    const status = await second.ruler.service.groupStatus('fake');
    expect(status[0]!.rules[0]).toMatchObject({ state: 'pending', alerts: [{ state: 'pending', activeAtMs: pending.activeAtMs }] });
  }, 60_000);
});
