// The faults a chaos run applies, one at a time. Each one breaks something and heals it before
// it returns: a killed ingester is restarted, a paused one resumed, a stopped server started
// again. `blast` says how much of the cluster a fault takes away, which is what the write
// availability during it should be compared with. The gateway, disk and partition faults are
// in faults-edge.ts.

import type { ChaosCluster } from './cluster.js';
import { FAULT_KINDS, someIngester, type FaultContext, type FaultKind, type FaultSpec } from './fault-spec.js';
import { EDGE_FAULTS } from './faults-edge.js';
import { sleep } from './random.js';

export * from './fault-spec.js';

/** Starts a spare ingester that waits in PENDING long enough to be a handoff target, and picks a leaver. */
async function pendingNewcomer(context: FaultContext): Promise<{ newcomer: string; victim: string; pending: boolean }> {
  const { cluster, random, timings } = context;
  const idle = cluster.idleIds();
  if (idle.length === 0) throw new Error('no spare ingester id for a newcomer');
  const newcomer = random.pick(idle);
  const victim = someIngester(context);
  await cluster.startIngester(newcomer, { joinAfter: timings.newcomerJoinAfter, waitReady: false });
  const pending = await cluster.waitForRing((members) => members.some((m) => m.id === newcomer && m.state === 'PENDING'), 30_000);
  return { newcomer, victim, pending };
}

export const FAULTS: Record<FaultKind, FaultSpec> = {
  ...EDGE_FAULTS,
  kill: {
    kind: 'kill',
    blast: 'one-ingester',
    description: 'kill -9 of a random ingester, restarted after a moment (WAL replay)',
    estimateMs: (t) => t.killDownMs + 3_000,
    async run(context) {
      const victim = someIngester(context);
      await context.cluster.kill(victim);
      await sleep(context.timings.killDownMs);
      await context.cluster.startIngester(victim);
      return { target: victim };
    },
  },
  pause: {
    kind: 'pause',
    blast: 'one-ingester',
    description: 'SIGSTOP of a random ingester for a few seconds, then SIGCONT',
    estimateMs: (t) => t.pauseMaxMs,
    async run(context) {
      const victim = someIngester(context);
      const pauseMs = context.random.int(context.timings.pauseMinMs, context.timings.pauseMaxMs);
      context.cluster.pause(victim);
      try {
        await sleep(pauseMs);
      } finally {
        context.cluster.resume(victim);
      }
      return { target: victim, note: `paused ${(pauseMs / 1000).toFixed(1)} s` };
    },
  },
  leave: {
    kind: 'leave',
    blast: 'one-ingester',
    description: 'graceful leave (SIGTERM) with no PENDING ingester: flush, leave, rejoin',
    estimateMs: () => 6_000,
    async run(context) {
      const victim = someIngester(context);
      const clean = await context.cluster.leave(victim);
      await context.cluster.startIngester(victim);
      return { target: victim, note: clean ? 'flushed, left, rejoined' : 'leave was not clean' };
    },
  },
  handoff: {
    kind: 'handoff',
    blast: 'one-ingester',
    description: 'graceful leave (SIGTERM) with a PENDING newcomer: chunks and tokens handed off',
    estimateMs: () => 4_000,
    async run(context) {
      const { cluster } = context;
      const { newcomer, victim, pending } = await pendingNewcomer(context);
      const clean = await cluster.leave(victim);
      await cluster.waitForRing((members) => members.some((m) => m.id === newcomer && m.state === 'ACTIVE' && m.healthy), 30_000);
      const batches = await handoffBatchesReceived(cluster, newcomer);
      const parts = [
        pending ? undefined : 'newcomer was never seen PENDING',
        clean ? undefined : 'leave was not clean',
        batches > 0 ? `${batches} batches handed over` : 'no handoff: the newcomer joined on its own',
      ].filter((part) => part !== undefined);
      return { target: `${victim} -> ${newcomer}`, note: parts.join('; ') };
    },
  },
  'handoff-crash': {
    kind: 'handoff-crash',
    blast: 'one-ingester',
    description: 'graceful leave with a PENDING newcomer that is killed -9 during or just after the handoff, then restarted',
    estimateMs: () => 8_000,
    async run(context) {
      const { cluster, random } = context;
      const { newcomer, victim } = await pendingNewcomer(context);
      const leaving = cluster.leave(victim);
      // The leaver finds the newcomer within milliseconds and a handoff takes about 100 ms:
      // this kill lands before, during or just after it.
      const delayMs = random.int(0, 250);
      await sleep(delayMs);
      await cluster.kill(newcomer);
      const clean = await leaving;
      // The newcomer comes back (replaying the part it had logged) and joins in the victim's place.
      await cluster.startIngester(newcomer);
      return { target: `${victim} -> ${newcomer}`, note: `newcomer killed after ${delayMs} ms${clean ? '' : '; leave was not clean'}` };
    },
  },
  'rolling-restart': {
    kind: 'rolling-restart',
    blast: 'one-ingester',
    description: 'graceful restart of every ingester, one after another',
    estimateMs: (_t, ingesters) => 6_000 * ingesters,
    async run({ cluster }) {
      const ids = cluster.runningIds();
      for (const id of ids) {
        await cluster.leave(id);
        await cluster.startIngester(id);
        await cluster.waitForSteadyRing(Date.now());
      }
      return { target: ids.join(', ') };
    },
  },
  'nats-restart': {
    kind: 'nats-restart',
    blast: 'bus',
    description: 'nats-server stopped and started again on the same port and store',
    estimateMs: (t) => t.natsDownMs + 1_000,
    async run({ cluster, timings }) {
      await cluster.nats.stop();
      await sleep(timings.natsDownMs);
      await cluster.nats.restart();
      return { target: 'nats-server', note: `down ${(timings.natsDownMs / 1000).toFixed(0)} s` };
    },
  },
  's3-outage': {
    kind: 's3-outage',
    blast: 'storage',
    description: 'the S3 server process killed, restarted on the same port and directory later',
    estimateMs: (t) => t.s3OutageMs + 1_000,
    async run({ cluster, timings }) {
      await cluster.s3.kill('SIGKILL');
      await sleep(timings.s3OutageMs);
      await cluster.s3.restart();
      return { target: 's3', note: `down ${(timings.s3OutageMs / 1000).toFixed(0)} s` };
    },
  },
  's3-outage-kill': {
    kind: 's3-outage-kill',
    blast: 'storage',
    description: 'combined: the S3 server killed, and while it is down an ingester killed -9 (its unflushed chunks only in its WAL); S3 back, then the ingester restarted',
    estimateMs: (t) => t.s3OutageMs + t.killDownMs + 4_000,
    async run(context) {
      const { cluster, timings } = context;
      await cluster.s3.kill('SIGKILL');
      // Flushes are failing now: the victim holds chunks that exist only in memory and its WAL.
      await sleep(timings.s3OutageMs / 2);
      const victim = someIngester(context);
      await cluster.kill(victim);
      await sleep(timings.s3OutageMs / 2);
      await cluster.s3.restart();
      // A node that starts without its store is not ready until the store answers.
      await cluster.startIngester(victim);
      return { target: `s3 + ${victim}`, note: `s3 down ${(timings.s3OutageMs / 1000).toFixed(0)} s, ${victim} killed half way` };
    },
  },
  'nats-restart-handoff': {
    kind: 'nats-restart-handoff',
    blast: 'bus',
    description: 'combined: nats-server stopped and restarted while a leaver hands its chunks to a PENDING newcomer',
    estimateMs: (t) => t.natsDownMs + 10_000,
    async run(context) {
      const { cluster, timings } = context;
      const { newcomer, victim } = await pendingNewcomer(context);
      const leaving = cluster.leave(victim);
      await sleep(context.random.int(0, 200));
      await cluster.nats.stop();
      await sleep(timings.natsDownMs);
      await cluster.nats.restart();
      const clean = await leaving;
      await cluster.waitForRing((members) => members.some((m) => m.id === newcomer && m.state === 'ACTIVE' && m.healthy), 60_000);
      return { target: `${victim} -> ${newcomer}`, note: `bus down ${(timings.natsDownMs / 1000).toFixed(0)} s during the handoff${clean ? '' : '; leave was not clean'}` };
    },
  },
  'kill-all': {
    kind: 'kill-all',
    blast: 'all-ingesters',
    description: 'kill -9 of every ingester at once, then all restarted (WAL replay)',
    estimateMs: (t) => t.killDownMs + 4_000,
    async run({ cluster, timings }) {
      const ids = cluster.runningIds();
      await Promise.all(ids.map((id) => cluster.kill(id)));
      await sleep(timings.killDownMs);
      await Promise.all(ids.map((id) => cluster.startIngester(id)));
      return { target: ids.join(', ') };
    },
  },

};

export function parseFaultKinds(text: string): FaultKind[] {
  if (text === 'all') return [...FAULT_KINDS];
  const kinds = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  for (const kind of kinds) {
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
      throw new Error(`unknown fault "${kind}"; known: ${FAULT_KINDS.join(', ')}`);
    }
  }
  return kinds as FaultKind[];
}

async function handoffBatchesReceived(cluster: ChaosCluster, id: string): Promise<number> {
  const process = cluster.process(id);
  if (process === undefined) return 0;
  try {
    const text = await (await fetch(`${process.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const match = /norn_ingester_handoff_batches_total\{direction="received"\} (\d+)/.exec(text);
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}
