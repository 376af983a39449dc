// RF 3 cluster throughput, everything a separate process on loopback: a real nats-server, the S3
// server (s3rver in its own process), three `norn run --target ingester` and one
// `--target gateway`. This script is the client: protobuf + snappy, 1,000-line batches of loghub
// lines, 8 requests in flight, WAL with its default fsync policy on every ingester.
//   figures: acknowledged lines/s (aim >= 80k), push p50/p99 (aim p99 <= 250 ms)
//   same-run reference: the floor (push-floor.ts) of the same bodies in one thread; every line
//   is decoded once at the gateway and stored three times, on three ingesters sharing two cores
// Run: npm run bench:cluster   (options: --copies N  --in-flight N  --max-seconds N)

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterConfigYaml } from '../helpers/cluster-config.js';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server.js';
import { spawnNorn, tempDir, waitForReady, type NornProcess } from '../helpers/norn.js';
import { spawnS3Server, type S3ServerProcess } from '../helpers/s3-server.js';
import { runWithCleanup } from './cleanup.js';
import { fmt, loadLoghub } from './loghub.js';
import { measureFloor } from './push-floor.js';
import { buildBodies, percentile, pushClosedLoop } from './push-load.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const COPIES = option('copies', 10);
const IN_FLIGHT = option('in-flight', 8);
const INGESTERS = 3;
const RF = 3;
/** No request starts after this (all are sent well before on an unloaded machine). */
const MAX_SECONDS = option('max-seconds', 60);

async function main(defer: (step: () => unknown) => void): Promise<void> {
  const root = tempDir('norn-bench-cluster-');
  defer(() => rmSync(root, { recursive: true, force: true }));
  const configFile = join(root, 'norn.yaml');
  writeFileSync(configFile, `${clusterConfigYaml(RF, { logLevel: 'warn' })}limits:\n  ingestion_rate: 0\n`);
  const nats: NatsServerHandle = await startNatsServer();
  defer(() => nats.dispose());
  const s3: S3ServerProcess = await spawnS3Server();
  defer(() => s3.close());
  const s3Flags = ['--s3-endpoint', s3.endpoint, '--s3-bucket', s3.bucket, '--s3-access-key', s3.accessKey, '--s3-secret-key', s3.secretKey];
  const common = ['--config', configFile, '--nats', nats.url, ...s3Flags];
  const processes: NornProcess[] = [];
  defer(() => Promise.all(processes.map((p) => p.stop('SIGKILL'))));
  processes.push(...(await Promise.all(
    Array.from({ length: INGESTERS }, (_, i) =>
      spawnNorn([...common, '--target', 'ingester', '--id', `ingester-${i + 1}`, '--data-dir', join(root, `ingester-${i + 1}`)]),
    ),
  )));
  const gateway = await spawnNorn([...common, '--target', 'gateway']);
  processes.push(gateway);
  await waitForReady(gateway.url, 30_000, gateway.child);

  const load = buildBodies(loadLoghub(), { copies: COPIES, batch: 1000 });
  const url = `${gateway.url}/loki/api/v1/push`;
  // A short warm-up on streams of their own, so the figure is not the processes' JIT warm-up.
  const warm = buildBodies(loadLoghub(), { copies: 1, batch: 1000, extraLabels: 'phase="warm-up"' });
  await pushClosedLoop(url, warm, IN_FLIGHT, 15);
  const run = await pushClosedLoop(url, load, IN_FLIGHT, MAX_SECONDS);
  const rate = run.lines / run.seconds;

  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  const floor = measureFloor(load.bodies);

  console.log(`cluster benchmark: RF ${RF}, ${INGESTERS} ingesters + gateway + nats-server + S3 server, separate processes, ${IN_FLIGHT} in flight`);
  console.log(`  pushed           ${run.lines.toLocaleString('en-US')} lines in ${run.sent} of ${load.bodies.length} requests of 1,000, protobuf + snappy, ${run.seconds.toFixed(1)} s`);
  console.log(`  acknowledged     ${fmt(rate, 0)} lines/s   (aim >= 80,000)`);
  console.log(`  push latency     p50 ${fmt(percentile(run.latencies, 50))} ms, p99 ${fmt(percentile(run.latencies, 99))} ms   (aim p99 <= 250 ms)`);
  console.log(`  same-run floor   ${fmt(floor, 0)} lines/s in one thread (snappy + protobuf decode + chunk encoding, once per line)`);
}

runWithCleanup(main);
