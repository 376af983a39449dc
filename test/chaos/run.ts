// `npm run chaos [-- options]`: a full chaos run against a cluster of separate processes,
// printing its figures; exits 1 when a check fails. See README.md beside this file.

import { parseArgs } from 'node:util';
import { DEFAULT_FAULT_TIMINGS, FAULT_KINDS, parseFaultKinds, type FaultKind } from './faults.js';
import { formatReport } from './report.js';
import { DEFAULT_CHAOS_OPTIONS, runChaos } from './scenario.js';

const HELP = `Usage: npm run chaos -- [options]

Starts nats-server, an S3 server, 3 ingesters and a gateway as separate processes (the built
CLI: run "npm run build" first), writes a canary workload through the gateway while faults are
applied one at a time, then reads everything back and checks it.

  --duration SECONDS     how long the workload runs (default 300)
  --fault-every SECONDS  a fault starts this often, or once the previous one settled (default 10)
  --faults LIST          comma-separated fault kinds, or "all" (default all):
                         ${FAULT_KINDS.join(', ')}
  --seed N               picks fault order and victims (default: random, printed)
  --ingesters N          ingesters in the cluster (default 3; replication factor 3)
  --writers N            writer loops (default ${DEFAULT_CHAOS_OPTIONS.writers})
  --rate N               pushes per second per writer (default ${DEFAULT_CHAOS_OPTIONS.pushesPerSecond})
  --lines N              lines per push (default ${DEFAULT_CHAOS_OPTIONS.linesPerPush})
  --streams N            streams written to (default ${DEFAULT_CHAOS_OPTIONS.streams})
  --s3-outage SECONDS    length of an S3 outage (default ${DEFAULT_FAULT_TIMINGS.s3OutageMs / 1000})
  --nats-down SECONDS    how long nats-server stays down in a restart (default ${DEFAULT_FAULT_TIMINGS.natsDownMs / 1000})
  --gateway-down SECONDS how long a killed gateway stays down (default ${DEFAULT_FAULT_TIMINGS.gatewayDownMs / 1000})
  --disk-full SECONDS    how long an ingester's disk stays full (default ${DEFAULT_FAULT_TIMINGS.diskFullMs / 1000}; needs root to mount tmpfs)
  --partition SECONDS    how long an ingester is cut off from nats-server (default ${DEFAULT_FAULT_TIMINGS.partitionMs / 1000})
  --retries N            retries of a push that got a 5xx, 429 or no answer, as a Loki client does
                         (default ${DEFAULT_CHAOS_OPTIONS.maxRetries}; 0: every line is attempted exactly once)
  --no-wal               run the ingesters without a WAL: kill -9 then loses acknowledged
                         lines, which shows the checker catching a loss
  --keep                 keep the run's directory (data, objects, process logs) even if it passes
  -h, --help             this text
`;

/** A mistake in the options: reported in one line, with no stack. */
class UsageError extends Error {}

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`--${name}: expected a positive number, got ${JSON.stringify(value)}`);
  return number;
}

function parseOptions(): ReturnType<typeof parse> {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parse() {
  return parseArgs({
    options: {
      duration: { type: 'string' },
      'fault-every': { type: 'string' },
      faults: { type: 'string' },
      seed: { type: 'string' },
      ingesters: { type: 'string' },
      writers: { type: 'string' },
      rate: { type: 'string' },
      lines: { type: 'string' },
      streams: { type: 'string' },
      's3-outage': { type: 'string' },
      'nats-down': { type: 'string' },
      'gateway-down': { type: 'string' },
      'disk-full': { type: 'string' },
      partition: { type: 'string' },
      retries: { type: 'string' },
      'no-wal': { type: 'boolean' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function faultKinds(text: string | undefined): readonly FaultKind[] {
  if (text === undefined) return FAULT_KINDS;
  try {
    return parseFaultKinds(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function main(): Promise<number> {
  const { values } = parseOptions();
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const options = {
    durationMs: positive(values.duration, 'duration', DEFAULT_CHAOS_OPTIONS.durationMs / 1000) * 1000,
    faultEveryMs: positive(values['fault-every'], 'fault-every', DEFAULT_CHAOS_OPTIONS.faultEveryMs / 1000) * 1000,
    faults: faultKinds(values.faults),
    seed: values.seed !== undefined ? positive(values.seed, 'seed', 1) : Math.floor(Math.random() * 2 ** 31) + 1,
    ingesters: positive(values.ingesters, 'ingesters', DEFAULT_CHAOS_OPTIONS.ingesters),
    writers: positive(values.writers, 'writers', DEFAULT_CHAOS_OPTIONS.writers),
    pushesPerSecond: positive(values.rate, 'rate', DEFAULT_CHAOS_OPTIONS.pushesPerSecond),
    linesPerPush: positive(values.lines, 'lines', DEFAULT_CHAOS_OPTIONS.linesPerPush),
    streams: positive(values.streams, 'streams', DEFAULT_CHAOS_OPTIONS.streams),
    maxRetries: values.retries === '0' ? 0 : Math.floor(positive(values.retries, 'retries', DEFAULT_CHAOS_OPTIONS.maxRetries)),
    timings: {
      ...DEFAULT_FAULT_TIMINGS,
      s3OutageMs: positive(values['s3-outage'], 's3-outage', DEFAULT_FAULT_TIMINGS.s3OutageMs / 1000) * 1000,
      natsDownMs: positive(values['nats-down'], 'nats-down', DEFAULT_FAULT_TIMINGS.natsDownMs / 1000) * 1000,
      gatewayDownMs: positive(values['gateway-down'], 'gateway-down', DEFAULT_FAULT_TIMINGS.gatewayDownMs / 1000) * 1000,
      diskFullMs: positive(values['disk-full'], 'disk-full', DEFAULT_FAULT_TIMINGS.diskFullMs / 1000) * 1000,
      partitionMs: positive(values.partition, 'partition', DEFAULT_FAULT_TIMINGS.partitionMs / 1000) * 1000,
    },
    ingesterFlags: values['no-wal'] ? ['--no-wal'] : [],
    keep: values.keep ?? false,
  };
  const started = Date.now();
  const log = (message: string): void => {
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
  };
  const result = await runChaos({ ...options, log });
  process.stdout.write(`\n${formatReport(result)}\n`);
  return result.passed ? 0 : 1;
}

// Every restart adds an exit listener (children die with this process); a run restarts many.
process.setMaxListeners(0);
// Ctrl-C: exit through 'exit' so the helpers kill every server and process they started.
process.once('SIGINT', () => process.exit(130));
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`chaos: ${error.message} (see --help)\n`);
    else process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
