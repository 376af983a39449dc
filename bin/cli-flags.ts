// The command-line flags of `norn run`, and how they override the configuration.

import { parseArgs } from 'node:util';
import { defaultConfig, type NornConfig, type Target } from '../app/config.js';
import type { WalSyncPolicy } from '../actors/ingester/config.js';
import { ConfigError, documentHas, parseDurationMs, readConfigFile } from '../app/config-file.js';
import { configProblems } from '../app/config-schema.js';
import { rulerConfigFromYaml } from '../actors/ruler/mod.js';

export const RUN_HELP = `Usage: norn run [flags]

Runs a Norn process: a Loki-compatible log store. With no flags it runs everything in one
process (gateway + ingester) on an embedded bus, storing chunks under ./data.

Flags (each overrides the same setting in --config):
  --config FILE              YAML configuration file (see docs/configuration.md)
  --config.expand-env        replace \${VAR} and \${VAR:-default} in the file with environment
                             variables first (as Loki), so secrets need not be flags
  --target all|gateway|ingester|ruler|querier|compactor
                             which role to run (default: all, which includes the ruler and
                             the compactor); a querier runs sub-queries for the gateways' query
                             frontends; a compactor compacts the index and applies retention
                             (run two: one is active, the other takes over if it dies)
  --http-host HOST           address to listen on (default: 0.0.0.0)
  --http-port N              HTTP port for the Loki API, /ready and /metrics (default: 3100)
  --data-dir DIR             local state: chunks (filesystem storage) and the WAL (default: ./data)
  --nats URL                 connect to a NATS server (comma-separated URLs) instead of the
                             embedded in-process bus; required for every target but all
  --s3-endpoint URL          store chunks and the index in S3 (e.g. http://127.0.0.1:9000)
  --s3-bucket NAME           S3 bucket (created if missing; default: norn)
  --s3-access-key KEY        S3 access key
  --s3-secret-key SECRET     S3 secret key
  --s3-region REGION         S3 region (default: us-east-1)
  --id NAME                  this process's id: its ingester id in the ring, or its querier id
                             (default: norn-1, or the hostname for --target ingester|querier)
  --zone NAME                availability zone, for zone-aware replication
  --auth                     require X-Scope-OrgID on every request (multi-tenant mode);
                             without it every request is tenant "fake"
  --replication-factor N     copies of each stream across ingesters (default: 1 for all, 3 otherwise)
  --wal-sync always|interval|never
                             when the WAL fsyncs (default: always: no acknowledged line is lost)
  --no-wal                   disable the write-ahead log
  --query-workers N          threads that scan stored chunks for queries (default: one per
                             core; 0 scans in the main thread)
  --querier.max-concurrent N sub-queries a querier runs at once (default: 4)
  --log-level LEVEL          trace, debug, info, warn or error (default: info)
  --runtime-config.file FILE per-tenant overrides re-read while running (Loki's runtime config;
                             see docs/operations.md)
  --runtime-config.reload-period D
                             how often that file is re-read (default: 10s)
  --ruler.alertmanager-url URLS
                             Alertmanager(s) the ruler sends alerts to, comma-separated
  --ruler.remote-write.url URL
                             Prometheus remote-write endpoint for recording rules
  --ruler.evaluation-interval D
                             default rule group interval (default: 1m)
  --ruler.storage.type local|s3
                             rules in a local directory (default) or the object store
  --ruler.storage.local.directory DIR
                             the rules directory (default: <data-dir>/rules)
  -h, --help                 this help
`;

export interface RunFlags {
  readonly config: NornConfig;
  readonly help: boolean;
}

/** A command line that does not parse: exit code 2, as usage errors are. */
export class UsageError extends ConfigError {}

/** Loki spells it `-config.expand-env=true`; accept that and the bare flag. */
function normaliseArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    const match = /^--?config\.expand-env(?:=(true|false))?$/.exec(arg);
    if (match === null) out.push(arg);
    else if (match[1] !== 'false') out.push('--config.expand-env');
  }
  return out;
}

const TARGETS: readonly Target[] = ['all', 'gateway', 'ingester', 'ruler', 'querier', 'compactor'];
const SYNC_POLICIES: readonly WalSyncPolicy[] = ['always', 'batch', 'interval', 'never'];

function positiveInt(value: string, flag: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new ConfigError(`${flag}: expected a positive integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function parseRunFlags(argv: readonly string[], hostname: string): RunFlags {
  let parsed;
  try {
    parsed = parseArgs({
      args: normaliseArgs(argv),
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        'config.expand-env': { type: 'boolean' },
        target: { type: 'string' },
        'http-host': { type: 'string' },
        'http-port': { type: 'string' },
        'data-dir': { type: 'string' },
        nats: { type: 'string' },
        's3-endpoint': { type: 'string' },
        's3-bucket': { type: 'string' },
        's3-access-key': { type: 'string' },
        's3-secret-key': { type: 'string' },
        's3-region': { type: 'string' },
        id: { type: 'string' },
        zone: { type: 'string' },
        auth: { type: 'boolean' },
        'replication-factor': { type: 'string' },
        'wal-sync': { type: 'string' },
        'no-wal': { type: 'boolean' },
        'query-workers': { type: 'string' },
        'querier.max-concurrent': { type: 'string' },
        'log-level': { type: 'string' },
        'runtime-config.file': { type: 'string' },
        'runtime-config.reload-period': { type: 'string' },
        'ruler.alertmanager-url': { type: 'string' },
        'ruler.remote-write.url': { type: 'string' },
        'ruler.evaluation-interval': { type: 'string' },
        'ruler.storage.type': { type: 'string' },
        'ruler.storage.local.directory': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nRun "norn run --help" for the flags.`, { cause: error });
  }
  const flags = parsed.values;
  const problems: string[] = [];
  let base = defaultConfig();
  // A replication factor the file names (even 1, the single node's default) is the operator's
  // choice and is kept whatever the target.
  let fileSetsReplication = false;
  if (flags.config !== undefined) {
    const file = readConfigFile(flags.config, base, { expandEnv: flags['config.expand-env'] === true });
    base = file.config;
    problems.push(...file.problems);
    fileSetsReplication = documentHas(file.document, ['ring', 'replication_factor']);
  }
  const config = structuredClone(base) as { -readonly [K in keyof NornConfig]: NornConfig[K] };

  if (flags.target !== undefined) {
    if (!TARGETS.includes(flags.target as Target)) throw new ConfigError(`--target: expected one of ${TARGETS.join(', ')}, got ${flags.target}`);
    config.target = flags.target as Target;
  }
  if (flags['http-host'] !== undefined) config.httpHost = flags['http-host'];
  if (flags['http-port'] !== undefined) {
    const port = flags['http-port'];
    if (!/^\d+$/.test(port) || Number(port) > 65535) throw new ConfigError(`--http-port: expected a port number, got ${port}`);
    config.httpPort = Number(port);
  }
  if (flags['data-dir'] !== undefined) config.storage = { ...config.storage, dataDir: flags['data-dir'] };
  if (flags.nats !== undefined) config.nats = flags.nats;
  if (flags.id !== undefined) config.id = flags.id;
  else if (flags.config === undefined && (config.target === 'ingester' || config.target === 'querier')) config.id = hostname;
  if (flags.zone !== undefined) config.ring = { ...config.ring, zone: flags.zone };
  if (flags.auth) config.auth = true;
  if (flags['log-level'] !== undefined) config.logLevel = flags['log-level'];
  if (flags['runtime-config.file'] !== undefined) config.runtimeConfig = { ...config.runtimeConfig, file: flags['runtime-config.file'] };
  if (flags['runtime-config.reload-period'] !== undefined) {
    config.runtimeConfig = { ...config.runtimeConfig, periodMs: parseDurationMs(flags['runtime-config.reload-period'], '--runtime-config.reload-period') };
  }
  if (flags['replication-factor'] !== undefined) {
    config.ring = { ...config.ring, replicationFactor: positiveInt(flags['replication-factor'], '--replication-factor') };
  } else if (config.target !== 'all' && !fileSetsReplication) {
    config.ring = { ...config.ring, replicationFactor: 3 };
  }
  if (flags['wal-sync'] !== undefined) {
    if (!SYNC_POLICIES.includes(flags['wal-sync'] as WalSyncPolicy)) throw new ConfigError(`--wal-sync: expected one of ${SYNC_POLICIES.join(', ')}`);
    config.wal = { ...config.wal, sync: flags['wal-sync'] as WalSyncPolicy };
  }
  if (flags['no-wal']) config.wal = { ...config.wal, enabled: false };
  if (flags['query-workers'] !== undefined) {
    const workers = flags['query-workers'];
    if (!/^\d+$/.test(workers)) throw new ConfigError(`--query-workers: expected a whole number of threads, got ${JSON.stringify(workers)}`);
    config.querier = { ...config.querier, queryWorkers: Number(workers) };
  }
  if (flags['querier.max-concurrent'] !== undefined) {
    config.querier = { ...config.querier, maxConcurrent: positiveInt(flags['querier.max-concurrent'], '--querier.max-concurrent') };
  }

  const rulerFlags: Record<string, unknown> = {};
  if (flags['ruler.alertmanager-url'] !== undefined) rulerFlags['alertmanager_url'] = flags['ruler.alertmanager-url'];
  if (flags['ruler.remote-write.url'] !== undefined) rulerFlags['remote_write'] = { url: flags['ruler.remote-write.url'] };
  if (flags['ruler.evaluation-interval'] !== undefined) rulerFlags['evaluation_interval'] = flags['ruler.evaluation-interval'];
  if (flags['ruler.storage.type'] !== undefined || flags['ruler.storage.local.directory'] !== undefined) {
    rulerFlags['storage'] = {
      ...(flags['ruler.storage.type'] !== undefined ? { type: flags['ruler.storage.type'] } : {}),
      ...(flags['ruler.storage.local.directory'] !== undefined ? { local: { directory: flags['ruler.storage.local.directory'] } } : {}),
    };
  }
  if (Object.keys(rulerFlags).length > 0) {
    try {
      config.ruler = rulerConfigFromYaml(rulerFlags, config.ruler);
    } catch (error) {
      // `ruler.evaluation_interval: ...` is the flag `--ruler.evaluation-interval`.
      throw new ConfigError(`--${(error as Error).message.replace(/^[^:]+/, (key) => key.replace(/_/g, '-'))}`, { cause: error });
    }
  }

  const s3Endpoint = flags['s3-endpoint'] ?? config.storage.s3?.endpoint;
  if (s3Endpoint !== undefined) {
    config.storage = {
      ...config.storage,
      s3: {
        endpoint: s3Endpoint,
        bucket: flags['s3-bucket'] ?? config.storage.s3?.bucket ?? 'norn',
        accessKey: flags['s3-access-key'] ?? config.storage.s3?.accessKey ?? '',
        secretKey: flags['s3-secret-key'] ?? config.storage.s3?.secretKey ?? '',
        region: flags['s3-region'] ?? config.storage.s3?.region ?? 'us-east-1',
      },
    };
  }
  if (config.target !== 'all' && config.nats === undefined) {
    throw new ConfigError(`--target ${config.target} needs --nats: separate processes meet on a NATS server`);
  }
  // Every problem at once, each naming its key: one run to fix them all.
  for (const problem of configProblems(config)) if (!problems.includes(problem)) problems.push(problem);
  if (problems.length > 0 && flags.help !== true) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return { config, help: flags.help === true };
}
