// The queue checker, after Jepsen's: compares what a writer attempted, with each write's
// outcome, to what a query returned. `norn canary` runs it on every check, the chaos suite
// (test/chaos) once after its run.
//
//   lost        acknowledged (204) but not readable               must be 0
//   unexpected  readable but never attempted, or not as written    must be 0
//   duplicates  extra copies of one line that a query returned     must be 0
//   recovered   failed or unknown pushes whose lines are readable  allowed: a 5xx says the
//               quorum was not reached, not that no replica kept the line
//
// and write availability (acknowledged pushes / attempted pushes) over any time window.

import { seqOf, type ObservedEntry, type Outcome, type WriteRecord, type WrittenLine } from './line.js';

export interface QueueCheck {
  readonly attempted: number;
  readonly acknowledged: number;
  readonly failed: number;
  readonly unknown: number;
  /** Distinct canary lines the query returned. */
  readonly readable: number;
  readonly lost: number;
  readonly unexpected: number;
  readonly duplicates: number;
  readonly failedReadable: number;
  readonly unknownReadable: number;
  /** A few examples of each problem, for the report. */
  readonly lostSeqs: readonly number[];
  readonly unexpectedSamples: readonly string[];
  readonly duplicateSamples: readonly string[];
  readonly valid: boolean;
}

export interface CheckOptions {
  /**
   * Whether a line must come back at the timestamp it was written with. Lines an agent ships
   * from a file are stamped when the agent reads them, so their time cannot be checked.
   */
  readonly matchTimestamps?: boolean;
}

const SAMPLES = 10;

export function checkQueue(history: readonly WriteRecord[], observed: readonly ObservedEntry[], options: CheckOptions = {}): QueueCheck {
  const matchTimestamps = options.matchTimestamps ?? true;
  const attempted = new Map<number, { line: WrittenLine; outcome: Outcome }>();
  for (const push of history) for (const line of push.lines) attempted.set(line.seq, { line, outcome: push.outcome });

  const copies = new Map<number, number>();
  const unexpectedSamples: string[] = [];
  let unexpected = 0;
  for (const entry of observed) {
    const seq = seqOf(entry.line);
    const written = seq === undefined ? undefined : attempted.get(seq);
    // Readable as something other than what was written counts as unexpected too: a line on
    // the wrong stream or at the wrong time was not acknowledged anywhere.
    if (written === undefined || written.line.line !== entry.line || written.line.stream !== entry.stream || (matchTimestamps && written.line.tsNs !== entry.tsNs)) {
      unexpected++;
      if (unexpectedSamples.length < SAMPLES) unexpectedSamples.push(`{stream="${entry.stream}"} ${entry.tsNs} ${entry.line}`);
      continue;
    }
    copies.set(seq!, (copies.get(seq!) ?? 0) + 1);
  }

  let acknowledged = 0;
  let failed = 0;
  let unknown = 0;
  let lost = 0;
  let failedReadable = 0;
  let unknownReadable = 0;
  let duplicates = 0;
  const lostSeqs: number[] = [];
  const duplicateSamples: string[] = [];
  for (const [seq, { line, outcome }] of attempted) {
    const count = copies.get(seq) ?? 0;
    if (count > 1) {
      duplicates += count - 1;
      if (duplicateSamples.length < SAMPLES) duplicateSamples.push(`${count}x ${line.line}`);
    }
    if (outcome === 'ok') {
      acknowledged++;
      if (count === 0) {
        lost++;
        if (lostSeqs.length < SAMPLES) lostSeqs.push(seq);
      }
    } else if (outcome === 'failed') {
      failed++;
      if (count > 0) failedReadable++;
    } else {
      unknown++;
      if (count > 0) unknownReadable++;
    }
  }

  return {
    attempted: attempted.size,
    acknowledged,
    failed,
    unknown,
    readable: copies.size,
    lost,
    unexpected,
    duplicates,
    failedReadable,
    unknownReadable,
    lostSeqs: lostSeqs.sort((a, b) => a - b),
    unexpectedSamples,
    duplicateSamples,
    valid: lost === 0 && unexpected === 0 && duplicates === 0,
  };
}

export interface Availability {
  readonly attempted: number;
  readonly ok: number;
  readonly failed: number;
  readonly unknown: number;
  /** ok / attempted, or undefined with nothing attempted. */
  readonly ratio: number | undefined;
}

/** Pushes that started in [fromMs, toMs), by outcome. */
export function availabilityBetween(history: readonly WriteRecord[], fromMs: number, toMs: number): Availability {
  return availabilityOf(history.filter((push) => push.startMs >= fromMs && push.startMs < toMs));
}

export function availabilityOf(pushes: readonly WriteRecord[]): Availability {
  let ok = 0;
  let failed = 0;
  let unknown = 0;
  for (const push of pushes) {
    if (push.outcome === 'ok') ok++;
    else if (push.outcome === 'failed') failed++;
    else unknown++;
  }
  const attempted = pushes.length;
  return { attempted, ok, failed, unknown, ratio: attempted === 0 ? undefined : ok / attempted };
}
