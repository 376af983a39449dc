// Starts Debian's Prometheus (with the remote-write receiver on) and Alertmanager on free
// loopback ports, each with a temporary config and storage dir, for the ruler's tests. Both die
// with the test process; call `dispose()` in `afterAll`.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './norn.js';

export interface ServerHandle {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  dispose(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function binary(names: readonly string[], hint: string): string {
  for (const name of names) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim();
    for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin']) if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${names[0]} was not found; ${hint}`);
}

/** True when both servers are installed (the test command installs them when it runs as root). */
export function prometheusServersInstalled(): boolean {
  try {
    binary(['prometheus'], '');
    binary(['prometheus-alertmanager', 'alertmanager'], '');
    return true;
  } catch {
    return false;
  }
}

async function launch(name: string, command: string, args: string[], url: string, root: string): Promise<ServerHandle> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  });
  child.once('exit', () => running.delete(child));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} while starting:\n${output}`);
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    dispose: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        });
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export async function startPrometheus(): Promise<ServerHandle> {
  const command = binary(['prometheus'], 'install it: apt-get install prometheus');
  const root = mkdtempSync(join(tmpdir(), 'norn-prometheus-'));
  const config = join(root, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return launch(
    'prometheus',
    command,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(root, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--log.level=warn'],
    url,
    root,
  );
}

export async function startAlertmanager(): Promise<ServerHandle> {
  const command = binary(['prometheus-alertmanager', 'alertmanager'], 'install it: apt-get install prometheus-alertmanager');
  const root = mkdtempSync(join(tmpdir(), 'norn-alertmanager-'));
  const config = join(root, 'alertmanager.yml');
  writeFileSync(config, "route:\n  receiver: 'null'\n  group_wait: 1s\nreceivers:\n  - name: 'null'\n");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return launch(
    'alertmanager',
    command,
    [`--config.file=${config}`, `--storage.path=${join(root, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    url,
    root,
  );
}
