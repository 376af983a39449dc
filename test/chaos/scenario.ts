// One chaos run from start to verdict: start the cluster, write the canary workload while the
// nemesis applies faults, let the cluster settle, flush, read everything back and check it;
// then let every ingester leave gracefully and check again from object storage alone.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availabilityOf, checkQueue, type Availability, type QueueCheck } from '../../tools/canary/checker.js';
import { ChaosCluster, type Incident } from './cluster.js';
import { tmpfsUnavailable } from './disk.js';
import { DEFAULT_FAULT_TIMINGS, FAULT_KINDS, FAULT_NEEDS, type FaultKind, type FaultTimings } from './faults.js';
import { runNemesis, type FaultWindow } from './nemesis.js';
import { SeededRandom, sleep } from './random.js';
import { CanaryReader, type QueryRecord } from './reader.js';
import { readBack } from '../../tools/canary/read-back.js';
import { CANARY_JOB, CanaryWorkload, type PushRecord } from './workload.js';

export interface ChaosOptions {
  readonly durationMs: number;
  readonly faultEveryMs: number;
  readonly faults: readonly FaultKind[];
  readonly seed: number;
  readonly ingesters: number;
  readonly replicationFactor: number;
  readonly writers: number;
  readonly streams: number;
  readonly linesPerPush: number;
  readonly pushesPerSecond: number;
  /** How often a writer retries a push that was not acknowledged (0: every line attempted once). */
  readonly maxRetries: number;
  readonly timings: FaultTimings;
  /** Extra `norn run` flags for every ingester. */
  readonly ingesterFlags: readonly string[];
  /** Keep the run's directory (data, S3 objects, process logs) even when it passes. */
  readonly keep: boolean;
  readonly log: (message: string) => void;
}

export const DEFAULT_CHAOS_OPTIONS: ChaosOptions = {
  durationMs: 300_000,
  faultEveryMs: 10_000,
  faults: FAULT_KINDS,
  seed: 1,
  ingesters: 3,
  replicationFactor: 3,
  writers: 4,
  streams: 6,
  linesPerPush: 10,
  pushesPerSecond: 5,
  maxRetries: 10,
  timings: DEFAULT_FAULT_TIMINGS,
  ingesterFlags: [],
  keep: false,
  log: () => undefined,
};

export interface ReadCheck {
  readonly name: string;
  readonly pages: number;
  readonly durationMs: number;
  readonly check: QueueCheck;
  /** Why the read could not be done, if it could not. */
  readonly error?: string;
}

export interface ChaosResult {
  readonly options: ChaosOptions;
  readonly startMs: number;
  readonly workloadEndMs: number;
  readonly history: readonly PushRecord[];
  /** The reader's queries during the run, with their outcomes. */
  readonly queries: readonly QueryRecord[];
  readonly windows: readonly FaultWindow[];
  /** Fault kinds asked for that this machine cannot apply, and why. */
  readonly leftOut: ReadonlyArray<{ readonly kind: FaultKind; readonly reason: string }>;
  readonly reads: readonly ReadCheck[];
  readonly incidents: readonly Incident[];
  readonly overall: Availability;
  /** Pushes started while no fault was under way. */
  readonly quiet: Availability;
  /** Pushes started during faults that took at most one ingester away. */
  readonly oneIngesterDown: Availability;
  readonly root: string;
  readonly passed: boolean;
  readonly failures: readonly string[];
}

export async function runChaos(input: Partial<ChaosOptions> = {}): Promise<ChaosResult> {
  const options: ChaosOptions = { ...DEFAULT_CHAOS_OPTIONS, ...input };
  const { log } = options;
  // Two sources from one seed: the writers draw at a pace set by timing, so sharing one source
  // would make the fault order and victims depend on it.
  const random = new SeededRandom(options.seed);
  const workloadRandom = new SeededRandom(options.seed ^ 0x5bd1e995);
  const root = mkdtempSync(join(tmpdir(), 'norn-chaos-'));
  const leftOut: Array<{ kind: FaultKind; reason: string }> = [];
  let faults = options.faults;
  if (faults.some((kind) => FAULT_NEEDS[kind] === 'tmpfs')) {
    const reason = tmpfsUnavailable(root);
    if (reason !== undefined) {
      for (const kind of faults.filter((k) => FAULT_NEEDS[k] === 'tmpfs')) {
        leftOut.push({ kind, reason });
        log(`leaving out ${kind}: ${reason}`);
      }
      faults = faults.filter((kind) => FAULT_NEEDS[kind] !== 'tmpfs');
    }
  }
  log(`starting nats-server, S3, ${options.ingesters} ingesters and a gateway in ${root}`);
  const cluster = await ChaosCluster.start({
    root,
    ingesters: options.ingesters,
    spares: 1,
    replicationFactor: options.replicationFactor,
    ingesterFlags: options.ingesterFlags,
    natsRelays: faults.some((kind) => FAULT_NEEDS[kind] === 'nats-relays'),
    // Room for a run's WAL many times over; small enough to fill in a moment.
    ...(faults.some((kind) => FAULT_NEEDS[kind] === 'tmpfs') ? { dataDirMiB: 64 } : {}),
  });
  let passed = false;
  try {
    const workload = new CanaryWorkload({
      baseUrl: cluster.gateway.url,
      writers: options.writers,
      streams: options.streams,
      linesPerPush: options.linesPerPush,
      pushesPerSecond: options.pushesPerSecond,
      requestTimeoutMs: 10_000,
      // Twice the nominal count: room for a nemesis that overruns, never an endless run.
      maxPushes: Math.ceil((options.durationMs / 1000) * options.pushesPerSecond * options.writers * 2),
      maxRetries: options.maxRetries,
      random: workloadRandom,
    });
    const startMs = Date.now();
    log(`writing: ${options.writers} writers x ${options.pushesPerSecond} pushes/s x ${options.linesPerPush} lines over ${options.streams} streams`);
    // Reads go on during every fault too, as a dashboard's would.
    const reader = new CanaryReader({ baseUrl: cluster.gateway.url, intervalMs: 1_000, requestTimeoutMs: 10_000 });
    workload.start();
    reader.start();
    const windows = await runNemesis(
      {
        cluster,
        kinds: faults,
        everyMs: options.faultEveryMs,
        // The end stays quiet for half an interval: writes after the last fault show the cluster recovered.
        endMs: startMs + options.durationMs - options.faultEveryMs / 2,
        random,
        timings: options.timings,
        ingesters: options.ingesters,
        log,
      },
      startMs + options.faultEveryMs,
    );
    const lastSettled = windows.length > 0 ? windows[windows.length - 1]!.settledMs : startMs;
    await sleep(Math.max(0, startMs + options.durationMs - Date.now(), lastSettled + 3_000 - Date.now()));
    await Promise.all([workload.stop(), reader.stop()]);
    const workloadEndMs = Date.now();
    const history = workload.history;
    log(`workload stopped: ${history.length} pushes; settling and flushing`);

    const reads: ReadCheck[] = [];
    await cluster.waitForSteadyRing();
    const fromNs = BigInt(startMs - 60_000) * 1_000_000n;
    let flushError: string | undefined;
    try {
      await cluster.flush();
    } catch (error) {
      flushError = (error as Error).message;
      log(`flush failed: ${flushError}`);
    }
    reads.push(await readAndCheck('after flush', cluster, history, fromNs, log));

    log('every ingester leaves gracefully; reading from object storage alone');
    await Promise.all(cluster.runningIds().map((id) => cluster.leave(id)));
    reads.push(await readAndCheck('storage only', cluster, history, fromNs, log));

    const oneDown = windows.filter((window) => window.blast === 'one-ingester');
    const inAnyWindow = (push: PushRecord): boolean => windows.some((w) => push.startMs >= w.startMs && push.startMs < w.settledMs);
    const result = {
      options,
      startMs,
      workloadEndMs,
      history,
      queries: reader.history,
      windows,
      leftOut,
      reads,
      incidents: cluster.incidents,
      overall: availabilityOf(history),
      quiet: availabilityOf(history.filter((push) => !inAnyWindow(push))),
      oneIngesterDown: availabilityOf(oneDown.flatMap((w) => history.filter((p) => p.startMs >= w.startMs && p.startMs < w.settledMs))),
      root,
    };
    const failures = [...(flushError !== undefined ? [`POST /flush failed: ${flushError}`] : []), ...verdict(result)];
    passed = failures.length === 0;
    writeRecords(root, history, windows);
    return { ...result, passed, failures };
  } finally {
    await cluster.stop();
    if (passed && !options.keep) rmSync(root, { recursive: true, force: true });
  }
}

async function readAndCheck(name: string, cluster: ChaosCluster, history: readonly PushRecord[], fromNs: bigint, log: (message: string) => void): Promise<ReadCheck> {
  const toNs = BigInt(Date.now() + 60_000) * 1_000_000n;
  try {
    const read = await readBack({ baseUrl: cluster.gateway.url, query: `{job="${CANARY_JOB}"}`, fromNs, toNs });
    const check = checkQueue(history, read.entries);
    log(`read "${name}": ${read.entries.length} entries in ${read.pages} pages, ${(read.durationMs / 1000).toFixed(1)} s; lost ${check.lost}, unexpected ${check.unexpected}, duplicates ${check.duplicates}`);
    return { name, pages: read.pages, durationMs: read.durationMs, check };
  } catch (error) {
    const message = (error as Error).message;
    log(`read "${name}" failed: ${message}`);
    return { name, pages: 0, durationMs: 0, check: checkQueue(history, []), error: message };
  }
}

/** The run's history beside its logs, for a look at a failed (or --keep) run afterwards. */
function writeRecords(root: string, history: readonly PushRecord[], windows: readonly FaultWindow[]): void {
  const pushes = history.map((push) =>
    JSON.stringify({
      writer: push.writer,
      attempt: push.attempt,
      startMs: push.startMs,
      endMs: push.endMs,
      outcome: push.outcome,
      status: push.status,
      detail: push.detail,
      seqs: push.lines.map((line) => line.seq),
    }),
  );
  writeFileSync(join(root, 'history.jsonl'), pushes.join('\n') + '\n');
  writeFileSync(join(root, 'faults.json'), JSON.stringify(windows, null, 2));
}

function verdict(result: Omit<ChaosResult, 'passed' | 'failures'>): string[] {
  const failures: string[] = [];
  for (const read of result.reads) {
    if (read.error !== undefined) failures.push(`read "${read.name}" failed: ${read.error}`);
    const { lost, unexpected, duplicates } = read.check;
    if (lost > 0) failures.push(`read "${read.name}": ${lost} acknowledged lines lost (e.g. seq ${read.check.lostSeqs.join(', ')})`);
    if (unexpected > 0) failures.push(`read "${read.name}": ${unexpected} unexpected lines`);
    if (duplicates > 0) failures.push(`read "${read.name}": ${duplicates} duplicate lines`);
  }
  for (const incident of result.incidents) failures.push(`${incident.kind} of ${incident.process}: ${incident.detail.split('\n')[0]}`);
  for (const window of result.windows) if (window.error !== undefined) failures.push(`fault ${window.index} (${window.kind}) failed: ${window.error}`);
  if (result.overall.ok === 0) failures.push('no write was ever acknowledged');
  return failures;
}
