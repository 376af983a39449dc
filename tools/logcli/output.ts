// Printing results: log entries in the `default` (time, labels, line), `raw` (the line alone)
// and `jsonl` (one JSON object an entry) modes, and metric results as a table (default), Loki's
// JSON (raw) or one series a line (jsonl).

import type { Painter } from './colour.js';
import { labelString, shownLabels, type LabelFilter, type LabelSet } from './labels.js';
import { formatTime } from './time.js';

export type OutputMode = 'default' | 'raw' | 'jsonl';
export const OUTPUT_MODES: readonly OutputMode[] = ['default', 'raw', 'jsonl'];

export interface Entry {
  readonly labels: LabelSet;
  readonly tsNs: bigint;
  readonly line: string;
}

export interface EntryPrinterOptions {
  readonly mode: OutputMode;
  readonly noLabels: boolean;
  readonly filter: LabelFilter;
  readonly utc: boolean;
  readonly paint: Painter;
}

export class EntryPrinter {
  private labelWidth = 0;

  constructor(
    private readonly options: EntryPrinterOptions,
    private readonly write: (text: string) => void,
  ) {}

  /** Prints entries; `common` labels are left out of the default mode's label column. */
  print(entries: readonly Entry[], common: LabelSet = {}): void {
    const { mode, noLabels, filter, utc, paint } = this.options;
    if (mode === 'raw') {
      for (const entry of entries) this.write(`${entry.line}\n`);
      return;
    }
    if (mode === 'jsonl') {
      for (const entry of entries) {
        const labels = shownLabels(entry.labels, {}, filter);
        this.write(`${JSON.stringify({ labels, line: entry.line, timestamp: formatTime(entry.tsNs, utc) })}\n`);
      }
      return;
    }
    const shown = entries.map((entry) => (noLabels ? '' : labelString(shownLabels(entry.labels, common, filter))));
    // Pad the label column to the widest seen so far, so lines start in one column.
    for (const text of shown) this.labelWidth = Math.max(this.labelWidth, text === '{}' ? 0 : text.length);
    entries.forEach((entry, i) => {
      const labels = shown[i] === '{}' || shown[i] === '' ? '' : `${paint.labels(shown[i]!)}${' '.repeat(this.labelWidth - shown[i]!.length)} `;
      const pad = labels === '' && this.labelWidth > 0 && !noLabels ? ' '.repeat(this.labelWidth + 1) : '';
      this.write(`${paint.dim(formatTime(entry.tsNs, utc, true))} ${labels}${pad}${entry.line}\n`);
    });
  }
}

export interface Sample {
  readonly metric: LabelSet;
  readonly points: ReadonlyArray<readonly [number, string]>;
}

/** A vector or matrix result, printed for a person (a table), or as JSON. */
export function printMetric(resultType: string, result: unknown, mode: OutputMode, utc: boolean, write: (text: string) => void): void {
  if (mode === 'raw') {
    write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const samples = toSamples(resultType, result);
  if (mode === 'jsonl') {
    for (const sample of samples) write(`${JSON.stringify({ metric: sample.metric, values: sample.points })}\n`);
    return;
  }
  const rows: string[][] = [];
  const matrix = resultType === 'matrix';
  for (const sample of samples) {
    for (const [ts, value] of sample.points) {
      const time = formatTime(BigInt(Math.round(ts * 1000)) * 1_000_000n, utc);
      rows.push(matrix ? [time, labelString(sample.metric), value] : [labelString(sample.metric), value, time]);
    }
  }
  write(table(matrix ? ['TIME', 'LABELS', 'VALUE'] : ['LABELS', 'VALUE', 'TIME'], rows));
}

function toSamples(resultType: string, result: unknown): Sample[] {
  if (resultType === 'scalar' || resultType === 'string') {
    const [ts, value] = result as [number, string];
    return [{ metric: {}, points: [[ts, String(value)]] }];
  }
  if (resultType === 'vector') {
    return (result as Array<{ metric: LabelSet; value: [number, string] }>).map((s) => ({ metric: s.metric, points: [s.value] }));
  }
  return (result as Array<{ metric: LabelSet; values: Array<[number, string]> }>).map((s) => ({ metric: s.metric, points: s.values }));
}

/** Columns padded to their widest cell; numbers are right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((name, i) => Math.max(name.length, ...rows.map((row) => (row[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => /^-?[\d.e+]+$|^[+-]?Inf$|^NaN$/.test(row[i] ?? '')));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd() + '\n';
  return line(header) + rows.map(line).join('');
}
