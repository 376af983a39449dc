// `norn canary`: flags, the metrics port, the run, the summary line.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { Canary, summaryLine } from './canary.js';
import { CANARY_HELP } from './help.js';

class UsageError extends Error {}

function durationMs(text: string, flag: string): number {
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let at = 0;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  while (at < text.length) {
    part.lastIndex = at;
    const match = part.exec(text);
    if (match === null) throw new UsageError(`${flag}: invalid duration ${JSON.stringify(text)} (e.g. 1s, 500ms, 5m)`);
    total += Number(match[1]) * unit[match[2]!]!;
    at = part.lastIndex;
  }
  if (total <= 0 && flag !== '--duration') throw new UsageError(`${flag}: must be more than 0`);
  return total;
}

function tailDelay(text: string): number {
  if (!/^[0-5]$/.test(text)) throw new UsageError(`--tail-delay: expected whole seconds from 0 to 5, got ${JSON.stringify(text)}`);
  return Number(text);
}

export async function runCanaryCommand(argv: readonly string[]): Promise<number> {
  let canary: Canary;
  let port: number;
  let host: string;
  let durationLimitMs: number;
  try {
    const { values } = (() => {
      try {
        return parseArgs({
          args: [...argv],
          options: {
            addr: { type: 'string' },
            'org-id': { type: 'string' },
            username: { type: 'string' },
            password: { type: 'string' },
            interval: { type: 'string' },
            size: { type: 'string' },
            wait: { type: 'string' },
            'check-interval': { type: 'string' },
            duration: { type: 'string' },
            'output-file': { type: 'string' },
            labelname: { type: 'string' },
            labelvalue: { type: 'string' },
            streamname: { type: 'string' },
            streamvalue: { type: 'string' },
            instance: { type: 'string' },
            'no-tail': { type: 'boolean' },
            'tail-delay': { type: 'string' },
            port: { type: 'string' },
            'metrics-host': { type: 'string' },
            timeout: { type: 'string' },
            help: { type: 'boolean', short: 'h' },
          },
        });
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    })();
    if (values.help === true) {
      process.stdout.write(CANARY_HELP);
      return 0;
    }
    const addr = (values.addr ?? process.env['LOKI_ADDR'] ?? 'http://localhost:3100').replace(/\/+$/, '');
    if (!/^https?:\/\//.test(addr)) throw new UsageError(`--addr: expected an http(s) URL, got ${addr}`);
    const headers: Record<string, string> = { 'User-Agent': 'norn-canary' };
    const orgId = values['org-id'] ?? process.env['LOKI_ORG_ID'];
    if (orgId !== undefined && orgId !== '') headers['X-Scope-OrgID'] = orgId;
    const username = values.username ?? process.env['LOKI_USERNAME'];
    if (username !== undefined) headers['Authorization'] = `Basic ${Buffer.from(`${username}:${values.password ?? process.env['LOKI_PASSWORD'] ?? ''}`).toString('base64')}`;
    const size = Number(values.size ?? '100');
    if (!Number.isInteger(size) || size < 1) throw new UsageError('--size: expected a positive number of bytes');
    port = Number(values.port ?? '3500');
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port: expected a port number (0: any free port)');
    host = values['metrics-host'] ?? '0.0.0.0';
    durationLimitMs = values.duration === undefined ? 0 : durationMs(values.duration, '--duration');
    const streamLabel = values.streamname ?? 'stream';
    const labels = {
      [values.labelname ?? 'name']: values.labelvalue ?? 'norn-canary',
      instance: values.instance ?? hostname(),
      [streamLabel]: values.streamvalue ?? 'stdout',
    };
    canary = new Canary({
      addr,
      headers,
      labels,
      ...(values['output-file'] !== undefined ? { outputFile: values['output-file'] } : {}),
      timeoutMs: durationMs(values.timeout ?? '10s', '--timeout'),
      runId: randomBytes(4).toString('hex'),
      streamLabel,
      intervalMs: durationMs(values.interval ?? '1s', '--interval'),
      size,
      waitMs: durationMs(values.wait ?? '60s', '--wait'),
      checkIntervalMs: durationMs(values['check-interval'] ?? '1m', '--check-interval'),
      tail: values['no-tail'] !== true,
      tailDelaySeconds: tailDelay(values['tail-delay'] ?? '1'),
      log: (message) => process.stderr.write(`norn canary: ${message}\n`),
    });
  } catch (error) {
    process.stderr.write(`norn canary: ${(error as Error).message}\nRun "norn canary --help" for usage.\n`);
    return 2;
  }

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(path === '/ready' ? 200 : 404, { 'Content-Type': 'text/plain' }).end(path === '/ready' ? 'ready\n' : '404 page not found\n');
      return;
    }
    canary.metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'Content-Type': canary.metrics.registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    process.stderr.write(`norn canary: cannot listen on ${host}:${port}: ${(error as Error).message} (choose another --port)\n`);
    return 1;
  }
  const address = server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  process.stderr.write(`norn canary: writing ${canary.selector}, metrics on :${boundPort}/metrics\n`);
  canary.start();

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
    if (durationLimitMs > 0) setTimeout(resolve, durationLimitMs).unref();
  });
  const summary = await canary.stop();
  process.stdout.write(`${summaryLine(summary)}\n`);
  server.close();
  const clean = summary.missing === 0 && summary.duplicates === 0 && summary.unexpected === 0;
  process.exit(clean ? 0 : 1);
}
