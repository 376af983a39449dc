// The ruler end to end against real servers: Norn takes error lines, the ruler evaluates LogQL
// rules every second, a real Alertmanager receives the alert (firing, then resolved) and a real
// Prometheus receives the recorded series over remote write (values, then a staleness marker).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NOT_A_METRIC_QUERY, rulerConfigFromYaml } from '../actors/ruler/mod.js';
import { LokiClient, nowNs } from './helpers/loki-client.js';
import { startTestNorn } from './helpers/norn.js';
import { prometheusServersInstalled, startAlertmanager, startPrometheus, type ServerHandle } from './helpers/prometheus-servers.js';

const installed = prometheusServersInstalled();

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
  startsAt: string;
  endsAt: string;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out waiting for ${what}${last !== undefined ? `: ${String(last)}` : ''}`);
}

const GROUP = [
  'name: checkout-errors',
  'interval: 1s',
  'rules:',
  '  - alert: CheckoutErrors',
  '    expr: sum by (app) (count_over_time({app="checkout"} |= "error" [15s])) > 5',
  '    labels:',
  '      severity: page',
  '    annotations:',
  '      summary: "{{ $labels.app }} logged {{ $value }} errors in 15s"',
  '  - record: app:log_errors:count15s',
  '    expr: sum by (app) (count_over_time({app="checkout"} |= "error" [15s]))',
  '    labels:',
  '      source: norn',
].join('\n');

describe.skipIf(!installed)('ruler against a real Alertmanager and Prometheus', () => {
  let norn: Awaited<ReturnType<typeof startTestNorn>>;
  let prometheus: ServerHandle;
  let alertmanager: ServerHandle;

  beforeAll(async () => {
    [prometheus, alertmanager] = await Promise.all([startPrometheus(), startAlertmanager()]);
    // `norn run` as one process (--target all, which includes the ruler), its ruler configured as
    // the `ruler:` section of a config file would.
    norn = await startTestNorn({
      logLevel: process.env['RULER_TEST_LOG'] ?? 'silent',
      ruler: rulerConfigFromYaml({
        alertmanager_url: alertmanager.url,
        evaluation_interval: '1s',
        resend_delay: '1s',
        external_url: 'http://norn.example',
        remote_write: { url: `${prometheus.url}/api/v1/write` },
      }),
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([norn?.stop(), prometheus?.dispose(), alertmanager?.dispose()]);
  });

  it('fires the alert in Alertmanager, records the series in Prometheus, and resolves both when errors stop', async () => {
    const loki = new LokiClient(norn.address);
    const now = nowNs();
    const values: Array<[string, string]> = [];
    for (let i = 0; i < 7; i++) values.push([String(now - BigInt(7 - i) * 1_000_000n), `level=error msg="payment failed" attempt=${i}`]);
    values.push([String(now), 'level=info msg="payment ok"']);
    await loki.push([{ stream: { app: 'checkout', env: 'prod' }, values }]);
    const posted = await fetch(`${norn.address}/loki/api/v1/rules/shop`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: GROUP });
    expect(posted.status).toBe(202);

    const firing = await until('the alert in Alertmanager', async () => {
      const alerts = (await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as AmAlert[];
      return alerts.find((alert) => alert.labels['alertname'] === 'CheckoutErrors');
    });
    expect(firing.labels).toEqual({ alertname: 'CheckoutErrors', app: 'checkout', severity: 'page' });
    expect(firing.annotations).toEqual({ summary: 'checkout logged 7 errors in 15s' });
    expect(firing.status.state).toBe('active');

    const recorded = await until('the recorded series in Prometheus', async () => {
      const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent('app:log_errors:count15s')}`;
      const body = (await (await fetch(url)).json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      return body.data.result[0];
    });
    expect(recorded.metric).toEqual({ __name__: 'app:log_errors:count15s', app: 'checkout', source: 'norn' });
    expect(recorded.value[1]).toBe('7');

    // Norn's Prometheus API (what Grafana's alerting UI reads), from the state saved after each evaluation.
    const alert = await until('Norn to list the alert as firing', async () => {
      const body = (await (await fetch(`${norn.address}/prometheus/api/v1/alerts`)).json()) as { data: { alerts: Array<Record<string, unknown>> } };
      return body.data.alerts.find((a) => a['state'] === 'firing');
    });
    expect(alert).toMatchObject({ labels: firing.labels, annotations: firing.annotations, value: '7e+00' });
    const rules = (await (await fetch(`${norn.address}/prometheus/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string; file: string; rules: Array<Record<string, unknown>> }> } };
    expect(rules.data.groups.map((g) => [g.file, g.name])).toEqual([['shop', 'checkout-errors']]);
    expect(rules.data.groups[0]!.rules.map((r) => [r['type'], r['name'], r['health']])).toEqual([
      ['alerting', 'CheckoutErrors', 'ok'],
      ['recording', 'app:log_errors:count15s', 'ok'],
    ]);

    // No new errors: the 15 s window empties, the alert resolves and the series goes stale.
    await until('the alert to resolve', async () => {
      const alerts = (await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as AmAlert[];
      return alerts.some((a) => a.labels['alertname'] === 'CheckoutErrors') ? undefined : true;
    });
    await until('the recorded series to go stale', async () => {
      const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent('app:log_errors:count15s')}`;
      const body = (await (await fetch(url)).json()) as { data: { result: unknown[] } };
      return body.data.result.length === 0 ? true : undefined;
    });
    await until('Norn to list no alert', async () => {
      const body = (await (await fetch(`${norn.address}/prometheus/api/v1/alerts`)).json()) as { data: { alerts: unknown[] } };
      return body.data.alerts.length === 0 ? true : undefined;
    });

    const metrics = await (await fetch(`${norn.address}/metrics`)).text();
    expect(metrics).toMatch(/norn_prometheus_rule_evaluations_total\{user="fake",rule_group="shop;checkout-errors"\} [1-9]/);
    expect(metrics).toMatch(/norn_prometheus_rule_evaluation_failures_total\{user="fake",rule_group="shop;checkout-errors"\} 0/);
    expect(metrics).toMatch(/norn_ruler_remote_write_samples_total [1-9]/);
    expect(metrics).toMatch(/norn_prometheus_notifications_sent_total\{alertmanager="[^"]+"\} [1-9]/);
    expect(metrics).toMatch(/norn_ruler_remote_write_samples_failed_total 0/);
    expect(metrics).toMatch(/norn_ruler_remote_write_samples_dropped_total 0/);
    expect(metrics).toMatch(/norn_ruler_remote_write_samples_pending 0/);
  }, 120_000);

  it('refuses a log query and bad LogQL with 400, and keeps evaluating', async () => {
    const bad = await fetch(`${norn.address}/loki/api/v1/rules/shop`, {
      method: 'POST',
      body: 'name: bad\nrules:\n  - alert: LogQuery\n    expr: \'{app="checkout"} |= "error"\'\n',
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe(`could not parse expression for alert 'LogQuery' in group 'bad': ${NOT_A_METRIC_QUERY}\n`);
    const listed = await fetch(`${norn.address}/loki/api/v1/rules/shop`);
    expect(Object.keys(parse(await listed.text()) as object)).toEqual(['shop']);
    expect(((parse(await (await fetch(`${norn.address}/loki/api/v1/rules/shop`)).text()) as Record<string, Array<{ name: string }>>)['shop'] ?? []).map((g) => g.name)).toEqual(['checkout-errors']);
  });
});
