// Starts Norn for tests: in this process (fast, for most end-to-end tests), or as a real
// child process running the built CLI (for restarts, crashes and clusters).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { defaultConfig, type NornConfig } from '../../app/config.js';
import { startNorn, type RunningNorn } from '../../app/norn.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NORN_BIN = join(REPO_ROOT, 'dist', 'bin', 'norn.js');

export function tempDir(prefix = 'norn-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A config for tests: loopback, an ephemeral port, a temp data dir, quiet logs. */
export function testConfig(overrides: DeepPartial<NornConfig> = {}): NornConfig {
  const base = defaultConfig();
  const dataDir = overrides.storage?.dataDir ?? tempDir();
  return {
    ...base,
    ...overrides,
    httpHost: '127.0.0.1',
    httpPort: overrides.httpPort ?? 0,
    logLevel: overrides.logLevel ?? 'silent',
    storage: { ...base.storage, indexCacheMs: 0, ...overrides.storage, dataDir } as NornConfig['storage'],
    ingester: { ...base.ingester, ...overrides.ingester },
    // Ingest discovery (service_name, detected_level) is on by default in Norn as in Loki; tests
    // written before it assert exact labels and bytes, so they run without it unless they ask.
    limits: { ...base.limits, discoverServiceName: [], discoverLogLevels: false, ...overrides.limits },
    ring: { ...base.ring, ...overrides.ring },
    distributor: { ...base.distributor, ...overrides.distributor },
    querier: { ...base.querier, ...overrides.querier },
    wal: { ...base.wal, ...overrides.wal },
    ruler: { ...base.ruler, ...overrides.ruler },
  } as NornConfig;
}

export async function startTestNorn(overrides: DeepPartial<NornConfig> = {}): Promise<RunningNorn & { config: NornConfig }> {
  const config = testConfig(overrides);
  const norn = await startNorn(config, pino({ level: config.logLevel }));
  await waitForReady(norn.address, 30_000);
  return Object.assign(norn, { config });
}

export async function waitForReady(baseUrl: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (child !== undefined && child.exitCode !== null) throw new Error(`norn exited with ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${baseUrl}/ready`);
      last = `${response.status} ${await response.text()}`;
      if (response.ok) return;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`norn at ${baseUrl} not ready after ${timeoutMs} ms: ${last}`);
}

export interface NornProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `norn run ARGS` from the build as a child process and waits until /ready says 200. */
export async function spawnNorn(
  args: readonly string[],
  options: { readyTimeoutMs?: number; waitReady?: boolean; nodeArgs?: readonly string[]; port?: number } = {},
): Promise<NornProcess> {
  // A given port lets a restarted process come back where its clients already point.
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), NORN_BIN, 'run', '--http-host', '127.0.0.1', '--http-port', String(port), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const handle: NornProcess = {
    url,
    port,
    child,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  process.once('exit', () => child.kill('SIGKILL'));
  if (options.waitReady !== false) {
    try {
      await waitForReady(url, options.readyTimeoutMs ?? 30_000, child);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n--- norn output ---\n${output}`);
    }
  }
  return handle;
}
