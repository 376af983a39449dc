// One rule, one evaluation: run the expression as an instant query at the evaluation time, then
// shape its vector into alerts (alerting rules) or samples (recording rules), as Prometheus does.

import type { QueryParams, QueryResponse } from '../../logql/types.js';
import type { AlertInput } from './alert-state.js';
import type { AlertingRule, RecordingRule } from './group.js';
import { expandTemplate } from './templates.js';
import { fingerprint } from './alert-state.js';

/** What the ruler needs from the query path: the engine's instant queries (QueryService.query). */
export interface RuleQuerier {
  query(params: QueryParams): Promise<QueryResponse>;
}

export interface InstantSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface RecordedSample {
  /** With `__name__`. */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs: number;
  /** A staleness marker: the series was recorded last time and is gone now. */
  readonly stale?: boolean;
}

export class RuleEvaluationError extends Error {}

export async function instantQuery(querier: RuleQuerier, tenant: string, expr: string, tsMs: number): Promise<InstantSample[]> {
  const ts = BigInt(tsMs) * 1_000_000n;
  const response = await querier.query({
    tenant,
    query: expr,
    start: ts,
    end: ts,
    step: 0n,
    interval: 0n,
    limit: 100,
    direction: 'backward',
    kind: 'instant',
  });
  const data = response.data;
  if (data.resultType === 'scalar') return [{ labels: {}, value: data.result.v }];
  if (data.resultType !== 'vector') throw new RuleEvaluationError('rule result is not a vector or scalar');
  return data.result.map((sample) => {
    const labels: Record<string, string> = {};
    for (const { name, value } of sample.metric) if (name !== '__name__') labels[name] = value;
    return { labels, value: sample.v };
  });
}

function sorted(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(record).sort()) out[key] = record[key]!;
  return out;
}

export interface AlertContext {
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly externalUrl: string;
}

/** The alert each sample stands for: its labels plus the rule's (templated), and `alertname`. */
export function alertInputs(rule: AlertingRule, samples: readonly InstantSample[], tsMs: number, context: AlertContext): AlertInput[] {
  const tsNs = BigInt(tsMs) * 1_000_000n;
  return samples.map((sample) => {
    const data = { labels: sample.labels, value: sample.value, externalLabels: context.externalLabels, externalUrl: context.externalUrl };
    const labels: Record<string, string> = { ...sample.labels };
    for (const [name, template] of rule.labelTemplates) {
      const value = expandTemplate(template, data, tsNs);
      if (value === '') delete labels[name];
      else labels[name] = value;
    }
    labels['alertname'] = rule.name;
    const annotations: Record<string, string> = {};
    for (const [name, template] of rule.annotationTemplates) annotations[name] = expandTemplate(template, data, tsNs);
    return { labels: sorted(labels), annotations: sorted(annotations), value: sample.value };
  });
}

/** The series a recording rule writes: `__name__` is the rule's name, rule labels win. */
export function recordedSamples(rule: RecordingRule, samples: readonly InstantSample[], tsMs: number, limit: number): RecordedSample[] {
  const seen = new Set<string>();
  const out = samples.map((sample) => {
    const labels: Record<string, string> = { ...sample.labels, ...rule.labels, __name__: rule.name };
    for (const [name, value] of Object.entries(rule.labels)) if (value === '') delete labels[name];
    const key = fingerprint(labels);
    if (seen.has(key)) throw new RuleEvaluationError('vector contains metrics with the same labelset after applying rule labels');
    seen.add(key);
    return { labels: sorted(labels), value: sample.value, timestampMs: tsMs };
  });
  if (limit > 0 && out.length > limit) throw new RuleEvaluationError(`exceeded limit ${limit} with ${out.length} series`);
  return out;
}
