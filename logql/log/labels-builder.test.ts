// A pipeline reuses one labels builder for a stream's lines, and lines with equal metadata share
// the metadata-only state until one writes (labels-builder.ts). A reused builder must read
// exactly as a fresh one given the same line: labels, key, categories, names, values, errors.

import { describe, expect, it } from 'vitest';
import { labelsFromRecord, type Labels } from '../../core/model.js';
import { compileLabelFilter } from './label-filter.js';
import { LabelsBuilder } from './labels-builder.js';
import { parseLogSelector } from '../syntax/parser.js';
import { CompiledExtractor } from './extractor.js';
import { parseExpr } from '../syntax/parser.js';
import { innerRangeAggregation } from '../plan.js';
import type { RangeAggregationExpr } from '../syntax/ast.js';

const STREAM = labelsFromRecord({ app: 'x', level: 'stream' });
const RECORDS: Record<string, string>[] = [
  { detected_level: 'info' },
  { detected_level: 'warn' },
  { detected_level: 'info', trace: 'abc' },
  { level: 'meta' },
  { app: 'meta', trace: '' },
  ...Array.from({ length: 10 }, (_, i) => ({ detected_level: `l${i}` })),
];
const NAMES = ['a', 'level', 'level_extracted', 'detected_level', 'trace', 'app', 'app_extracted', 'missing'];

type Op = (lb: LabelsBuilder) => void;
const OPS: Op[] = [
  (lb) => lb.setParsedFirst('a', '1'),
  (lb) => lb.setParsedFirst('level', 'parsed'),
  (lb) => lb.setParsedFirst('detected_level', 'parsed'),
  (lb) => lb.setParsed('trace', ''),
  (lb) => lb.set('detected_level', 'formatted'),
  (lb) => lb.delete('detected_level'),
  (lb) => lb.delete('app'),
  (lb) => lb.delete('missing'),
  (lb) => lb.setError('SomeErr', 'details'),
];

/** A deterministic sequence of numbers in [0, 1). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

function observe(lb: LabelsBuilder): unknown {
  return {
    result: lb.result(),
    categories: lb.categories(),
    names: lb.names().sort(),
    values: NAMES.map((name) => [lb.get(name), lb.filterValue(name), lb.parsedName(name)]),
    unchanged: lb.unchanged(),
    error: [lb.getError(), lb.filterValue('__error_details__')],
  };
}

describe('LabelsBuilder reused across lines', () => {
  it('reads as a fresh builder for every line, metadata shared or not', () => {
    const next = random(7);
    const shared = RECORDS.map((record) => labelsFromRecord(record));
    const reused = new LabelsBuilder(STREAM);
    for (let line = 0; line < 3000; line++) {
      const k = Math.floor(next() * (RECORDS.length + 1));
      // The same array again, or an equal one built anew, or none.
      const metadata: Labels | undefined = k === RECORDS.length ? undefined : next() < 0.5 ? shared[k]! : labelsFromRecord(RECORDS[k]!);
      const ops = Array.from({ length: Math.floor(next() * 3) }, () => OPS[Math.floor(next() * OPS.length)]!);
      const fresh = new LabelsBuilder(STREAM);
      for (const lb of [reused, fresh]) {
        lb.reset();
        if (metadata !== undefined && metadata.length > 0) lb.addMetadata(metadata);
      }
      // Read before the writes too: a cached result must not outlive them.
      if (next() < 0.5) expect(observe(reused)).toEqual(observe(fresh));
      for (const op of ops) {
        op(reused);
        op(fresh);
      }
      expect(observe(reused), `line ${line}`).toEqual(observe(fresh));
    }
  });

  it('keeps metadata out of the stream labels and renames a clash', () => {
    const lb = new LabelsBuilder(STREAM);
    const metadata = labelsFromRecord({ level: 'meta', detected_level: 'info' });
    lb.reset();
    lb.addMetadata(metadata);
    lb.setParsedFirst('a', '1');
    lb.reset();
    lb.addMetadata(metadata);
    expect(lb.result().labels).toEqual(labelsFromRecord({ app: 'x', level: 'stream', level_extracted: 'meta', detected_level: 'info' }));
    expect(lb.get('a')).toBeUndefined();
    expect(lb.categories()).toEqual({ metadata: labelsFromRecord({ detected_level: 'info', level_extracted: 'meta' }), parsed: undefined });
  });
});

describe('number filters on plain integers', () => {
  it('compare as Go reads the number, and fail as it fails', () => {
    const cases: Array<[string, boolean, boolean]> = [
      // value, passes `n > 100`, sets LabelFilterErr
      ['200', true, false],
      ['0100', false, false],
      ['100', false, false],
      ['-0', false, false],
      ['-500', false, false],
      ['999999999999999', true, false],
      ['9999999999999999999', true, false],
      ['1_000', true, false],
      ['+500', true, false],
      ['5e2', true, false],
      ['-', true, true],
      ['', true, true],
      ['12a', true, true],
      ['０１２', true, true],
    ];
    const filter = parseLogSelector('{a="b"} | n > 100').stages[0]!;
    if (filter.kind !== 'labelFilter') throw new Error('expected a label filter');
    const test = compileLabelFilter(filter.filter);
    for (const [value, passes, errs] of cases) {
      const lb = new LabelsBuilder(labelsFromRecord({ a: 'b' }));
      lb.set('n', value);
      expect(test(lb), value).toBe(passes);
      expect(lb.getError(), value).toBe(errs ? 'LabelFilterErr' : '');
    }
  });
});

describe('grouping by one label', () => {
  it('groups lines with the label, without it and with it empty', () => {
    const expr = parseExpr('sum by (level) (count_over_time({a="b"} | logfmt [1m]))');
    if (expr.kind === 'logSelector') throw new Error('expected a metric query');
    const inner = innerRangeAggregation(expr)!;
    const extractor = new CompiledExtractor({ ...inner, grouping: { without: false, groups: ['level'] } } as RangeAggregationExpr).forStream(labelsFromRecord({ a: 'b' }));
    const keys = ['level=info', 'level=warn x=1', 'x=1', 'level=', 'level=info'].map((line) => (extractor.run(1n, line) ? [extractor.key, extractor.labels] : null));
    expect(keys).toEqual([
      ['{level="info"}', labelsFromRecord({ level: 'info' })],
      ['{level="warn"}', labelsFromRecord({ level: 'warn' })],
      ['{}', []],
      ['{}', []],
      ['{level="info"}', labelsFromRecord({ level: 'info' })],
    ]);
  });
});
