// Runs the built `norn` command for the tools' end-to-end tests: one-shot commands with their
// exit code and output, long-running ones (tail, agent, canary, a node) as handles.

import { spawn, type ChildProcess } from 'node:child_process';
import { NORN_BIN, REPO_ROOT, waitForReady } from '../helpers/norn.js';

/** The build under test; NORN_TEST_BIN points at another build of the same tree. */
export const BIN = process.env['NORN_TEST_BIN'] ?? NORN_BIN;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const BASE_ENV = { ...process.env, NO_COLOR: '', LOKI_ADDR: '', LOKI_ORG_ID: '', NORN_LOG_FORMAT: 'json' };

export async function norn(args: readonly string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...BASE_ENV, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin!.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once `pattern` appears in stdout (or stderr), polling; throws after `timeoutMs`. */
  waitFor(pattern: RegExp, where?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export function nornProcess(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...BASE_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  process.once('exit', () => child.kill('SIGKILL'));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(pattern, where = 'stdout', timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = (where === 'stdout' ? out : err).match(pattern);
        if (match !== null) return match;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`${pattern} not seen in ${where} (exit ${child.exitCode})\n--- stdout ---\n${out.slice(-3000)}\n--- stderr ---\n${err.slice(-3000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** `norn run` on a fixed port (so a restart comes back at the same address), ready. */
export async function nornNode(port: number, args: readonly string[]): Promise<CliProcess & { url: string }> {
  const node = nornProcess(['run', '--http-host', '127.0.0.1', '--http-port', String(port), '--log-level', 'warn', ...args]);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForReady(url, 60_000, node.child);
  } catch (error) {
    await node.stop('SIGKILL');
    throw new Error(`${(error as Error).message}\n${node.stdout()}${node.stderr()}`);
  }
  return Object.assign(node, { url });
}

export async function push(url: string, streams: ReadonlyArray<{ stream: Record<string, string>; values: Array<[string, string]> }>, headers: Record<string, string> = {}): Promise<void> {
  const response = await fetch(`${url}/loki/api/v1/push`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ streams }) });
  if (response.status !== 204) throw new Error(`push answered ${response.status}: ${await response.text()}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value, up to `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(200);
  }
}

/** The value of one sample in a Prometheus text page. */
export function metricValue(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match === null ? undefined : Number(match[1]);
}
