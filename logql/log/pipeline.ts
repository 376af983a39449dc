// Compiles a log selector's stages into a pipeline that runs per stream. Line filters move ahead
// of the parsers around them (never across a stage that rewrites the line or a label filter),
// so the cheap checks reject lines before any parsing, as Loki orders them.

import type { Labels } from '../../core/model.js';
import { UnsupportedQueryError } from '../errors.js';
import type { Stage } from '../syntax/ast.js';
import { compileLabelFilter } from './label-filter.js';
import { decolorizeStage, dropStage, keepStage } from './label-stages.js';
import { LabelsBuilder } from './labels-builder.js';
import { compileLineFilter, requiredNeedle } from './line-filter.js';
import { jsonStage } from './parsers/json.js';
import { jsonFilteredStage } from './parsers/json-filtered.js';
import { logfmtStage } from './parsers/logfmt.js';
import { patternStage, regexpStage } from './parsers/regexp.js';
import { unpackStage } from './parsers/unpack.js';
import type { StageFn } from './stage.js';
import { labelFormatStage, lineFormatStage } from './format-stages.js';

export interface ProcessedLine {
  readonly line: string;
  readonly labels: Labels;
}

export interface StreamPipeline {
  /** Runs the pipeline on one entry; null when a stage filtered it out. */
  process(ts: bigint, line: string, metadata?: Labels): ProcessedLine | null;
}

export interface Pipeline {
  /** No stages at all: every line passes unchanged with its stream labels. */
  readonly isNoop: boolean;
  forStream(labels: Labels): StreamPipeline;
}

/** Barriers: line filters never move across these. */
function isBarrier(s: Stage): boolean {
  return s.kind === 'lineFormat' || s.kind === 'unpack' || s.kind === 'decolorize' || s.kind === 'labelFilter';
}

export function reorderStages(stages: readonly Stage[]): Stage[] {
  const out: Stage[] = [];
  let filters: Stage[] = [];
  let others: Stage[] = [];
  const flush = (): void => {
    out.push(...filters, ...others);
    filters = [];
    others = [];
  };
  for (const s of stages) {
    if (s.kind === 'lineFilter') {
      filters.push(s);
    } else if (isBarrier(s)) {
      others.push(s);
      flush();
    } else {
      others.push(s);
    }
  }
  flush();
  return out;
}

/** Literal `|=` needles that run on the raw line before anything rewrites it. */
export function requiredSubstrings(stages: readonly Stage[]): string[] {
  const out: string[] = [];
  for (const s of reorderStages(stages)) {
    if (s.kind === 'lineFormat' || s.kind === 'unpack' || s.kind === 'decolorize') break;
    if (s.kind !== 'lineFilter') continue;
    const needle = requiredNeedle(s);
    if (needle !== undefined) out.push(needle);
  }
  return out;
}

export function compileStage(s: Stage): StageFn {
  switch (s.kind) {
    case 'lineFilter': {
      const test = compileLineFilter(s);
      return (line) => (test(line) ? line : null);
    }
    case 'labelFilter': {
      const test = compileLabelFilter(s.filter);
      return (line, lb) => (test(lb) ? line : null);
    }
    case 'json': return jsonStage(s.extractions);
    case 'logfmt': return logfmtStage(s.strict, s.keepEmpty, s.extractions);
    case 'regexp': return regexpStage(s.pattern);
    case 'pattern': return patternStage(s.pattern);
    case 'unpack': return unpackStage();
    case 'decolorize': return decolorizeStage();
    case 'drop': return dropStage(s.labels);
    case 'keep': return keepStage(s.labels);
    case 'lineFormat': return lineFormatStage(s.template);
    case 'labelFormat': return labelFormatStage(s.formats);
    default:
      throw new UnsupportedQueryError(`unsupported pipeline stage ${(s as Stage).kind}`);
  }
}

/**
 * `onlyLabels`: the only labels whoever reads the pipeline's result looks at (a metric query's
 * `by` grouping). A parser that is the last stage then need not set the others.
 */
export function compileStages(stages: readonly Stage[], onlyLabels?: readonly string[]): StageFn[] {
  const ordered = reorderStages(stages);
  // Only after stages that set no label and no error: an error keeps every label of its line.
  const plain = (stage: Stage): boolean => stage.kind === 'lineFilter' || stage.kind === 'decolorize';
  const plainBefore = ordered.slice(0, -1).every(plain);
  const out: StageFn[] = [];
  for (let i = 0; i < ordered.length; i++) {
    const stage = ordered[i]!;
    const next = ordered[i + 1];
    if (onlyLabels !== undefined && plainBefore && i === ordered.length - 1 && stage.kind === 'logfmt') {
      out.push(logfmtStage(stage.strict, stage.keepEmpty, stage.extractions, onlyLabels));
    } else if (stage.kind === 'json' && stage.extractions === undefined && next?.kind === 'labelFilter' && ordered.slice(0, i).every(plain)) {
      // A first `| json` and the label filter right after it, run as one stage (json-filtered.ts).
      out.push(jsonFilteredStage(next.filter));
      i++;
    } else {
      out.push(compileStage(stage));
    }
  }
  return out;
}

/** Runs stages over one stream's lines, reusing one labels builder. */
export class StreamRunner implements StreamPipeline {
  readonly builder: LabelsBuilder;

  constructor(labels: Labels, private readonly stages: readonly StageFn[]) {
    this.builder = new LabelsBuilder(labels);
  }

  /** The processed line (labels stay in `builder`), or null when filtered out. */
  run(ts: bigint, line: string, metadata?: Labels): string | null {
    const lb = this.builder;
    lb.reset();
    if (metadata !== undefined && metadata.length > 0) lb.addMetadata(metadata);
    let current: string | null = line;
    for (let i = 0; i < this.stages.length && current !== null; i++) current = this.stages[i]!(current, lb, ts);
    return current;
  }

  process(ts: bigint, line: string, metadata?: Labels): ProcessedLine | null {
    const out = this.run(ts, line, metadata);
    return out === null ? null : { line: out, labels: this.builder.result().labels };
  }
}

export class CompiledPipeline implements Pipeline {
  readonly isNoop: boolean;
  private readonly stages: StageFn[];

  constructor(stages: readonly Stage[]) {
    this.stages = compileStages(stages);
    this.isNoop = stages.length === 0;
  }

  forStream(labels: Labels): StreamRunner {
    return new StreamRunner(labels, this.stages);
  }
}
