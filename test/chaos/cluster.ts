// The cluster a chaos run works on, every part a separate process: a real nats-server, an S3
// server process (so an outage is a killed process), a pool of ingester ids (the running ones
// plus spares that join by handoff) and one gateway. It watches its processes: one that exits
// unasked is a crash, one that does not finish a graceful leave in time hangs, and a ring that
// does not settle after a fault is stuck. Each is kept as an incident for the report.
// On request each ingester reaches nats-server through its own TCP relay (so one can be cut off
// from the bus while it keeps running) and keeps its data dir on its own small tmpfs (so one
// disk can fill up).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server.js';
import { spawnNorn, waitForReady, type NornProcess } from '../helpers/norn.js';
import { spawnS3Server, type S3ServerProcess } from '../helpers/s3-server.js';
import { startTcpRelay, type TcpRelay } from '../helpers/tcp-relay.js';
import { chaosConfigYaml } from './cluster-config.js';
import { mountTmpfs, unmountAll } from './disk.js';
import { sleep } from './random.js';

export type IncidentKind = 'crash' | 'hang' | 'unclean-exit' | 'stuck-ring' | 'start-failed';

export interface Incident {
  readonly atMs: number;
  readonly kind: IncidentKind;
  readonly process: string;
  readonly detail: string;
}

export interface RingMemberView {
  readonly id: string;
  readonly state: string;
  readonly healthy: boolean;
  readonly tokens: number;
  readonly heartbeatAgeMs: number;
}

export interface ChaosClusterOptions {
  /** Where config files, data dirs and process logs go. */
  readonly root: string;
  readonly ingesters: number;
  /** Ids beyond the running ones, for newcomers that take over a leaver's data by handoff. */
  readonly spares: number;
  readonly replicationFactor: number;
  /** How long a graceful leave may take before it counts as a hang (default 60 s). */
  readonly leaveTimeoutMs?: number;
  /** How long a restarted ingester may take to be ready (default 60 s). */
  readonly readyTimeoutMs?: number;
  /** Extra `norn run` flags for every ingester (e.g. `--no-wal`, to see the checker catch a loss). */
  readonly ingesterFlags?: readonly string[];
  /** Each ingester's bus connection goes through its own TCP relay, which can black-hole it. */
  readonly natsRelays?: boolean;
  /** Each ingester's data dir (its WAL) is its own tmpfs of this many MiB, which can fill up. */
  readonly dataDirMiB?: number;
}

interface Running {
  readonly process: NornProcess;
  /** Set before we signal it, so its exit is not taken for a crash. */
  expectedExit: boolean;
}

export class ChaosCluster {
  readonly incidents: Incident[] = [];
  readonly pool: readonly string[];
  private readonly running = new Map<string, Running>();
  private readonly relays = new Map<string, TcpRelay>();
  private gatewayRunning: Running | undefined;
  private readonly logDir: string;
  private readonly configFile: string;
  private starts = 0;

  private constructor(
    private readonly options: ChaosClusterOptions,
    readonly nats: NatsServerHandle,
    readonly s3: S3ServerProcess,
  ) {
    this.pool = Array.from({ length: options.ingesters + options.spares }, (_, i) => `ingester-${i + 1}`);
    this.logDir = join(options.root, 'logs');
    mkdirSync(this.logDir, { recursive: true });
    this.configFile = join(options.root, 'norn.yaml');
    writeFileSync(this.configFile, chaosConfigYaml(options.replicationFactor));
  }

  static async start(options: ChaosClusterOptions): Promise<ChaosCluster> {
    const nats = await startNatsServer();
    const s3 = await spawnS3Server({ directory: join(options.root, 's3') });
    // The S3 process does not die with this one by itself (Ctrl-C, a failed test): see to it.
    process.once('exit', () => {
      try {
        if (s3.pid !== undefined) process.kill(s3.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    const cluster = new ChaosCluster(options, nats, s3);
    try {
      for (const id of cluster.pool) {
        if (options.dataDirMiB !== undefined) mountTmpfs(cluster.dataDir(id), options.dataDirMiB);
        if (options.natsRelays === true) cluster.relays.set(id, await startTcpRelay({ upstreamPort: nats.port }));
      }
      await Promise.all(cluster.pool.slice(0, options.ingesters).map((id) => cluster.startIngester(id)));
      await cluster.startGateway();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Starts the gateway, on `port` when given (a restart comes back where the clients point). */
  async startGateway(port?: number): Promise<NornProcess> {
    if (this.gatewayRunning !== undefined) throw new Error('the gateway is already running');
    const args = ['--config', this.configFile, '--target', 'gateway', '--nats', this.nats.url, ...this.s3Flags()];
    let gateway: NornProcess;
    try {
      gateway = await spawnNorn(args, { readyTimeoutMs: this.options.readyTimeoutMs ?? 60_000, ...(port !== undefined ? { port } : {}) });
      await waitForReady(gateway.url, 30_000, gateway.child);
    } catch (error) {
      this.record('start-failed', 'gateway', (error as Error).message.slice(-2000));
      throw error;
    }
    this.gatewayRunning = this.watch('gateway', gateway);
    return gateway;
  }

  /** kill -9 of the gateway; resolves with the port it listened on, for the restart. */
  async killGateway(): Promise<number> {
    const entry = this.gatewayRunning;
    if (entry === undefined) throw new Error('the gateway is not running');
    this.gatewayRunning = undefined;
    entry.expectedExit = true;
    await entry.process.stop('SIGKILL');
    return entry.process.port;
  }

  /** Where ingester `id` keeps its WAL (a tmpfs mount of its own when `dataDirMiB` is set). */
  dataDir(id: string): string {
    return join(this.options.root, id);
  }

  /** Black-holes ingester `id`'s bus connection: it keeps running, but no byte reaches nats-server or comes back. */
  partition(id: string): void {
    this.relayOf(id).pause();
  }

  /** Ends a `partition`: held bytes flow again. */
  healPartition(id: string): void {
    this.relayOf(id).resume();
  }

  private relayOf(id: string): TcpRelay {
    const relay = this.relays.get(id);
    if (relay === undefined) throw new Error(`${id} has no bus relay (start the cluster with natsRelays)`);
    return relay;
  }

  get gateway(): NornProcess {
    if (this.gatewayRunning === undefined) throw new Error('the gateway is not running');
    return this.gatewayRunning.process;
  }

  get logsDirectory(): string {
    return this.logDir;
  }

  /** Ingester ids with a live process, in pool order. */
  runningIds(): string[] {
    return this.pool.filter((id) => this.running.has(id));
  }

  /** Pool ids with no process: candidates for a newcomer. */
  idleIds(): string[] {
    return this.pool.filter((id) => !this.running.has(id));
  }

  process(id: string): NornProcess | undefined {
    return this.running.get(id)?.process;
  }

  /** Starts ingester `id` on its own data dir; `joinAfter` keeps it PENDING that long. */
  async startIngester(id: string, options: { joinAfter?: string; waitReady?: boolean } = {}): Promise<NornProcess> {
    if (this.running.has(id)) throw new Error(`${id} is already running`);
    let file = this.configFile;
    if (options.joinAfter !== undefined) {
      file = join(this.options.root, `${id}-${++this.starts}.yaml`);
      writeFileSync(file, chaosConfigYaml(this.options.replicationFactor, { joinAfter: options.joinAfter }));
    }
    const relay = this.relays.get(id);
    const natsUrl = relay === undefined ? this.nats.url : `nats://127.0.0.1:${relay.port}`;
    const args = ['--config', file, '--target', 'ingester', '--id', id, '--nats', natsUrl, '--data-dir', this.dataDir(id), ...this.s3Flags(), ...(this.options.ingesterFlags ?? [])];
    let process: NornProcess;
    try {
      process = await spawnNorn(args, { waitReady: options.waitReady ?? true, readyTimeoutMs: this.options.readyTimeoutMs ?? 60_000 });
    } catch (error) {
      this.record('start-failed', id, (error as Error).message.slice(-2000));
      throw error;
    }
    this.running.set(id, this.watch(id, process));
    return process;
  }

  /** kill -9: no chance to flush or leave; the WAL is all that is left. */
  async kill(id: string): Promise<void> {
    const entry = this.take(id);
    entry.expectedExit = true;
    entry.process.child.kill('SIGCONT');
    await entry.process.stop('SIGKILL');
  }

  /** SIGTERM and wait for the graceful leave; a leave that takes too long is a hang. */
  async leave(id: string): Promise<boolean> {
    const entry = this.take(id);
    entry.expectedExit = true;
    const timeoutMs = this.options.leaveTimeoutMs ?? 60_000;
    const exited = entry.process.stop('SIGTERM');
    const outcome = await Promise.race([exited.then((code) => ({ code })), sleep(timeoutMs).then(() => 'timeout' as const)]);
    if (outcome === 'timeout') {
      this.record('hang', id, `did not finish a graceful leave within ${timeoutMs} ms; killed`);
      await entry.process.stop('SIGKILL');
      return false;
    }
    if (outcome.code !== 0) {
      this.record('unclean-exit', id, `graceful leave ended with exit code ${String(outcome.code)}`);
      return false;
    }
    return true;
  }

  pause(id: string): void {
    this.requireRunning(id).process.child.kill('SIGSTOP');
  }

  resume(id: string): void {
    this.requireRunning(id).process.child.kill('SIGCONT');
  }

  async ring(): Promise<RingMemberView[]> {
    const response = await fetch(`${this.gateway.url}/ring`, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { members: RingMemberView[] };
    return body.members;
  }

  /** Waits for `predicate` on the gateway's ring view; false on timeout. */
  async waitForRing(predicate: (members: RingMemberView[]) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        if (predicate(await this.ring())) return true;
      } catch {
        // The gateway may be between bus connections; ask again.
      }
      await sleep(200);
    }
    return false;
  }

  /**
   * Waits until the ring holds exactly the running ingesters, each ACTIVE and healthy, and each
   * with a heartbeat written after `sinceMs` (so it is back on the bus, not just not yet timed
   * out). A ring that does not get there is recorded as stuck, with what it showed last.
   */
  async waitForSteadyRing(sinceMs = 0, timeoutMs = 60_000): Promise<boolean> {
    const steady = (members: RingMemberView[]): boolean => {
      const expected = this.runningIds();
      const maxAgeMs = Date.now() - sinceMs;
      return (
        members.length === expected.length &&
        members.every(
          (member) => expected.includes(member.id) && member.state === 'ACTIVE' && member.healthy && member.heartbeatAgeMs <= maxAgeMs,
        )
      );
    };
    if (await this.waitForRing(steady, timeoutMs)) return true;
    const last = await this.ring().catch((error: unknown) => String(error));
    this.record('stuck-ring', 'gateway', `ring did not settle within ${timeoutMs} ms on ${this.runningIds().join(', ')}: ${JSON.stringify(last)}`);
    return false;
  }

  /** Asks every ingester, through the gateway, to flush its memory to object storage. */
  async flush(): Promise<void> {
    const response = await fetch(`${this.gateway.url}/flush`, { method: 'POST', signal: AbortSignal.timeout(120_000) });
    if (response.status !== 204) throw new Error(`flush failed: ${response.status} ${await response.text()}`);
  }

  /** Stops everything at once (SIGKILL); logs stay in the root directory. */
  async stop(): Promise<void> {
    const all = [...this.running.values(), ...(this.gatewayRunning !== undefined ? [this.gatewayRunning] : [])];
    this.running.clear();
    this.gatewayRunning = undefined;
    for (const entry of all) entry.expectedExit = true;
    await Promise.all(all.map((entry) => entry.process.stop('SIGKILL')));
    await Promise.all([...this.relays.values()].map((relay) => relay.close()));
    this.relays.clear();
    // Only after every process that had files open on them is gone.
    unmountAll();
    await this.s3.kill();
    await this.nats.stop();
  }

  private s3Flags(): string[] {
    const { s3 } = this;
    return ['--s3-endpoint', s3.endpoint, '--s3-bucket', s3.bucket, '--s3-access-key', s3.accessKey, '--s3-secret-key', s3.secretKey];
  }

  private watch(name: string, process: NornProcess): Running {
    const entry: Running = { process, expectedExit: false };
    const started = ++this.starts;
    process.child.once('exit', (code, signal) => {
      writeFileSync(join(this.logDir, `${name}.${started}.log`), process.output());
      if (entry.expectedExit) return;
      if (this.running.get(name) === entry) this.running.delete(name);
      const tail = process.output().split('\n').slice(-15).join('\n');
      this.record('crash', name, `exited unasked (code ${String(code)}, signal ${String(signal)}):\n${tail}`);
    });
    return entry;
  }

  private take(id: string): Running {
    const entry = this.requireRunning(id);
    this.running.delete(id);
    return entry;
  }

  private requireRunning(id: string): Running {
    const entry = this.running.get(id);
    if (entry === undefined) throw new Error(`${id} is not running`);
    return entry;
  }

  private record(kind: IncidentKind, process: string, detail: string): void {
    this.incidents.push({ atMs: Date.now(), kind, process, detail });
  }
}
