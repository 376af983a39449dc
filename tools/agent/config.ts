// The agent's configuration: Promtail's YAML (server, clients, positions, scrape_configs with
// static_configs and pipeline_stages), validated up front so a mistake stops the start, not a
// file half way through.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { durationMs, sizeBytes } from './durations.js';
import { AgentConfigError } from './errors.js';

export interface BackoffConfig {
  readonly minPeriodMs: number;
  readonly maxPeriodMs: number;
  /** 0: retry until the server takes the batch (the default: nothing is dropped). */
  readonly maxRetries: number;
}

export interface ClientConfig {
  readonly url: string;
  readonly tenantId?: string;
  readonly basicAuth?: { readonly username: string; readonly password: string };
  readonly bearerToken?: string;
  readonly batchWaitMs: number;
  readonly batchSizeBytes: number;
  readonly timeoutMs: number;
  readonly backoff: BackoffConfig;
  readonly externalLabels: Readonly<Record<string, string>>;
}

export interface StaticConfig {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

export interface ScrapeConfig {
  readonly jobName: string;
  readonly staticConfigs: readonly StaticConfig[];
  /** The raw stage list; tools/agent/pipeline builds and checks it. */
  readonly pipelineStages: readonly unknown[];
}

export interface AgentConfig {
  readonly server: { readonly httpListenAddress: string; readonly httpListenPort: number; readonly disable: boolean };
  readonly clients: readonly ClientConfig[];
  readonly positions: { readonly filename: string; readonly syncPeriodMs: number; readonly ignoreInvalidYaml: boolean };
  readonly scrapeConfigs: readonly ScrapeConfig[];
  /** How often files are re-globbed for new matches (Promtail's target sync period). */
  readonly syncPeriodMs: number;
  /** How often a followed file is checked for new lines and rotation. */
  readonly pollIntervalMs: number;
}

type Raw = Record<string, unknown>;

const isObject = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);

function object(value: unknown, where: string): Raw {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new AgentConfigError(`${where}: expected a mapping`);
  return value;
}

function array(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new AgentConfigError(`${where}: expected a list`);
  return value;
}

function stringMap(value: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(object(value, where))) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') throw new AgentConfigError(`${where}.${key}: expected a string`);
    out[key] = String(item);
  }
  return out;
}

/** `${VAR}` and `${VAR:-default}` from the environment, as Promtail's -config.expand-env does. */
export function expandEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => env[name] ?? fallback ?? '');
}

export function loadAgentConfig(file: string, options: { expandEnv?: boolean; env?: NodeJS.ProcessEnv } = {}): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AgentConfigError(`cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  if (options.expandEnv === true) text = expandEnv(text, options.env ?? process.env);
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (cause) {
    throw new AgentConfigError(`${file}: not valid YAML: ${(cause as Error).message}`, { cause });
  }
  return parseAgentConfig(raw);
}

export function parseAgentConfig(raw: unknown): AgentConfig {
  const root = object(raw, 'config');
  const server = object(root['server'], 'server');
  const positions = object(root['positions'], 'positions');
  const clients = array(root['clients'] ?? (root['client'] !== undefined ? [root['client']] : undefined), 'clients').map((c, i) => parseClient(c, `clients[${i}]`));
  if (clients.length === 0) throw new AgentConfigError('clients: at least one client (a url to push to) is needed');
  const scrapeConfigs = array(root['scrape_configs'], 'scrape_configs').map((s, i) => parseScrape(s, `scrape_configs[${i}]`));
  if (scrapeConfigs.length === 0) throw new AgentConfigError('scrape_configs: nothing to ship: add a scrape config with static_configs');
  const names = new Set<string>();
  for (const scrape of scrapeConfigs) {
    if (names.has(scrape.jobName)) throw new AgentConfigError(`scrape_configs: job_name ${JSON.stringify(scrape.jobName)} appears twice`);
    names.add(scrape.jobName);
  }
  const port = server['http_listen_port'] ?? 9080;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw new AgentConfigError('server.http_listen_port: expected a port number');
  const targetConfig = object(root['target_config'], 'target_config');
  return {
    server: { httpListenAddress: String(server['http_listen_address'] ?? '0.0.0.0'), httpListenPort: port, disable: server['disable'] === true },
    clients,
    positions: {
      filename: String(positions['filename'] ?? '/tmp/positions.yaml'),
      syncPeriodMs: durationMs(positions['sync_period'] ?? '10s', 'positions.sync_period'),
      ignoreInvalidYaml: positions['ignore_invalid_yaml'] === true,
    },
    scrapeConfigs,
    syncPeriodMs: durationMs(targetConfig['sync_period'] ?? '10s', 'target_config.sync_period'),
    pollIntervalMs: durationMs(targetConfig['poll_interval'] ?? '250ms', 'target_config.poll_interval'),
  };
}

function parseClient(value: unknown, where: string): ClientConfig {
  const raw = object(value, where);
  const url = raw['url'];
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new AgentConfigError(`${where}.url: expected an http(s) URL such as http://localhost:3100/loki/api/v1/push`);
  const basic = raw['basic_auth'] === undefined ? undefined : object(raw['basic_auth'], `${where}.basic_auth`);
  const backoff = object(raw['backoff_config'], `${where}.backoff_config`);
  const minPeriodMs = durationMs(backoff['min_period'] ?? '500ms', `${where}.backoff_config.min_period`);
  const maxPeriodMs = durationMs(backoff['max_period'] ?? '5m', `${where}.backoff_config.max_period`);
  const maxRetries = backoff['max_retries'] ?? 0;
  if (typeof maxRetries !== 'number' || maxRetries < 0) throw new AgentConfigError(`${where}.backoff_config.max_retries: expected a number (0: retry until accepted)`);
  const password = basic?.['password_file'] !== undefined ? readFileSync(String(basic['password_file']), 'utf8').trim() : String(basic?.['password'] ?? '');
  const bearer = raw['bearer_token_file'] !== undefined ? readFileSync(String(raw['bearer_token_file']), 'utf8').trim() : raw['bearer_token'];
  return {
    url,
    ...(raw['tenant_id'] !== undefined ? { tenantId: String(raw['tenant_id']) } : {}),
    ...(basic !== undefined ? { basicAuth: { username: String(basic['username'] ?? ''), password } } : {}),
    ...(bearer !== undefined ? { bearerToken: String(bearer) } : {}),
    batchWaitMs: durationMs(raw['batchwait'] ?? '1s', `${where}.batchwait`),
    batchSizeBytes: sizeBytes(raw['batchsize'] ?? 1024 * 1024, `${where}.batchsize`),
    timeoutMs: durationMs(raw['timeout'] ?? '10s', `${where}.timeout`),
    backoff: { minPeriodMs, maxPeriodMs: Math.max(minPeriodMs, maxPeriodMs), maxRetries },
    externalLabels: stringMap(raw['external_labels'], `${where}.external_labels`),
  };
}

function parseScrape(value: unknown, where: string): ScrapeConfig {
  const raw = object(value, where);
  const jobName = raw['job_name'];
  if (typeof jobName !== 'string' || jobName === '') throw new AgentConfigError(`${where}.job_name: expected a name`);
  const staticConfigs = array(raw['static_configs'], `${where}.static_configs`).map((item, i) => {
    const s = object(item, `${where}.static_configs[${i}]`);
    const labels = stringMap(s['labels'], `${where}.static_configs[${i}].labels`);
    if (labels['__path__'] === undefined) throw new AgentConfigError(`${where}.static_configs[${i}].labels.__path__: which files to follow (a glob, e.g. /var/log/*.log)`);
    return { targets: array(s['targets'], `${where}.static_configs[${i}].targets`).map(String), labels };
  });
  if (staticConfigs.length === 0) throw new AgentConfigError(`${where}.static_configs: expected at least one (only static_configs discover files)`);
  return { jobName, staticConfigs, pipelineStages: array(raw['pipeline_stages'], `${where}.pipeline_stages`) };
}
