// The ruler's settings, under Loki's names in the `ruler:` section of the YAML file. The
// composition root reads the section with `rulerConfigFromYaml` and hands the result to the
// ruler; nothing here knows about the rest of the configuration.

import { parseGoDuration, parsePromDuration } from '../../core/go/mod.js';
import { RulerError } from './errors.js';

export type RuleStorageType = 'local' | 'object';

export interface RemoteWriteConfig {
  /** Prometheus' remote-write receiver, e.g. `http://prometheus:9090/api/v1/write`; unset: recording rules only evaluate. */
  readonly url?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** Samples waiting to be sent; a sample beyond it is counted as dropped and logged. */
  readonly queueCapacity: number;
  readonly maxSamplesPerSend: number;
  /** First delay between retries of a failed send; doubles up to maxBackoffMs. */
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly timeoutMs: number;
}

export interface RulerConfig {
  /** Alertmanager base URLs (Loki: `alertmanager_url`, comma-separated). Empty: alerts are evaluated, not sent. */
  readonly alertmanagerUrls: readonly string[];
  /** A group's `interval` when it has none (Loki: `evaluation_interval`, 1m). */
  readonly evaluationIntervalMs: number;
  /** How often every ruler re-reads the rule store and its share of the ring (Loki: `poll_interval`, 1m). */
  readonly pollIntervalMs: number;
  /** A firing alert is sent again this often (Loki: `resend_delay`, 1m). */
  readonly resendDelayMs: number;
  /** Prefix of each alert's generatorURL (Loki: `external_url`). */
  readonly externalUrl: string;
  /** Added to every alert and recorded series unless the rule sets the label (Loki: `external_labels`). */
  readonly externalLabels: Readonly<Record<string, string>>;
  /**
   * Where rule groups live: a local directory (`<dir>/<tenant>/<namespace>.yaml`) or the object
   * store. An empty directory means `<data_dir>/rules`.
   */
  readonly storage: { readonly type: RuleStorageType; readonly directory: string };
  /** Loki: `rule_path`, a scratch directory; accepted for Loki configs, Norn writes nothing there. */
  readonly rulePath: string;
  readonly remoteWrite: RemoteWriteConfig;
  /** Time an evaluation's query may take. */
  readonly queryTimeoutMs: number;
  /** Ruler ring: heartbeat period and the age after which a silent ruler's groups move. */
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  /** Notifications waiting for Alertmanager; the oldest are dropped (and counted) beyond it. */
  readonly notificationQueueCapacity: number;
  readonly notificationTimeoutMs: number;
}

const MINUTE = 60_000;

export const DEFAULT_REMOTE_WRITE: RemoteWriteConfig = {
  headers: {},
  queueCapacity: 10_000,
  maxSamplesPerSend: 500,
  minBackoffMs: 30,
  maxBackoffMs: 5_000,
  timeoutMs: 30_000,
};

/** The defaults; with `dataDir`, the rules directory is resolved under it. */
export function defaultRulerConfig(dataDir?: string): RulerConfig {
  return {
    alertmanagerUrls: [],
    evaluationIntervalMs: MINUTE,
    pollIntervalMs: MINUTE,
    resendDelayMs: MINUTE,
    externalUrl: '',
    externalLabels: {},
    storage: { type: 'local', directory: dataDir === undefined ? '' : rulesDirectory(dataDir, '') },
    rulePath: '',
    remoteWrite: DEFAULT_REMOTE_WRITE,
    queryTimeoutMs: 2 * MINUTE,
    heartbeatMs: 5_000,
    heartbeatTimeoutMs: MINUTE,
    notificationQueueCapacity: 10_000,
    notificationTimeoutMs: 10_000,
  };
}

/** The local rules directory: the configured one, or `<data_dir>/rules`. */
export function rulesDirectory(dataDir: string, configured: string): string {
  return configured !== '' ? configured : `${dataDir.replace(/\/+$/, '')}/rules`;
}

type Yaml = Record<string, unknown>;

function section(value: unknown, name: string): Yaml {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new RulerError('RULER_CONFIG', `${name === '' ? 'ruler' : `ruler.${name}`}: must be a map`);
  return value as Yaml;
}

function duration(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number') return value * 1000;
  if (typeof value !== 'string') throw new RulerError('RULER_CONFIG', `ruler.${name}: must be a duration`);
  try {
    return Number(parsePromDuration(value) / 1_000_000n);
  } catch {
    try {
      return parseGoDuration(value) / 1e6;
    } catch (cause) {
      throw new RulerError('RULER_CONFIG', `ruler.${name}: not a valid duration string: "${value}"`, { cause });
    }
  }
}

function stringMap(value: unknown, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(section(value, name))) out[key] = String(item);
  return out;
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new RulerError('RULER_CONFIG', `ruler.${name}: must be a positive integer`);
  return n;
}

/** `remote_write:` with `url` at the top, or Loki's `client:` (one) / `clients:` (first one). */
function remoteWriteFrom(raw: Yaml): RemoteWriteConfig {
  const clients = section(raw['clients'], 'remote_write.clients');
  const firstClient = Object.values(clients)[0];
  const client = { ...section(firstClient, 'remote_write.clients'), ...section(raw['client'], 'remote_write.client'), ...raw };
  const auth = section(client['basic_auth'], 'remote_write.basic_auth');
  const queue = section(client['queue_config'], 'remote_write.queue_config');
  const url = client['url'];
  if (raw['enabled'] === false) return DEFAULT_REMOTE_WRITE;
  return {
    ...(typeof url === 'string' && url !== '' ? { url } : {}),
    headers: stringMap(client['headers'], 'remote_write.headers'),
    ...(auth['username'] !== undefined
      ? { basicAuth: { username: String(auth['username']), password: String(auth['password'] ?? '') } }
      : {}),
    queueCapacity: positive(queue['capacity'], 'remote_write.queue_config.capacity', DEFAULT_REMOTE_WRITE.queueCapacity),
    maxSamplesPerSend: positive(queue['max_samples_per_send'], 'remote_write.queue_config.max_samples_per_send', DEFAULT_REMOTE_WRITE.maxSamplesPerSend),
    minBackoffMs: duration(queue['min_backoff'], 'remote_write.queue_config.min_backoff', DEFAULT_REMOTE_WRITE.minBackoffMs),
    maxBackoffMs: duration(queue['max_backoff'], 'remote_write.queue_config.max_backoff', DEFAULT_REMOTE_WRITE.maxBackoffMs),
    timeoutMs: duration(client['remote_timeout'], 'remote_write.remote_timeout', DEFAULT_REMOTE_WRITE.timeoutMs),
  };
}

const KNOWN = new Set([
  'alertmanager_url', 'evaluation_interval', 'poll_interval', 'resend_delay', 'external_url', 'external_labels',
  'storage', 'rule_path', 'remote_write', 'query_timeout', 'ring', 'notification_queue', 'notification_timeout',
  // Loki settings whose behaviour Norn always has: the API is on, v2 is the only Alertmanager API.
  'enable_api', 'enable_sharding', 'enable_alertmanager_v2', 'enable_alertmanager_discovery',
]);

/** The `ruler:` section of the YAML file, Loki's names, over `base` (defaults or flags). */
export function rulerConfigFromYaml(value: unknown, base: RulerConfig = defaultRulerConfig()): RulerConfig {
  const raw = section(value, '');
  for (const key of Object.keys(raw)) if (!KNOWN.has(key)) throw new RulerError('RULER_CONFIG', `ruler.${key}: unknown setting`);
  const storage = section(raw['storage'], 'storage');
  const local = section(storage['local'], 'storage.local');
  const type = storage['type'] ?? base.storage.type;
  if (type !== 'local' && type !== 'object' && type !== 's3') {
    throw new RulerError('RULER_CONFIG', `ruler.storage.type: must be local, s3 or object, got "${String(type)}"`);
  }
  const urls = raw['alertmanager_url'];
  const ring = section(raw['ring'], 'ring');
  const notifier = section(raw['notification_queue'], 'notification_queue');
  return {
    alertmanagerUrls:
      urls === undefined || urls === null
        ? base.alertmanagerUrls
        : String(urls).split(',').map((url) => url.trim()).filter((url) => url !== ''),
    evaluationIntervalMs: duration(raw['evaluation_interval'], 'evaluation_interval', base.evaluationIntervalMs),
    pollIntervalMs: duration(raw['poll_interval'], 'poll_interval', base.pollIntervalMs),
    resendDelayMs: duration(raw['resend_delay'], 'resend_delay', base.resendDelayMs),
    externalUrl: typeof raw['external_url'] === 'string' ? raw['external_url'] : base.externalUrl,
    externalLabels: raw['external_labels'] !== undefined ? stringMap(raw['external_labels'], 'external_labels') : base.externalLabels,
    storage: {
      type: type === 'local' ? 'local' : 'object',
      directory: typeof local['directory'] === 'string' ? local['directory'] : base.storage.directory,
    },
    rulePath: typeof raw['rule_path'] === 'string' ? raw['rule_path'] : base.rulePath,
    remoteWrite: raw['remote_write'] !== undefined ? remoteWriteFrom(section(raw['remote_write'], 'remote_write')) : base.remoteWrite,
    queryTimeoutMs: duration(raw['query_timeout'], 'query_timeout', base.queryTimeoutMs),
    heartbeatMs: duration(ring['heartbeat_period'], 'ring.heartbeat_period', base.heartbeatMs),
    heartbeatTimeoutMs: duration(ring['heartbeat_timeout'], 'ring.heartbeat_timeout', base.heartbeatTimeoutMs),
    notificationQueueCapacity: positive(notifier['capacity'], 'notification_queue.capacity', base.notificationQueueCapacity),
    notificationTimeoutMs: duration(raw['notification_timeout'], 'notification_timeout', base.notificationTimeoutMs),
  };
}
