// A Norn cluster of separate processes for tests: a real nats-server, a real S3 server, N
// ingesters and a gateway, each a `norn run` child process. Short ring timings keep tests quick.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterConfigYaml } from './cluster-config.js';
import { startNatsServer, type NatsServerHandle } from './nats-server.js';
import { spawnNorn, tempDir, waitForReady, type NornProcess } from './norn.js';
import { startS3Server, type S3ServerHandle } from './s3-server.js';

export interface ClusterOptions {
  readonly ingesters?: number;
  readonly replicationFactor?: number;
  /** How long each process may take to answer /ready (default 30 s); busy machines need more. */
  readonly readyTimeoutMs?: number;
  /** The nats-server's `max_payload` (default 8 MiB). */
  readonly maxPayloadBytes?: number;
}

export interface TestCluster {
  readonly nats: NatsServerHandle;
  readonly s3: S3ServerHandle;
  readonly gateway: NornProcess;
  readonly ingesters: Map<string, NornProcess>;
  readonly configFile: string;
  /** Starts (or restarts) ingester `id` with its own data dir; waits for /ready unless told not to. */
  startIngester(id: string, options?: { waitReady?: boolean; joinAfter?: string }): Promise<NornProcess>;
  ingesterDataDir(id: string): string;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const count = options.ingesters ?? 3;
  const rf = options.replicationFactor ?? 3;
  const root = tempDir('norn-cluster-');
  const configFile = join(root, 'norn.yaml');
  writeFileSync(configFile, clusterConfigYaml(rf));
  const nats = await startNatsServer(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes });
  const s3 = await startS3Server();
  const s3Flags = ['--s3-endpoint', s3.endpoint, '--s3-bucket', s3.bucket, '--s3-access-key', s3.accessKey, '--s3-secret-key', s3.secretKey];
  const ingesters = new Map<string, NornProcess>();
  const dataDirs = new Map<string, string>();

  const ingesterDataDir = (id: string): string => {
    let dir = dataDirs.get(id);
    if (dir === undefined) {
      dir = join(root, id);
      dataDirs.set(id, dir);
    }
    return dir;
  };

  const startIngester = async (id: string, startOptions: { waitReady?: boolean; joinAfter?: string } = {}): Promise<NornProcess> => {
    let file = configFile;
    if (startOptions.joinAfter !== undefined) {
      file = join(root, `${id}-${Date.now()}.yaml`);
      writeFileSync(file, clusterConfigYaml(rf, { joinAfter: startOptions.joinAfter }));
    }
    const process = await spawnNorn(
      ['--config', file, '--target', 'ingester', '--id', id, '--nats', nats.url, '--data-dir', ingesterDataDir(id), ...s3Flags],
      { waitReady: startOptions.waitReady ?? true, readyTimeoutMs: options.readyTimeoutMs ?? 30_000 },
    );
    ingesters.set(id, process);
    return process;
  };

  await Promise.all(Array.from({ length: count }, (_, i) => startIngester(`ingester-${i + 1}`)));
  const gateway = await spawnNorn(['--config', configFile, '--target', 'gateway', '--nats', nats.url, ...s3Flags], { readyTimeoutMs: options.readyTimeoutMs ?? 30_000 });
  await waitForReady(gateway.url, options.readyTimeoutMs ?? 30_000, gateway.child);

  return {
    nats,
    s3,
    gateway,
    ingesters,
    configFile,
    startIngester,
    ingesterDataDir,
    async stop() {
      await Promise.all([gateway, ...ingesters.values()].map((p) => p.stop('SIGKILL')));
      await s3.close();
      await nats.dispose();
    },
  };
}

export interface RingView {
  members: Array<{ id: string; state: string; healthy: boolean; tokens: number }>;
}

export async function ringView(gateway: NornProcess): Promise<RingView> {
  const response = await fetch(`${gateway.url}/ring`, { headers: { Accept: 'application/json' } });
  return (await response.json()) as RingView;
}

export async function waitForRing(gateway: NornProcess, predicate: (ring: RingView) => boolean, timeoutMs = 30_000): Promise<RingView> {
  const deadline = Date.now() + timeoutMs;
  let ring: RingView = { members: [] };
  while (Date.now() < deadline) {
    ring = await ringView(gateway);
    if (predicate(ring)) return ring;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`ring never reached the expected state: ${JSON.stringify(ring)}`);
}
