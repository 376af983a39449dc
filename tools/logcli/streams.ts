// Loki's `streams` result as entries: flattened, sorted in the query's direction.

import type { LabelSet } from './labels.js';
import type { Entry } from './output.js';

export interface StreamsResult {
  readonly stream: LabelSet;
  readonly values: ReadonlyArray<readonly [string, string, ...unknown[]]>;
}

export function entriesOf(result: readonly StreamsResult[], forward: boolean): Entry[] {
  const entries: Entry[] = [];
  for (const stream of result) for (const [ts, line] of stream.values) entries.push({ labels: stream.stream, tsNs: BigInt(ts), line });
  entries.sort((a, b) => (a.tsNs === b.tsNs ? 0 : (a.tsNs < b.tsNs) === forward ? -1 : 1));
  return entries;
}

export const entryKey = (entry: Entry): string => `${entry.tsNs}\u0000${JSON.stringify(entry.labels)}\u0000${entry.line}`;
