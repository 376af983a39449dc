import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { parse as parseYaml } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalRuleStore } from '../actors/ruler/local-rule-store.js';
import { StoredRulesService } from '../actors/ruler/rules-service.js';
import { ObjectGroupStateStore } from '../actors/ruler/state-store.js';
import { MemoryStore } from '../storage/memory-store.js';
import { emptyQueryService } from '../test/helpers/fake-services.js';
import { createHttpServer } from './server.js';
import { goExponent, goTime } from './rules-routes.js';

let app: ReturnType<typeof createHttpServer> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function start(auth = false) {
  const dir = mkdtempSync(join(tmpdir(), 'norn-rules-'));
  const state = new ObjectGroupStateStore(new MemoryStore());
  const rules = new StoredRulesService({ rules: new LocalRuleStore(dir), state, evaluationIntervalMs: 60_000 });
  app = createHttpServer({
    push: { push: async () => {} },
    query: emptyQueryService(),
    logger: pino({ level: 'silent' }),
    auth,
    registry: new Registry(),
    isReady: () => true,
    buildInfo: { version: '3.4.2', revision: 'abc123', branch: 'main' },
    limits: { maxBodyBytes: 1 << 20 },
    rules,
  });
  return { app, dir, state };
}

const GROUP = `name: errors
interval: 30s
rules:
  - alert: HighErrors
    expr: sum by (app) (count_over_time({app="checkout"} |= "error" [1m])) > 5
    for: 1m
    labels:
      severity: page
    annotations:
      summary: "{{ $labels.app }} errors"
  - record: app:errors:count1m
    expr: sum by (app) (count_over_time({app="checkout"} |= "error" [1m]))
`;

const post = (url: string, payload: string) => app!.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/yaml' } });

describe('Loki rules API', () => {
  it('answers 404 "no rule groups found" with no rules, then stores, lists and deletes groups as YAML', async () => {
    start();
    const empty = await app!.inject({ method: 'GET', url: '/loki/api/v1/rules' });
    expect([empty.statusCode, empty.body]).toEqual([404, 'no rule groups found\n']);

    const created = await post('/loki/api/v1/rules/shop', GROUP);
    expect(created.statusCode).toBe(202);
    expect(JSON.parse(created.body)).toMatchObject({ status: 'success' });

    const all = await app!.inject({ method: 'GET', url: '/loki/api/v1/rules' });
    expect(all.statusCode).toBe(200);
    expect(all.headers['content-type']).toBe('application/yaml');
    expect(parseYaml(all.body)).toEqual({ shop: [parseYaml(GROUP)] });

    const one = await app!.inject({ method: 'GET', url: '/loki/api/v1/rules/shop/errors' });
    expect(parseYaml(one.body)).toEqual(parseYaml(GROUP));
    const namespace = await app!.inject({ method: 'GET', url: '/loki/api/v1/rules/shop' });
    expect(Object.keys(parseYaml(namespace.body) as object)).toEqual(['shop']);

    // The same name again replaces the group; it never appears twice.
    await post('/loki/api/v1/rules/shop', GROUP.replace('interval: 30s', 'interval: 10s'));
    const replaced = parseYaml((await app!.inject({ method: 'GET', url: '/loki/api/v1/rules/shop' })).body) as Record<string, Array<{ interval: string }>>;
    expect(replaced['shop']!.map((g) => g.interval)).toEqual(['10s']);

    const missing = await app!.inject({ method: 'GET', url: '/loki/api/v1/rules/shop/nope' });
    expect([missing.statusCode, missing.body]).toEqual([404, 'group does not exist\n']);
    const missingNs = await app!.inject({ method: 'GET', url: '/loki/api/v1/rules/nope' });
    expect([missingNs.statusCode, missingNs.body]).toEqual([404, 'no rule groups found\n']);

    expect((await app!.inject({ method: 'DELETE', url: '/loki/api/v1/rules/shop/nope' })).body).toBe('group does not exist\n');
    expect((await app!.inject({ method: 'DELETE', url: '/loki/api/v1/rules/shop/errors' })).statusCode).toBe(202);
    const gone = await app!.inject({ method: 'DELETE', url: '/loki/api/v1/rules/shop' });
    expect([gone.statusCode, gone.body]).toEqual([404, 'group namespace does not exist\n']);
  });

  it("refuses invalid groups with 400 and Loki's wording, and keeps serving", async () => {
    start();
    const cases: Array<[string, string | RegExp]> = [
      ['this is: [not yaml', 'unable to decoded rule group\n'],
      ['- a list', 'unable to decoded rule group\n'],
      ['name: g\nrules:\n  - alert: A\n    expr: \'{app="a"}\'\n', "could not parse expression for alert 'A' in group 'g': a rule needs a metric query (such as count_over_time or rate), not a log query\n"],
      ['name: g\nrules:\n  - record: a:b\n    expr: sum(rate({app="a"}[1m])\n', /^could not parse expression for record 'a:b' in group 'g': parse error at line 1, col \d+: .+\n$/],
      ['name: g\nrules:\n  - record: 1bad\n    expr: vector(1)\n  - alert: B\n', "invalid recording rule name: 1bad, field 'expr' must be set in rule\n"],
      ['rules: []\n', 'group 0: Groupname must not be empty\n'],
    ];
    for (const [body, message] of cases) {
      const response = await post('/loki/api/v1/rules/ns', body);
      expect(response.statusCode, body).toBe(400);
      if (typeof message === 'string') expect(response.body).toBe(message);
      else expect(response.body).toMatch(message);
    }
    expect((await app!.inject({ method: 'GET', url: '/loki/api/v1/rules' })).statusCode).toBe(404);
    expect((await post('/loki/api/v1/rules/ns', GROUP)).statusCode).toBe(202);
  });

  it('lists rule files written by hand, and requires an org id with auth', async () => {
    const { dir } = start(true);
    mkdirSync(join(dir, 'team-a'), { recursive: true });
    writeFileSync(join(dir, 'team-a', 'ops.yml'), `groups:\n- name: g1\n  rules:\n  - record: r:one\n    expr: vector(1)\n`);
    const noOrg = await app!.inject({ method: 'GET', url: '/loki/api/v1/rules' });
    expect([noOrg.statusCode, noOrg.body]).toEqual([401, 'no org id\n']);
    const listed = await app!.inject({ method: 'GET', url: '/loki/api/v1/rules', headers: { 'x-scope-orgid': 'team-a' } });
    expect(parseYaml(listed.body)).toEqual({ ops: [{ name: 'g1', rules: [{ record: 'r:one', expr: 'vector(1)' }] }] });
    const other = await app!.inject({ method: 'GET', url: '/loki/api/v1/rules', headers: { 'x-scope-orgid': 'team-b' } });
    expect(other.statusCode).toBe(404);
  });
});

describe('Prometheus rules and alerts API', () => {
  it("answers Prometheus' JSON with each rule's state and alerts", async () => {
    const { state } = start();
    await post('/loki/api/v1/rules/shop', GROUP);
    const evaluatedAt = Date.UTC(2024, 0, 2, 3, 4, 5, 500);
    await state.save(
      { tenant: 'fake', namespace: 'shop', group: 'errors' },
      {
        lastEvaluationMs: evaluatedAt,
        evaluationSeconds: 0.25,
        ruler: 'ruler-1',
        rules: [
          {
            id: '0:alerting:HighErrors',
            health: 'ok',
            lastError: '',
            lastEvaluationMs: evaluatedAt,
            evaluationSeconds: 0.125,
            alerts: [
              {
                labels: { alertname: 'HighErrors', app: 'checkout', severity: 'page' },
                annotations: { summary: 'checkout errors' },
                state: 'firing',
                value: 7,
                activeAtMs: evaluatedAt - 60_000,
                firedAtMs: evaluatedAt,
              },
            ],
          },
          { id: '1:recording:app:errors:count1m', health: 'err', lastError: 'boom', lastEvaluationMs: evaluatedAt, evaluationSeconds: 0.1, alerts: [] },
        ],
      },
    );
    const response = await app!.inject({ method: 'GET', url: '/prometheus/api/v1/rules' });
    expect(response.statusCode).toBe(200);
    const alert = { labels: { alertname: 'HighErrors', app: 'checkout', severity: 'page' }, annotations: { summary: 'checkout errors' }, state: 'firing', activeAt: '2024-01-02T03:03:05.5Z', value: '7e+00' };
    expect(JSON.parse(response.body)).toEqual({
      status: 'success',
      data: {
        groups: [
          {
            name: 'errors',
            file: 'shop',
            interval: 30,
            limit: 0,
            lastEvaluation: '2024-01-02T03:04:05.5Z',
            evaluationTime: 0.25,
            rules: [
              {
                state: 'firing',
                name: 'HighErrors',
                query: 'sum by (app) (count_over_time({app="checkout"} |= "error" [1m])) > 5',
                duration: 60,
                keepFiringFor: 0,
                labels: { severity: 'page' },
                annotations: { summary: '{{ $labels.app }} errors' },
                alerts: [alert],
                health: 'ok',
                lastError: '',
                type: 'alerting',
                lastEvaluation: '2024-01-02T03:04:05.5Z',
                evaluationTime: 0.125,
              },
              {
                name: 'app:errors:count1m',
                query: 'sum by (app) (count_over_time({app="checkout"} |= "error" [1m]))',
                labels: {},
                health: 'err',
                lastError: 'boom',
                type: 'recording',
                lastEvaluation: '2024-01-02T03:04:05.5Z',
                evaluationTime: 0.1,
              },
            ],
          },
        ],
      },
    });

    const alerts = await app!.inject({ method: 'GET', url: '/prometheus/api/v1/alerts' });
    expect(JSON.parse(alerts.body)).toEqual({ status: 'success', data: { alerts: [alert] } });

    const recordOnly = JSON.parse((await app!.inject({ method: 'GET', url: '/prometheus/api/v1/rules?type=record' })).body);
    expect(recordOnly.data.groups[0].rules.map((r: { type: string }) => r.type)).toEqual(['recording']);
    const noMatch = JSON.parse((await app!.inject({ method: 'GET', url: '/prometheus/api/v1/rules?rule_name[]=nothing' })).body);
    expect(noMatch.data.groups).toEqual([]);
    const bad = await app!.inject({ method: 'GET', url: '/prometheus/api/v1/rules?type=bogus' });
    expect([bad.statusCode, JSON.parse(bad.body)]).toEqual([400, { status: 'error', errorType: 'bad_data', error: 'unsupported rule type "bogus"' }]);
  });

  it('prints values and times as Go does', () => {
    expect([goExponent(7), goExponent(0.5), goExponent(12.5), goExponent(1e21), goExponent(0)]).toEqual(['7e+00', '5e-01', '1.25e+01', '1e+21', '0e+00']);
    expect([goTime(0), goTime(Date.UTC(2024, 0, 1)), goTime(Date.UTC(2024, 0, 1, 0, 0, 0, 120))]).toEqual([
      '0001-01-01T00:00:00Z',
      '2024-01-01T00:00:00Z',
      '2024-01-01T00:00:00.12Z',
    ]);
  });
});
