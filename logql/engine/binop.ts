// Binary operators between vectors and scalars with Prometheus' matching rules: one-to-one by
// default, `on` / `ignoring` choose the matching labels, `group_left` / `group_right` allow many
// on one side; comparisons filter unless `bool`; `and`, `or`, `unless` are set operations.

import { labelsToString, type Label, type Labels } from '../../core/model.js';
import { LogQLError } from '../errors.js';
import type { BinOpExpr } from '../syntax/ast.js';
import { isComparisonOp, isSetOp, mergeLiterals } from '../syntax/literal-math.js';
import type { StepSample } from './vectors.js';

export class BinOpError extends LogQLError {
  constructor(message: string) {
    super('LOGQL_EXEC', message);
    this.name = 'BinOpError';
  }
}

function signature(labels: Labels, e: BinOpExpr): string {
  const names = e.matching.labels ?? [];
  const kept = e.matching.on ? labels.filter((l) => names.includes(l.name)) : labels.filter((l) => !names.includes(l.name));
  return labelsToString(kept);
}

/** `vector op scalar` (or `scalar op vector` when `scalarLeft`). */
export function vectorScalar(e: BinOpExpr, samples: readonly StepSample[], scalar: number, scalarLeft: boolean): StepSample[] {
  const out: StepSample[] = [];
  const comparison = isComparisonOp(e.op);
  for (const s of samples) {
    const l = scalarLeft ? scalar : s.value;
    const r = scalarLeft ? s.value : scalar;
    const v = mergeLiterals(e.op, l, r);
    if (comparison && !e.returnBool) {
      if (v === 1) out.push(s);
      continue;
    }
    out.push({ labels: s.labels, key: s.key, value: v });
  }
  return out;
}

function resultLabels(e: BinOpExpr, lhs: Labels, rhs: Labels): Labels {
  const m = e.matching;
  let labels: Label[] = [...lhs];
  if (m.card === 'one-to-one') {
    const names = m.labels ?? [];
    labels = m.on ? labels.filter((l) => names.includes(l.name)) : labels.filter((l) => !names.includes(l.name));
  }
  for (const name of m.include ?? []) {
    labels = labels.filter((l) => l.name !== name);
    const fromOther = rhs.find((l) => l.name === name);
    if (fromOther !== undefined && fromOther.value !== '') labels.push(fromOther);
  }
  return labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function vectorVector(e: BinOpExpr, lhs: readonly StepSample[], rhs: readonly StepSample[]): StepSample[] {
  if (isSetOp(e.op)) return setOperation(e, lhs, rhs);
  const card = e.matching.card;
  // For group_right the "many" side is the right one: swap roles, keep `lhs op rhs` order.
  const manySide = card === 'one-to-many' ? rhs : lhs;
  const oneSide = card === 'one-to-many' ? lhs : rhs;
  const ones = new Map<string, StepSample>();
  for (const s of oneSide) {
    const sig = signature(s.labels, e);
    if (ones.has(sig)) {
      const side = card === 'one-to-many' ? 'left' : 'right';
      throw new BinOpError(
        `found duplicate series for the match group ${sig} on the ${side} hand-side of the operation: [${ones.get(sig)!.key}, ${s.key}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    ones.set(sig, s);
  }
  const seen = new Set<string>();
  const out: StepSample[] = [];
  const comparison = isComparisonOp(e.op);
  for (const many of manySide) {
    const sig = signature(many.labels, e);
    const one = ones.get(sig);
    if (one === undefined) continue;
    if (card === 'one-to-one') {
      if (seen.has(sig)) {
        throw new BinOpError(
          `multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)`,
        );
      }
      seen.add(sig);
    }
    const left = card === 'one-to-many' ? one : many;
    const right = card === 'one-to-many' ? many : one;
    const v = mergeLiterals(e.op, left.value, right.value);
    if (comparison && !e.returnBool && v !== 1) continue;
    const value = comparison && !e.returnBool ? left.value : v;
    const labels = card === 'one-to-many' ? resultLabels(e, many.labels, one.labels) : resultLabels(e, many.labels, one.labels);
    const key = labelsToString(labels);
    out.push({ labels, key, value });
  }
  if (card !== 'one-to-one') {
    const keys = new Set<string>();
    for (const s of out) {
      if (keys.has(s.key)) throw new BinOpError(`multiple matches for labels: grouping labels must ensure unique matches`);
      keys.add(s.key);
    }
  }
  return out;
}

function setOperation(e: BinOpExpr, lhs: readonly StepSample[], rhs: readonly StepSample[]): StepSample[] {
  const rhsSigs = new Set(rhs.map((s) => signature(s.labels, e)));
  switch (e.op) {
    case 'and': return lhs.filter((s) => rhsSigs.has(signature(s.labels, e)));
    case 'unless': return lhs.filter((s) => !rhsSigs.has(signature(s.labels, e)));
    default: {
      const lhsSigs = new Set(lhs.map((s) => signature(s.labels, e)));
      return [...lhs, ...rhs.filter((s) => !lhsSigs.has(signature(s.labels, e)))];
    }
  }
}
