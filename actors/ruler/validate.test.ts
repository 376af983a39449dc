import { describe, expect, it } from 'vitest';
import { compileGroup } from './group.js';
import { alertInputs } from './evaluate-rule.js';
import { BAD_RULE_GROUP, groupToYaml, parseGroupBody, parseRuleFile } from './rule-format.js';
import { NOT_A_METRIC_QUERY, validateGroups } from './validate.js';

const group = (rules: unknown[], name = 'checkout') => parseGroupBody(JSON.stringify({ name, rules }));

describe('parseGroupBody', () => {
  it('reads a group and writes it back in Prometheus field order', () => {
    const body = [
      'name: checkout',
      'interval: 30s',
      'rules:',
      '  - alert: HighErrors',
      '    expr: sum(count_over_time({app="checkout"} |= "error" [1m])) > 5',
      '    for: 2m',
      '    labels: {severity: page}',
      '    annotations: {summary: "{{ $value }} errors"}',
      '  - record: app:errors:rate1m',
      '    expr: sum by (app) (rate({app="checkout"} |= "error" [1m]))',
    ].join('\n');
    const parsed = parseGroupBody(body);
    expect(parsed).toEqual({
      name: 'checkout',
      interval: '30s',
      rules: [
        {
          alert: 'HighErrors',
          expr: 'sum(count_over_time({app="checkout"} |= "error" [1m])) > 5',
          for: '2m',
          labels: { severity: 'page' },
          annotations: { summary: '{{ $value }} errors' },
        },
        { record: 'app:errors:rate1m', expr: 'sum by (app) (rate({app="checkout"} |= "error" [1m]))' },
      ],
    });
    expect(parseGroupBody(groupToYaml(parsed))).toEqual(parsed);
    expect(validateGroups([parsed])).toEqual([]);
  });

  it("answers Loki's message for a body that is not a group", () => {
    for (const body of ['- a\n- b', 'name: [unclosed', 'name: x\ninterval: soon\nrules: []', 'just text']) {
      expect(() => parseGroupBody(body)).toThrow(BAD_RULE_GROUP);
    }
  });
});

describe('validateGroups', () => {
  it("uses Loki's wording for each problem", () => {
    const cases: Array<[unknown, string]> = [
      [{ alert: 'A', record: 'b', expr: 'vector(1)' }, "only one of 'record' and 'alert' must be set"],
      [{ expr: 'vector(1)' }, "one of 'record' or 'alert' must be set"],
      [{ alert: 'A' }, "field 'expr' must be set in rule"],
      [{ record: 'a:b', expr: 'vector(1)', annotations: { x: 'y' } }, "invalid field 'annotations' in recording rule"],
      [{ record: 'a:b', expr: 'vector(1)', for: '1m' }, "invalid field 'for' in recording rule"],
      [{ record: 'not-a-metric', expr: 'vector(1)' }, 'invalid recording rule name: not-a-metric'],
      [{ alert: 'A', expr: 'vector(1)', labels: { 'bad-name': 'x' } }, 'invalid label name: bad-name'],
      [{ alert: 'A', expr: 'vector(1)', labels: { __name__: 'x' } }, 'invalid label name: __name__'],
      [{ alert: 'A', expr: 'vector(1)', annotations: { '1x': 'y' } }, 'invalid annotation name: 1x'],
      [{ alert: 'A', expr: '{app="a"} |= "error"' }, `could not parse expression for alert 'A' in group 'checkout': ${NOT_A_METRIC_QUERY}`],
    ];
    for (const [rule, message] of cases) expect(validateGroups([group([rule])])).toEqual([message]);
  });

  it('wraps the LogQL parse error with the rule and group', () => {
    const [problem] = validateGroups([group([{ record: 'a:b', expr: 'sum(rate({app="a"}[1m])' }])]);
    expect(problem).toMatch(/^could not parse expression for record 'a:b' in group 'checkout': parse error at line 1, col \d+: /);
  });

  it('reports a bad template in a label or annotation', () => {
    const [problem] = validateGroups([group([{ alert: 'A', expr: 'vector(1)', annotations: { summary: '{{ $value ' } }])]);
    expect(problem).toMatch(/^annotation "summary": template: __alert_A/);
  });

  it('finds empty and repeated group names across a file, and every problem', () => {
    const file = parseRuleFile(
      'groups:\n- name: a\n  rules: [{alert: X, expr: "vector(1)"}]\n- name: a\n  rules: [{record: "1bad", expr: "vector(1)"}]\n- name: ""\n  rules: []\n',
      'ns.yaml',
    );
    expect(validateGroups(file)).toEqual(['groupname: "a" is repeated in the same file', 'invalid recording rule name: 1bad', 'group 2: Groupname must not be empty']);
  });

  it('refuses unknown fields in rule files, as Prometheus does', () => {
    expect(() => parseRuleFile('groups:\n- name: a\n  rulez: []\n', 'ns.yaml')).toThrow('ns.yaml: field rulez not found in type rulefmt.RuleGroup');
  });
});

describe('alert templates', () => {
  it('expands $labels, $value and .Labels, and adds alertname', () => {
    const compiled = compileGroup('fake', 'ns', group([{
      alert: 'HighErrors',
      expr: 'vector(1)',
      labels: { severity: 'page', team: '{{ $labels.app }}-team' },
      annotations: { summary: '{{ $labels.app }} logged {{ $value }} errors', description: 'app={{ .Labels.app }} v={{ printf "%.1f" .Value }}' },
    }]), 60_000);
    const rule = compiled.rules[0]!;
    if (rule.kind !== 'alerting') throw new Error('expected an alerting rule');
    const [alert] = alertInputs(rule, [{ labels: { app: 'checkout' }, value: 7 }], 1_700_000_000_000, { externalLabels: {}, externalUrl: '' });
    expect(alert).toEqual({
      labels: { alertname: 'HighErrors', app: 'checkout', severity: 'page', team: 'checkout-team' },
      annotations: { description: 'app=checkout v=7.0', summary: 'checkout logged 7 errors' },
      value: 7,
    });
  });
});
