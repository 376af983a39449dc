import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { rulerMetrics } from './metrics.js';
import { AlertmanagerNotifier, alertsEndpoint } from './notifier.js';

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
});

async function alertmanager(status: number): Promise<{ url: string; bodies: unknown[]; paths: string[] }> {
  const bodies: unknown[] = [];
  const paths: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      paths.push(request.url ?? '');
      bodies.push(JSON.parse(body));
      response.writeHead(status).end(status === 200 ? '' : 'bad alerts');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, paths };
}

const alert = (name: string) => ({
  labels: { alertname: name },
  annotations: { summary: 's' },
  startsAtMs: Date.UTC(2024, 0, 1),
  endsAtMs: Date.UTC(2024, 0, 1, 0, 4),
  generatorUrl: 'http://norn/graph',
});

describe('AlertmanagerNotifier', () => {
  it("posts Alertmanager's v2 JSON to every URL, counting sends and errors per Alertmanager", async () => {
    const good = await alertmanager(200);
    const bad = await alertmanager(400);
    const registry = new Registry();
    const notifier = new AlertmanagerNotifier({
      urls: [good.url, `${bad.url}/am/`],
      capacity: 100,
      timeoutMs: 5_000,
      externalLabels: { cluster: 'eu-1' },
      metrics: rulerMetrics(registry),
      logger: pino({ level: 'silent' }),
    });
    notifier.send('fake', [alert('A'), alert('B')]);
    await notifier.flush();
    expect(good.paths).toEqual(['/api/v2/alerts']);
    expect(bad.paths).toEqual(['/am/api/v2/alerts']);
    expect(good.bodies[0]).toEqual([
      { labels: { cluster: 'eu-1', alertname: 'A' }, annotations: { summary: 's' }, startsAt: '2024-01-01T00:00:00.000Z', endsAt: '2024-01-01T00:04:00.000Z', generatorURL: 'http://norn/graph' },
      { labels: { cluster: 'eu-1', alertname: 'B' }, annotations: { summary: 's' }, startsAt: '2024-01-01T00:00:00.000Z', endsAt: '2024-01-01T00:04:00.000Z', generatorURL: 'http://norn/graph' },
    ]);
    const metrics = await registry.metrics();
    expect(metrics).toContain(`norn_prometheus_notifications_sent_total{alertmanager="${good.url}/api/v2/alerts"} 2`);
    expect(metrics).toContain(`norn_prometheus_notifications_errors_total{alertmanager="${bad.url}/am/api/v2/alerts"} 2`);
    expect(metrics).toContain('norn_prometheus_notifications_dropped_total 0');
  });

  it('counts a batch no Alertmanager took, and the oldest notifications beyond the queue, as dropped', async () => {
    const registry = new Registry();
    const notifier = new AlertmanagerNotifier({
      urls: ['http://127.0.0.1:9'],
      capacity: 2,
      timeoutMs: 2_000,
      externalLabels: {},
      metrics: rulerMetrics(registry),
      logger: pino({ level: 'silent' }),
    });
    notifier.send('fake', [alert('A'), alert('B'), alert('C')]);
    await notifier.flush();
    expect(await registry.metrics()).toContain('norn_prometheus_notifications_dropped_total 3');
  });

  it('accepts a base URL or the full endpoint', () => {
    expect(alertsEndpoint('http://am:9093')).toBe('http://am:9093/api/v2/alerts');
    expect(alertsEndpoint('http://am:9093/api/v2/alerts')).toBe('http://am:9093/api/v2/alerts');
  });
});
