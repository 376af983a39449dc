// Loki's checks on rule groups, with its wording (`ValidateGroups` / `validateRuleNode`), plus
// one of Norn's: the expression must be a metric query, because a log query has no value to
// record or compare. Every problem of a request is reported, joined by ", " as Loki does.

import { parseExpr } from '../../logql/mod.js';
import type { RuleDefinition, RuleGroupDefinition } from './rule-format.js';
import { parseAlertTemplate } from './templates.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The message for a log query where a metric query is needed. */
export const NOT_A_METRIC_QUERY = 'a rule needs a metric query (such as count_over_time or rate), not a log query';

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function templateProblems(rule: RuleDefinition): string[] {
  const problems: string[] = [];
  const name = `__alert_${rule.alert ?? rule.record ?? ''}`;
  for (const [key, value] of Object.entries(rule.labels ?? {})) {
    try {
      parseAlertTemplate(value, name);
    } catch (error) {
      problems.push(`label ${JSON.stringify(key)}: ${errorText(error)}`);
    }
  }
  for (const [key, value] of Object.entries(rule.annotations ?? {})) {
    try {
      parseAlertTemplate(value, name);
    } catch (error) {
      problems.push(`annotation ${JSON.stringify(key)}: ${errorText(error)}`);
    }
  }
  return problems;
}

/** The first problem of one rule, or undefined when it is valid. */
export function ruleProblem(rule: RuleDefinition, groupName: string): string | undefined {
  if (rule.record !== undefined && rule.alert !== undefined) return "only one of 'record' and 'alert' must be set";
  if (rule.record === undefined && rule.alert === undefined) return "one of 'record' or 'alert' must be set";
  const what = rule.record !== undefined ? `record '${rule.record}'` : `alert '${rule.alert}'`;
  if (rule.expr.trim() === '') return "field 'expr' must be set in rule";
  try {
    const expr = parseExpr(rule.expr);
    if (expr.kind === 'logSelector') return `could not parse expression for ${what} in group '${groupName}': ${NOT_A_METRIC_QUERY}`;
  } catch (error) {
    return `could not parse expression for ${what} in group '${groupName}': ${errorText(error)}`;
  }
  if (rule.record !== undefined) {
    if (rule.annotations !== undefined && Object.keys(rule.annotations).length > 0) return "invalid field 'annotations' in recording rule";
    if (rule.for !== undefined && rule.for !== '0s' && rule.for !== '0') return "invalid field 'for' in recording rule";
    if (!METRIC_NAME.test(rule.record)) return `invalid recording rule name: ${rule.record}`;
  }
  for (const key of Object.keys(rule.labels ?? {})) {
    if (!LABEL_NAME.test(key) || key === '__name__') return `invalid label name: ${key}`;
  }
  for (const key of Object.keys(rule.annotations ?? {})) {
    if (!LABEL_NAME.test(key)) return `invalid annotation name: ${key}`;
  }
  return templateProblems(rule)[0];
}

/** Every problem of these groups (one file or namespace), in Loki's order and wording. */
export function validateGroups(groups: readonly RuleGroupDefinition[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  groups.forEach((group, index) => {
    if (group.name === '') problems.push(`group ${index}: Groupname must not be empty`);
    if (seen.has(group.name)) problems.push(`groupname: "${group.name}" is repeated in the same file`);
    seen.add(group.name);
    for (const rule of group.rules) {
      const problem = ruleProblem(rule, group.name);
      if (problem !== undefined) problems.push(problem);
    }
  });
  return problems;
}
