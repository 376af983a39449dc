// Sample extraction for range aggregations: one value per log line that survives the pipeline.
// `count_over_time`, `rate` and `absent_over_time` count lines, `bytes_*` count line bytes, and
// `| unwrap` reads a label, converting it (`bytes()`, `duration()`) and setting
// `__error__=SampleExtractionErr` where it cannot. Grouping on the range aggregation applies here,
// and the unwrapped label never stays on the series.

import { labelsToString, type Label, type Labels } from '../../core/model.js';
import type { Grouping, RangeAggregationExpr, UnwrapExpr } from '../syntax/ast.js';
import { goParseFloat, parseFloatError, parseGoDuration, parseHumanBytes } from '../../core/go/mod.js';
import { compileLabelFilter, type LabelPredicate } from './label-filter.js';
import type { LabelsBuilder } from './labels-builder.js';
import { compileStages, requiredSubstrings, StreamRunner } from './pipeline.js';
import type { StageFn } from './stage.js';

export const ERR_SAMPLE_EXTRACTION = 'SampleExtractionErr';

export interface ExtractedSample {
  readonly value: number;
  readonly labels: Labels;
}

export interface StreamSampleExtractor {
  process(ts: bigint, line: string, metadata?: Labels): ExtractedSample | null;
}

export interface SampleExtractor {
  forStream(labels: Labels): StreamSampleExtractor;
}

type Converter = (value: string) => number;

function converter(unwrap: UnwrapExpr): Converter {
  switch (unwrap.conversion) {
    case 'bytes': return parseHumanBytes;
    case 'duration':
    case 'duration_seconds': return (v) => parseGoDuration(v) / 1e9;
    default:
      return (v) => {
        const n = goParseFloat(v);
        if (n === undefined) throw new Error(parseFloatError(v));
        return n;
      };
  }
}

/** Output labels after grouping. Errors bypass grouping so they are never lost. */
class Grouper {
  private readonly byNames: string[] | undefined;
  private readonly drop: Set<string>;
  private readonly memo = new Map<string, { labels: Labels; key: string }>();
  /** With one `by` name: its value is the memo key, and a line without it has this result. */
  private withoutTheOne: { labels: Labels; key: string } | undefined;

  constructor(grouping: Grouping | undefined, dropLabel: string | undefined) {
    if (grouping !== undefined && !grouping.without) {
      this.byNames = [...new Set(grouping.groups ?? [])].sort();
      this.drop = new Set();
    } else {
      this.byNames = undefined;
      this.drop = new Set(grouping?.groups ?? []);
      if (dropLabel !== undefined) this.drop.add(dropLabel);
    }
  }

  result(lb: LabelsBuilder): { labels: Labels; key: string } {
    if (lb.hasError()) return lb.result();
    if (this.byNames !== undefined && this.byNames.length === 1) {
      // One name (the common `sum by (level)`): no key string to build per line.
      const name = this.byNames[0]!;
      const value = lb.get(name);
      if (value === undefined || value === '') return (this.withoutTheOne ??= { labels: [], key: keyOf([]) });
      let hit = this.memo.get(value);
      if (hit === undefined) {
        const labels: Label[] = [{ name, value }];
        hit = { labels, key: keyOf(labels) };
        if (this.memo.size > 10_000) this.memo.clear();
        this.memo.set(value, hit);
      }
      return hit;
    }
    if (this.byNames !== undefined) {
      // `by`: only the named labels matter; build them without materialising the rest.
      let memoKey = '';
      for (const name of this.byNames) memoKey += (lb.get(name) ?? '\u0001') + '\u0000';
      let hit = this.memo.get(memoKey);
      if (hit === undefined) {
        const labels: Label[] = [];
        for (const name of this.byNames) {
          const value = lb.get(name);
          if (value !== undefined && value !== '') labels.push({ name, value });
        }
        hit = { labels, key: keyOf(labels) };
        if (this.memo.size > 10_000) this.memo.clear();
        this.memo.set(memoKey, hit);
      }
      return hit;
    }
    const full = lb.result();
    if (this.drop.size === 0 || !full.labels.some((l) => this.drop.has(l.name))) return full;
    const labels = full.labels.filter((l) => !this.drop.has(l.name));
    return { labels, key: keyOf(labels) };
  }
}

function keyOf(labels: Labels): string {
  return labelsToString(labels);
}

/** Runs the pipeline and extraction over one stream; `run` leaves its result in fields. */
export class StreamExtractor implements StreamSampleExtractor {
  value = 0;
  labels: Labels = [];
  key = '';
  private readonly runner: StreamRunner;
  private readonly grouper: Grouper;

  constructor(
    labels: Labels,
    stages: readonly StageFn[],
    private readonly mode: 'count' | 'bytes' | 'unwrap',
    private readonly unwrap: { label: string; convert: Converter; post: LabelPredicate[] } | undefined,
    grouping: Grouping | undefined,
  ) {
    this.runner = new StreamRunner(labels, stages);
    this.grouper = new Grouper(grouping, unwrap?.label);
  }

  run(ts: bigint, line: string, metadata?: Labels): boolean {
    const out = this.runner.run(ts, line, metadata);
    if (out === null) return false;
    const lb = this.runner.builder;
    if (this.mode === 'count') {
      this.value = 1;
    } else if (this.mode === 'bytes') {
      this.value = Buffer.byteLength(out, 'utf8');
    } else {
      const u = this.unwrap!;
      const raw = lb.get(u.label);
      // A line without the label, or with it empty, has no sample: only a value that does not
      // convert is an error (Loki).
      if (raw === undefined || raw === '') return false;
      try {
        this.value = u.convert(raw);
      } catch (error) {
        this.value = 0;
        lb.setError(ERR_SAMPLE_EXTRACTION, (error as Error).message);
      }
      for (const post of u.post) if (!post(lb)) return false;
    }
    const result = this.grouper.result(lb);
    this.labels = result.labels;
    this.key = result.key;
    return true;
  }

  process(ts: bigint, line: string, metadata?: Labels): ExtractedSample | null {
    return this.run(ts, line, metadata) ? { value: this.value, labels: this.labels } : null;
  }
}

export class CompiledExtractor implements SampleExtractor {
  readonly requiredSubstrings: string[];
  /**
   * 'count' or 'bytes' when a sample needs nothing of its line but that it exists or its byte
   * length (no stage, no unwrap): a source may then count bytes without decoding the line.
   */
  readonly lineFree: 'count' | 'bytes' | undefined;
  private readonly stages: StageFn[];
  private readonly mode: 'count' | 'bytes' | 'unwrap';
  private readonly unwrap: { label: string; convert: Converter; post: LabelPredicate[] } | undefined;

  constructor(private readonly expr: RangeAggregationExpr) {
    const stages = expr.range.selector.stages;
    // Grouped `by` labels are all the result keeps (`by ()`: none), so a last parser sets no others.
    const grouping = expr.grouping;
    const onlyLabels = grouping !== undefined && !grouping.without ? (grouping.groups ?? []) : undefined;
    this.stages = compileStages(stages, expr.range.unwrap === undefined ? onlyLabels : undefined);
    this.requiredSubstrings = requiredSubstrings(stages);
    const u = expr.range.unwrap;
    if (u !== undefined) {
      this.mode = 'unwrap';
      this.unwrap = { label: u.label, convert: converter(u), post: u.postFilters.map(compileLabelFilter) };
    } else {
      this.mode = expr.op === 'bytes_over_time' || expr.op === 'bytes_rate' ? 'bytes' : 'count';
      this.unwrap = undefined;
    }
    this.lineFree = this.mode !== 'unwrap' && this.stages.length === 0 ? this.mode : undefined;
  }

  forStream(labels: Labels): StreamExtractor {
    return new StreamExtractor(labels, this.stages, this.mode, this.unwrap, this.expr.grouping);
  }
}
