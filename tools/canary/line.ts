// What a checked line looks like: it starts with `seq=<n>`, a number unique within one writer's
// run, so a reader can tell every line apart and account for each. The chaos suite's writers
// and `norn canary` both write such lines.

/** The sequence number a line starts with, or undefined if it is not a checked line. */
export function seqOf(line: string): number | undefined {
  const match = /^seq=(\d+)(?: |$)/.exec(line);
  return match === null ? undefined : Number(match[1]);
}

/** One line as written: its sequence number, the value of its `stream` label, time and text. */
export interface WrittenLine {
  readonly seq: number;
  readonly stream: string;
  readonly tsNs: bigint;
  readonly line: string;
}

/** One line as a query returned it. */
export interface ObservedEntry {
  /** The `stream` label of the series it came back in. */
  readonly stream: string;
  readonly tsNs: bigint;
  readonly line: string;
}

/** How a write ended, as the writer saw it: ok (acknowledged), failed (refused) or unknown (no answer). */
export type Outcome = 'ok' | 'failed' | 'unknown';

/** One write (a push, or an append to a file an agent ships) and its outcome. */
export interface WriteRecord {
  readonly startMs: number;
  readonly outcome: Outcome;
  readonly lines: readonly WrittenLine[];
}
