// The faults at the cluster's edges: the gateway killed and restarted, an ingester's disk
// filling up, and an ingester cut off from nats-server while it keeps running. Each heals
// before it returns, as every fault does (fault-spec.ts).

import type { ChaosCluster } from './cluster.js';
import { freeBytes, fillUp, freeUp } from './disk.js';
import { someIngester, type FaultKind, type FaultSpec } from './fault-spec.js';
import { sleep } from './random.js';

export const EDGE_FAULTS: Record<Extract<FaultKind, 'gateway-restart' | 'disk-full' | 'nats-partition'>, FaultSpec> = {
  'gateway-restart': {
    kind: 'gateway-restart',
    blast: 'gateway',
    description: 'kill -9 of the gateway while it takes pushes and queries, restarted on the same port after a moment',
    estimateMs: (t) => t.gatewayDownMs + 4_000,
    async run({ cluster, timings }) {
      const port = await cluster.killGateway();
      await sleep(timings.gatewayDownMs);
      const started = Date.now();
      await cluster.startGateway(port);
      return { target: 'gateway', note: `down ${(timings.gatewayDownMs / 1000).toFixed(0)} s, ready ${((Date.now() - started) / 1000).toFixed(1)} s after its restart` };
    },
  },
  'disk-full': {
    kind: 'disk-full',
    blast: 'one-ingester',
    description: "an ingester's data dir (its WAL) filled up: it refuses every push it cannot log, then the space is freed",
    estimateMs: (t) => t.diskFullMs + 4_000,
    async run(context) {
      const { cluster, timings } = context;
      const victim = someIngester(context);
      const process = cluster.process(victim)!;
      const dir = cluster.dataDir(victim);
      const refusedBefore = walWritesRefused(process.output());
      let ballast = 0;
      let refused = 0;
      let leftFree = 0;
      try {
        ballast = fillUp(dir);
        await sleep(timings.diskFullMs);
        // Writes could still land in the tail of a page the WAL segment had already taken:
        // top the ballast up so the disk is still full at the end of the hold.
        fillUp(dir);
        leftFree = freeBytes(dir);
        refused = walWritesRefused(process.output()) - refusedBefore;
      } finally {
        freeUp(dir);
      }
      if (refused === 0) throw new Error(`${victim}'s disk was full for ${timings.diskFullMs} ms (${leftFree} bytes free at the end) but no WAL write was refused`);
      // Recovered: the victim logs and takes pushes again, as the quorum did all along.
      const ingestedAtFree = await linesIngested(cluster, victim);
      const freedAt = Date.now();
      while ((await linesIngested(cluster, victim)) <= ingestedAtFree) {
        if (Date.now() - freedAt > 30_000) throw new Error(`${victim} took no push within 30 s after its disk had space again`);
        await sleep(200);
      }
      const mib = (ballast / 2 ** 20).toFixed(0);
      return { target: victim, note: `full ${(timings.diskFullMs / 1000).toFixed(0)} s (${mib} MiB ballast), ${refused} WAL writes refused, ingesting ${((Date.now() - freedAt) / 1000).toFixed(1)} s after` };
    },
  },
  'nats-partition': {
    kind: 'nats-partition',
    blast: 'one-ingester',
    description: 'an ingester cut off from nats-server (its relay forwards nothing, sockets stay open) while it keeps running, past the heartbeat timeout',
    estimateMs: (t) => t.partitionMs + 4_000,
    async run(context) {
      const { cluster, timings } = context;
      const victim = someIngester(context);
      const cutAt = Date.now();
      cluster.partition(victim);
      let seenUnhealthy = false;
      try {
        // The rest of the cluster should see its heartbeats stop and count it out.
        seenUnhealthy = await cluster.waitForRing((members) => members.some((m) => m.id === victim && !m.healthy), timings.partitionMs);
        await sleep(Math.max(0, cutAt + timings.partitionMs - Date.now()));
      } finally {
        cluster.healPartition(victim);
      }
      return { target: victim, note: `cut off ${(timings.partitionMs / 1000).toFixed(0)} s${seenUnhealthy ? ', seen unhealthy' : ', never seen unhealthy'}` };
    },
  },
};

/** How many WAL writes a process has logged as failed (each refused the appends of its batch). */
function walWritesRefused(output: string): number {
  return output.split('WAL write failed').length - 1;
}

async function linesIngested(cluster: ChaosCluster, id: string): Promise<number> {
  const process = cluster.process(id);
  if (process === undefined) return 0;
  try {
    const text = await (await fetch(`${process.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    let total = 0;
    for (const match of text.matchAll(/^norn_ingester_lines_ingested_total(?:\{[^}]*\})? (\d+)/gm)) total += Number(match[1]);
    return total;
  } catch {
    return 0;
  }
}
