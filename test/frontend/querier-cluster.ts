// A test cluster with queriers: a nats-server, an S3 server, ingesters, a gateway whose frontend
// caches results, a reference gateway with the frontend off, and `--target querier` processes;
// and a frontend's remote executor in the test process itself, on its own NATS connection, for
// running sub-queries on those queriers.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { connectNatsBus, type NatsBus } from '../../bus/mod.js';
import type { KvStore } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import { BusExecutor } from '../../actors/frontend/remote/bus-executor.js';
import { remoteExecutorMetrics } from '../../actors/frontend/remote/metrics.js';
import { QuerierPool } from '../../actors/frontend/remote/querier-pool.js';
import type { QuerierEntry } from '../../actors/querier/worker/protocol.js';
import { clusterConfigYaml } from '../helpers/cluster-config.js';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server.js';
import { spawnNorn, tempDir, type NornProcess } from '../helpers/norn.js';
import { startS3Server, type S3ServerHandle } from '../helpers/s3-server.js';

/** The ring's heartbeat timeout in the test cluster's config (test/helpers/cluster-config.ts). */
export const HEARTBEAT_TIMEOUT_MS = 4_000;

export interface QuerierCluster {
  readonly nats: NatsServerHandle;
  readonly s3: S3ServerHandle;
  /** The gateway under test: its frontend caches results and sends pieces to the queriers. */
  readonly gateway: NornProcess;
  /** A second gateway whose frontend is off: every query whole, in its own process (the reference). */
  readonly reference: NornProcess;
  readonly ingesters: Map<string, NornProcess>;
  readonly queriers: Map<string, NornProcess>;
  startQuerier(id: string, maxConcurrent?: number): Promise<NornProcess>;
  stop(): Promise<void>;
}

export interface QuerierClusterOptions {
  readonly ingesters?: number;
  readonly replicationFactor?: number;
  readonly queriers?: number;
  readonly maxConcurrent?: number;
  readonly readyTimeoutMs?: number;
  /** `--auth` on both gateways: every request names its tenant in `X-Scope-OrgID`. */
  readonly auth?: boolean;
  /** `frontend.cache_results` on the gateway under test (default true). */
  readonly cacheResults?: boolean;
  /** More YAML for both gateways' config files (a `limits:` or `overrides:` section). */
  readonly gatewayYaml?: string;
}

/** The test cluster of test/helpers/cluster.ts (same config, short ring timings) with queriers and a reference gateway. */
export async function startQuerierCluster(options: QuerierClusterOptions = {}): Promise<QuerierCluster> {
  const rf = options.replicationFactor ?? 3;
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const root = tempDir('norn-queriers-');
  const configFile = join(root, 'norn.yaml');
  writeFileSync(configFile, clusterConfigYaml(rf));
  const gatewayConfig = join(root, 'gateway.yaml');
  const gatewayYaml = options.gatewayYaml ?? '';
  writeFileSync(gatewayConfig, `${clusterConfigYaml(rf)}${gatewayYaml}frontend:\n  cache_results: ${options.cacheResults ?? true}\n`);
  const referenceConfig = join(root, 'reference.yaml');
  writeFileSync(referenceConfig, `${clusterConfigYaml(rf)}${gatewayYaml}frontend:\n  enabled: false\n`);
  const auth = options.auth === true ? ['--auth'] : [];
  const nats = await startNatsServer();
  const s3 = await startS3Server();
  const shared = ['--nats', nats.url, '--s3-endpoint', s3.endpoint, '--s3-bucket', s3.bucket, '--s3-access-key', s3.accessKey, '--s3-secret-key', s3.secretKey];
  const ingesters = new Map<string, NornProcess>();
  const queriers = new Map<string, NornProcess>();
  const started: NornProcess[] = [];
  const spawn = async (args: string[]): Promise<NornProcess> => {
    const process = await spawnNorn([...args, ...shared], { readyTimeoutMs });
    started.push(process);
    return process;
  };
  const startQuerier = async (id: string, maxConcurrent = options.maxConcurrent ?? 2): Promise<NornProcess> => {
    const querier = await spawn(['--config', configFile, '--target', 'querier', '--id', id, '--querier.max-concurrent', String(maxConcurrent), '--query-workers', '0']);
    queriers.set(id, querier);
    return querier;
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.map((process) => process.stop('SIGKILL')));
    await s3.close();
    await nats.dispose();
  };
  let gateway: NornProcess | undefined;
  let reference: NornProcess | undefined;
  try {
    await allStarted(
      Array.from({ length: options.ingesters ?? 3 }, async (_, i) => {
        const id = `ingester-${i + 1}`;
        ingesters.set(id, await spawn(['--config', configFile, '--target', 'ingester', '--id', id, '--data-dir', join(root, id)]));
      }),
    );
    [gateway, reference] = await allStarted([
      spawn(['--config', gatewayConfig, '--target', 'gateway', ...auth]),
      spawn(['--config', referenceConfig, '--target', 'gateway', ...auth]),
      ...Array.from({ length: options.queriers ?? 2 }, (_, i) => startQuerier(`querier-${i + 1}`)),
    ]);
  } catch (error) {
    // A process that did not get ready: the ones that did must not outlive the test.
    await stopAll();
    throw error;
  }
  return {
    nats,
    s3,
    gateway: gateway!,
    reference: reference!,
    ingesters,
    queriers,
    startQuerier,
    stop: stopAll,
  };
}

/** Like Promise.all, but waits for every start to end first, so none finishes after a cleanup. */
async function allStarted<T>(starts: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(starts);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}

export interface TestRemote {
  readonly bus: NatsBus;
  readonly pool: QuerierPool;
  readonly executor: BusExecutor;
  readonly registry: Registry;
  /** `norn_frontend_retries_total` so far. */
  retries(): Promise<number>;
  waitForLive(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function remoteExecutor(natsUrl: string, options: { maxRetries?: number } = {}): Promise<TestRemote> {
  const logger = pino({ level: 'silent' });
  const bus = await connectNatsBus({ servers: natsUrl, name: 'frontend-test', logger });
  const store = (await bus.kv(subjects.querierBucket, { ttlMs: 5 * 60_000 })) as KvStore<QuerierEntry>;
  const pool = new QuerierPool(store, { heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS });
  await pool.start();
  const registry = new Registry();
  const metrics = remoteExecutorMetrics(registry, pool);
  const executor = new BusExecutor({ bus, pool, maxRetries: options.maxRetries ?? 5, silenceTimeoutMs: HEARTBEAT_TIMEOUT_MS, metrics, logger });
  return {
    bus,
    pool,
    executor,
    registry,
    retries: async () => (await metrics.retries.get()).values[0]?.value ?? 0,
    async waitForLive(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (pool.live().length !== count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} live queriers, see ${JSON.stringify(pool.status())}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      pool.stop();
      await bus.close();
    },
  };
}

/** A counter's or gauge's value in a /metrics text, summed over its series with these labels. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const set = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => set.includes(`${key}="${value}"`))) sum += Number(match[3]);
  }
  return sum;
}
