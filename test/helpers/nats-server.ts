// Starts a real nats-server (Debian's package) on a free loopback port, with JetStream in a
// temporary store dir and an 8 MiB max_payload, for tests that need the real wire. The server
// can be stopped, restarted on the same port and store (JetStream data survives), and paused
// with SIGSTOP to look like a hung server. Every server started here dies with the test process.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServerHandle {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** Stops the server (SIGTERM, or the given signal); the store dir stays for `restart()`. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the server if it runs, then starts it again on the same port and store dir. */
  restart(): Promise<void>;
  /** SIGSTOP: the server holds its connections but answers nothing. Resolves once it has stopped. */
  pause(): Promise<void>;
  /** SIGCONT after `pause()`; resolves once it runs again. */
  resume(): Promise<void>;
  /** Stops the server for good and deletes its store dir (call it in `afterAll`). */
  dispose(): Promise<void>;
}

export interface NatsServerOptions {
  /** Default 8 MiB, the same as the in-process bus. */
  readonly maxPayloadBytes?: number;
  /** How long to wait for the server to accept connections (default 15 s). */
  readonly startTimeoutMs?: number;
}

const INSTALL_HINT = 'install nats-server: apt-get install nats-server';
// Test runners may load this module once per test file in one process: share one registry and
// one exit hook through a global, so servers from every file are cleaned up exactly once. The
// hook is a fallback (a runner may kill its workers without an exit event): call `dispose()`.
interface Registry {
  readonly running: Set<ChildProcess>;
  readonly storeDirs: Set<string>;
}
const REGISTRY = Symbol.for('norn.test.nats-servers');
const registry: Registry = ((globalThis as Record<symbol, Registry | undefined>)[REGISTRY] ??= (() => {
  const created: Registry = { running: new Set(), storeDirs: new Set() };
  process.once('exit', () => {
    for (const child of created.running) child.kill('SIGKILL');
    for (const dir of created.storeDirs) rmSync(dir, { recursive: true, force: true });
  });
  return created;
})());
const { running, storeDirs } = registry;

/** The nats-server binary: on PATH, or where Debian puts it (/usr/sbin is not on every user's PATH). */
export function natsServerBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  const onPath = found.status === 0 ? found.stdout.trim() : '';
  if (onPath !== '') return onPath;
  const known = ['/usr/sbin/nats-server', '/usr/local/sbin/nats-server', '/usr/local/bin/nats-server'].find(existsSync);
  if (known !== undefined) return known;
  throw new Error(`nats-server was not found; ${INSTALL_HINT}`);
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const binary = natsServerBinary();
  const port = await freePort();
  const root = mkdtempSync(join(tmpdir(), 'norn-nats-'));
  storeDirs.add(root);
  const storeDir = join(root, 'jetstream');
  const configFile = join(root, 'nats.conf');
  writeFileSync(
    configFile,
    [
      `listen: "127.0.0.1:${port}"`,
      `max_payload: ${options.maxPayloadBytes ?? 8 * 1024 * 1024}`,
      `jetstream {`,
      `  store_dir: ${JSON.stringify(storeDir)}`,
      `}`,
      '',
    ].join('\n'),
  );
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  let child: ChildProcess | undefined = await launch(binary, configFile, port, startTimeoutMs);

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const current = child;
    child = undefined;
    if (current === undefined) return;
    current.kill('SIGCONT'); // a paused server cannot act on SIGTERM
    await exitOf(current, signal);
  };

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop,
    restart: async () => {
      await stop();
      child = await launch(binary, configFile, port, startTimeoutMs);
    },
    pause: () => signalAndWait(child, 'SIGSTOP', true),
    resume: () => signalAndWait(child, 'SIGCONT', false),
    dispose: async () => {
      await stop();
      rmSync(root, { recursive: true, force: true });
      storeDirs.delete(root);
    },
  };
}

/** Signals are delivered asynchronously: wait until the process state says it took effect. */
async function signalAndWait(child: ChildProcess | undefined, signal: NodeJS.Signals, stopped: boolean): Promise<void> {
  if (child?.pid === undefined) return;
  child.kill(signal);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const state = processState(child.pid);
    if (state === undefined || (state === 'T') === stopped) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The state letter from /proc/<pid>/stat (R, S, T, ...); undefined where /proc is missing. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

async function launch(binary: string, configFile: string, port: number, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  });
  child.once('exit', () => running.delete(child));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`nats-server could not start (${INSTALL_HINT})`, { cause: error })));
    child.once('exit', (code) => reject(new Error(`nats-server exited with code ${String(code)} while starting:\n${output}`)));
  });
  failed.catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.race([acceptsClients(port), failed]))) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not accept connections on port ${port} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}

/** True once the server greets a client with its INFO line. */
function acceptsClients(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString('utf8').startsWith('INFO')));
  });
}

function exitOf(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
