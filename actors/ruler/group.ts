// A rule group ready to evaluate: durations in ms, templates parsed, and the identity (tenant,
// namespace, name) that places it on the ruler ring and names its saved state.

import type { CompiledTemplate } from '../../logql/log/template/exec.js';
import { parsePromDuration } from '../../core/go/mod.js';
import { tokenFor } from '../ring/tokens.js';
import type { RuleDefinition, RuleGroupDefinition } from './rule-format.js';
import { parseAlertTemplate } from './templates.js';

export interface GroupKey {
  readonly tenant: string;
  readonly namespace: string;
  readonly group: string;
}

export interface AlertingRule {
  readonly kind: 'alerting';
  readonly name: string;
  readonly expr: string;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly labelTemplates: ReadonlyMap<string, CompiledTemplate>;
  readonly annotationTemplates: ReadonlyMap<string, CompiledTemplate>;
}

export interface RecordingRule {
  readonly kind: 'recording';
  readonly name: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
}

export type Rule = AlertingRule | RecordingRule;

export interface CompiledGroup {
  readonly key: GroupKey;
  readonly intervalMs: number;
  readonly limit: number;
  readonly rules: readonly Rule[];
  readonly definition: RuleGroupDefinition;
  /** Changes whenever the definition does: a runner restarts only for a new fingerprint. */
  readonly fingerprint: string;
}

export function groupKeyString(key: GroupKey): string {
  return `${key.tenant}/${key.namespace}/${key.group}`;
}

/** Where the group sits on the ruler ring. */
export function groupToken(key: GroupKey): number {
  return tokenFor(key.tenant, `\u0000${key.namespace}\u0000${key.group}`);
}

function ms(text: string | undefined): number {
  return text === undefined ? 0 : Number(parsePromDuration(text) / 1_000_000n);
}

function templates(values: Readonly<Record<string, string>>, name: string): Map<string, CompiledTemplate> {
  return new Map(Object.entries(values).map(([key, value]) => [key, parseAlertTemplate(value, name)]));
}

function compileRule(rule: RuleDefinition): Rule {
  const labels = rule.labels ?? {};
  if (rule.alert !== undefined) {
    const annotations = rule.annotations ?? {};
    return {
      kind: 'alerting',
      name: rule.alert,
      expr: rule.expr,
      forMs: ms(rule.for),
      keepFiringForMs: ms(rule.keep_firing_for),
      labels,
      annotations,
      labelTemplates: templates(labels, `__alert_${rule.alert}`),
      annotationTemplates: templates(annotations, `__alert_${rule.alert}`),
    };
  }
  return { kind: 'recording', name: rule.record ?? '', expr: rule.expr, labels };
}

/** A validated definition, compiled; the interval defaults to the ruler's `evaluation_interval`. */
export function compileGroup(tenant: string, namespace: string, definition: RuleGroupDefinition, defaultIntervalMs: number): CompiledGroup {
  const intervalMs = definition.interval !== undefined ? ms(definition.interval) || defaultIntervalMs : defaultIntervalMs;
  return {
    key: { tenant, namespace, group: definition.name },
    intervalMs,
    limit: definition.limit ?? 0,
    rules: definition.rules.map(compileRule),
    definition,
    fingerprint: `${intervalMs}:${JSON.stringify(definition)}`,
  };
}
