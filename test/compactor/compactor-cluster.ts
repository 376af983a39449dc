// A test cluster as in test/helpers/cluster.ts (a nats-server, an S3 server, ingesters and a
// gateway, each a real process, on the same config) with `--target compactor` processes beside
// it, started with a short lease and interval; and what the tests read from them: each compactor's `/metrics`, the
// lease record in the bus KV, and the day's index as the bucket holds it.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { KvStore } from '../../bus/bus.js';
import { connectNatsBus, type NatsBus } from '../../bus/mod.js';
import { subjects } from '../../bus/subjects.js';
import type { LeaseRecord } from '../../actors/compactor/lease.js';
import { IndexCompactor, S3Store } from '../../storage/mod.js';
import { clusterConfigYaml } from '../helpers/cluster-config.js';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server.js';
import { spawnNorn, tempDir, type NornProcess } from '../helpers/norn.js';
import { startS3Server, type S3ServerHandle } from '../helpers/s3-server.js';

export interface CompactorClusterOptions {
  readonly ingesters: number;
  readonly replicationFactor: number;
  readonly leaseTtlMs: number;
  readonly compactionIntervalMs: number;
}

export interface CompactorCluster {
  readonly nats: NatsServerHandle;
  readonly s3: S3ServerHandle;
  readonly gateway: NornProcess;
  readonly ingesters: readonly NornProcess[];
  readonly objects: S3Store;
  /** Reads the lease bucket the compactors compete in (opened as they open it). */
  readonly lease: KvStore<LeaseRecord>;
  startCompactor(id: string): Promise<NornProcess>;
  stop(): Promise<void>;
}

/**
 * The cluster config of the other cluster tests, except that ingesters drop a chunk as soon as it
 * is flushed (on their next flush check, a second later): queries of flushed lines are then
 * answered by the store's index alone, which is what compaction rewrites.
 */
function configYaml(options: CompactorClusterOptions): string {
  const base = clusterConfigYaml(options.replicationFactor);
  const yaml = base.replace(/^( {2}retain_flushed:) \S+$/m, '$1 0s');
  if (yaml === base) throw new Error('cluster config has no ingester.retain_flushed to shorten');
  return `${yaml}compactor:\n  compaction_interval: ${options.compactionIntervalMs}ms\n  leader_lease_ttl: ${options.leaseTtlMs}ms\n`;
}

export async function startCompactorCluster(options: CompactorClusterOptions): Promise<CompactorCluster> {
  const root = tempDir('norn-compactors-');
  const configFile = join(root, 'norn.yaml');
  writeFileSync(configFile, configYaml(options));
  const started: NornProcess[] = [];
  let nats: NatsServerHandle | undefined;
  let s3: S3ServerHandle | undefined;
  let bus: NatsBus | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((process) => process.stop('SIGKILL')));
    await bus?.close().catch(() => undefined);
    await s3?.close();
    await nats?.dispose();
  };
  try {
    nats = await startNatsServer();
    s3 = await startS3Server();
    const shared = ['--config', configFile, '--nats', nats.url, '--s3-endpoint', s3.endpoint, '--s3-bucket', s3.bucket, '--s3-access-key', s3.accessKey, '--s3-secret-key', s3.secretKey];
    const spawn = async (args: string[]): Promise<NornProcess> => {
      const process = await spawnNorn([...shared, ...args]);
      started.push(process);
      return process;
    };
    const ingesters = await Promise.all(
      Array.from({ length: options.ingesters }, (_, i) => spawn(['--target', 'ingester', '--id', `ingester-${i + 1}`, '--data-dir', join(root, `ingester-${i + 1}`)])),
    );
    const gateway = await spawn(['--target', 'gateway']);
    bus = await connectNatsBus({ servers: nats.url, name: 'compactor-test', logger: pino({ level: 'silent' }) });
    const lease = (await bus.kv(subjects.compactorLeaseBucket, { ttlMs: options.leaseTtlMs })) as KvStore<LeaseRecord>;
    const objects = new S3Store({ endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, secretKey: s3.secretKey });
    return {
      nats,
      s3,
      gateway,
      ingesters,
      objects,
      lease,
      startCompactor: (id) => spawn(['--target', 'compactor', '--id', id]),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A gauge's or counter's value in a process's /metrics (summed over its series), or undefined when it does not answer. */
export async function scrape(process: NornProcess, name: string): Promise<number | undefined> {
  let text: string;
  try {
    const response = await fetch(`${process.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return undefined;
    text = await response.text();
  } catch {
    return undefined;
  }
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match !== null && match[1] === name) sum = (sum ?? 0) + Number(match[3]);
  }
  return sum;
}

/** The pid part of a lease holder (`<id>-<pid>-<random>`, actors/compactor/module.ts). */
export function holderPid(holder: string): number {
  const parts = holder.split('-');
  return Number(parts[parts.length - 2]);
}

/**
 * A tenant-day as readers see it: the chunk refs of its newest compacted generation, the
 * per-flush refs listed beside it, and which of those the generation does not hold yet.
 */
export async function dayState(objects: S3Store, tenant: string, day: number): Promise<{ generations: number; flushed: number; unmerged: number }> {
  // Only read here: nothing is compacted or deleted by the test.
  const index = new IndexCompactor(objects, { cleanupDelayMs: Number.MAX_SAFE_INTEGER });
  const loaded = await index.loadDay(tenant, day);
  const inGeneration = IndexCompactor.refsOf({ ...loaded, flushed: new Map() });
  const unmerged = [...loaded.flushed.keys()].filter((key) => !inGeneration.has(key)).length;
  return { generations: loaded.generations.length, flushed: loaded.flushed.size, unmerged };
}

/**
 * Deletes what the day's newest generation superseded, as the active compactor does once its
 * cleanup delay (at least five minutes) has passed, with the compactor's own code; only when no
 * query runs, since that delay is what lets a reader with an older listing finish.
 */
export async function cleanUpNow(objects: S3Store, tenant: string, day: number): Promise<number> {
  // One delete at a time: s3rver removes a directory it emptied, and two deletes racing for the
  // same directory fail one with a 500 (a real S3 has no directories).
  return (await new IndexCompactor(objects, { cleanupDelayMs: 0, readConcurrency: 1 }).compactDay(tenant, day)).deleted;
}
