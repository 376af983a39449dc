// Rule groups as Prometheus writes them in YAML, LogQL in `expr`: the shape stored, served by
// the API and read from rule files. Durations stay as written so a group reads back as it was
// sent; `compileGroup` turns them into numbers once the group is valid.

import { parseDocument, stringify } from 'yaml';
import { parsePromDuration } from '../../core/go/mod.js';
import { RulerError } from './errors.js';

export interface RuleDefinition {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface RuleGroupDefinition {
  readonly name: string;
  readonly interval?: string;
  /** Most alerts or series one rule may produce; 0: no limit. */
  readonly limit?: number;
  readonly rules: readonly RuleDefinition[];
}

/** Loki's answer to a body that is not a rule group (`ErrBadRuleGroup`, its wording kept). */
export const BAD_RULE_GROUP = 'unable to decoded rule group';

const GROUP_FIELDS = new Set(['name', 'interval', 'limit', 'rules', 'query_offset']);
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

function invalid(message: string): RulerError {
  return new RulerError('RULE_GROUP_INVALID', message);
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw invalid(`field '${field}' must be a string`);
}

function promDuration(value: unknown, field: string): string | undefined {
  const raw = text(value, field);
  if (raw === undefined || raw === '') return undefined;
  try {
    parsePromDuration(raw);
  } catch (cause) {
    throw new RulerError('RULE_GROUP_INVALID', `not a valid duration string: "${raw}"`, { cause });
  }
  return raw;
}

function stringMap(value: unknown, field: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isMap(value)) throw invalid(`field '${field}' must be a map`);
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) out[key] = text(item, `${field}.${key}`) ?? '';
  return Object.keys(out).length === 0 ? undefined : out;
}

function ruleFrom(value: unknown, strict: boolean): RuleDefinition {
  if (!isMap(value)) throw invalid('a rule must be a map');
  if (strict) for (const key of Object.keys(value)) if (!RULE_FIELDS.has(key)) throw invalid(`field ${key} not found in type rulefmt.RuleNode`);
  const record = text(value['record'], 'record');
  const alert = text(value['alert'], 'alert');
  const forText = promDuration(value['for'], 'for');
  const keep = promDuration(value['keep_firing_for'], 'keep_firing_for');
  const labels = stringMap(value['labels'], 'labels');
  const annotations = stringMap(value['annotations'], 'annotations');
  return {
    ...(record !== undefined && record !== '' ? { record } : {}),
    ...(alert !== undefined && alert !== '' ? { alert } : {}),
    expr: text(value['expr'], 'expr') ?? '',
    ...(forText !== undefined ? { for: forText } : {}),
    ...(keep !== undefined ? { keep_firing_for: keep } : {}),
    ...(labels !== undefined ? { labels } : {}),
    ...(annotations !== undefined ? { annotations } : {}),
  };
}

/** One group from parsed YAML; `strict` refuses unknown fields, as Prometheus' file loader does. */
export function groupFrom(value: unknown, strict = false): RuleGroupDefinition {
  if (!isMap(value)) throw invalid(BAD_RULE_GROUP);
  if (strict) for (const key of Object.keys(value)) if (!GROUP_FIELDS.has(key)) throw invalid(`field ${key} not found in type rulefmt.RuleGroup`);
  const rules = value['rules'] ?? [];
  if (!Array.isArray(rules)) throw invalid("field 'rules' must be a list");
  const interval = promDuration(value['interval'], 'interval');
  const limit = value['limit'];
  if (limit !== undefined && limit !== null && (!Number.isInteger(limit) || (limit as number) < 0)) throw invalid("field 'limit' must be a non-negative integer");
  return {
    name: text(value['name'], 'name') ?? '',
    ...(interval !== undefined ? { interval } : {}),
    ...(typeof limit === 'number' && limit > 0 ? { limit } : {}),
    rules: rules.map((rule) => ruleFrom(rule, strict)),
  };
}

function parseYaml(body: string): unknown {
  const doc = parseDocument(body, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new RulerError('RULE_GROUP_INVALID', doc.errors[0]!.message, { cause: doc.errors[0] });
  return doc.toJS();
}

/** The API's body: one group. Anything that is not one answers Loki's `unable to decoded rule group`. */
export function parseGroupBody(body: string): RuleGroupDefinition {
  let value: unknown;
  try {
    value = parseYaml(body);
    return groupFrom(value);
  } catch (cause) {
    throw new RulerError('RULE_GROUP_INVALID', BAD_RULE_GROUP, { cause });
  }
}

/** A rule file (`groups: [...]`), as Prometheus' loader reads it: unknown fields are errors. */
export function parseRuleFile(body: string, file: string): RuleGroupDefinition[] {
  let value: unknown;
  try {
    value = parseYaml(body);
  } catch (cause) {
    throw new RulerError('RULE_GROUP_INVALID', `${file}: ${(cause as Error).message}`, { cause });
  }
  if (value === null || value === undefined) return [];
  if (!isMap(value)) throw invalid(`${file}: a rule file holds a map with 'groups'`);
  for (const key of Object.keys(value)) if (key !== 'groups') throw invalid(`${file}: field ${key} not found in type rulefmt.RuleGroups`);
  const groups = value['groups'] ?? [];
  if (!Array.isArray(groups)) throw invalid(`${file}: field 'groups' must be a list`);
  try {
    return groups.map((group) => groupFrom(group, true));
  } catch (cause) {
    throw new RulerError('RULE_GROUP_INVALID', `${file}: ${(cause as Error).message}`, { cause });
  }
}

/** Plain data in Prometheus' field order, for YAML output. */
export function groupToPlain(group: RuleGroupDefinition): Record<string, unknown> {
  return {
    name: group.name,
    ...(group.interval !== undefined ? { interval: group.interval } : {}),
    ...(group.limit !== undefined ? { limit: group.limit } : {}),
    rules: group.rules.map((rule) => ({
      ...(rule.record !== undefined ? { record: rule.record } : {}),
      ...(rule.alert !== undefined ? { alert: rule.alert } : {}),
      expr: rule.expr,
      ...(rule.for !== undefined ? { for: rule.for } : {}),
      ...(rule.keep_firing_for !== undefined ? { keep_firing_for: rule.keep_firing_for } : {}),
      ...(rule.labels !== undefined ? { labels: { ...rule.labels } } : {}),
      ...(rule.annotations !== undefined ? { annotations: { ...rule.annotations } } : {}),
    })),
  };
}

export function groupToYaml(group: RuleGroupDefinition): string {
  return stringify(groupToPlain(group));
}

/** A namespace file: `groups:` with every group. */
export function ruleFileToYaml(groups: readonly RuleGroupDefinition[]): string {
  return stringify({ groups: groups.map(groupToPlain) });
}
