import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultRulerConfig, rulerConfigFromYaml } from './config.js';

describe('rulerConfigFromYaml', () => {
  it("reads Loki's names", () => {
    const yaml = parse(`
alertmanager_url: http://am-1:9093, http://am-2:9093/alertmanager
evaluation_interval: 30s
poll_interval: 10s
resend_delay: 2m
external_url: https://grafana.example
external_labels: {cluster: eu-1}
rule_path: /tmp/rules
storage:
  type: local
  local:
    directory: /etc/norn/rules
remote_write:
  enabled: true
  client:
    url: http://prometheus:9090/api/v1/write
    headers: {X-Scope-OrgID: ruler}
    basic_auth: {username: u, password: p}
    queue_config: {capacity: 500, max_samples_per_send: 100, min_backoff: 50ms, max_backoff: 10s}
`);
    const config = rulerConfigFromYaml(yaml);
    expect(config).toMatchObject({
      alertmanagerUrls: ['http://am-1:9093', 'http://am-2:9093/alertmanager'],
      evaluationIntervalMs: 30_000,
      pollIntervalMs: 10_000,
      resendDelayMs: 120_000,
      externalUrl: 'https://grafana.example',
      externalLabels: { cluster: 'eu-1' },
      rulePath: '/tmp/rules',
      storage: { type: 'local', directory: '/etc/norn/rules' },
      remoteWrite: {
        url: 'http://prometheus:9090/api/v1/write',
        headers: { 'X-Scope-OrgID': 'ruler' },
        basicAuth: { username: 'u', password: 'p' },
        queueCapacity: 500,
        maxSamplesPerSend: 100,
        minBackoffMs: 50,
        maxBackoffMs: 10_000,
      },
    });
  });

  it('defaults to a 1m interval, rules under the data dir, and no Alertmanager or remote write', () => {
    const config = rulerConfigFromYaml(undefined, defaultRulerConfig('/var/lib/norn/'));
    expect(config).toMatchObject({ alertmanagerUrls: [], evaluationIntervalMs: 60_000, storage: { type: 'local', directory: '/var/lib/norn/rules' } });
    expect(config.remoteWrite.url).toBeUndefined();
    expect(rulerConfigFromYaml({ remote_write: { url: 'http://p/api/v1/write' }, storage: { type: 's3' } })).toMatchObject({
      remoteWrite: { url: 'http://p/api/v1/write' },
      storage: { type: 'object' },
    });
  });

  it('names the setting that is wrong', () => {
    expect(() => rulerConfigFromYaml({ evaluation_interval: 'soon' })).toThrow('ruler.evaluation_interval: not a valid duration string: "soon"');
    expect(() => rulerConfigFromYaml({ storage: { type: 'gcs' } })).toThrow('ruler.storage.type: must be local, s3 or object, got "gcs"');
    expect(() => rulerConfigFromYaml({ alertmanager_urls: 'x' })).toThrow('ruler.alertmanager_urls: unknown setting');
  });
});
