// Prints a chaos run's figures as plain tables: each fault with the write availability while it
// lasted, the same by fault kind, and the checker's counts for each read-back.

import { availabilityBetween, availabilityOf, type Availability } from '../../tools/canary/checker.js';
import { FAULT_KINDS } from './faults.js';
import type { ChaosResult } from './scenario.js';

type Cell = string | number;

function table(header: readonly string[], rows: readonly Cell[][]): string {
  const text = [header, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = header.map((_, column) => Math.max(...text.map((row) => (row[column] ?? '').length)));
  // Text columns (the first, and any cell that is not a figure) align left; figures right.
  const render = (row: string[]): string =>
    row
      .map((cell, column) => (column === 0 || !/^[\d.%x -]+$/.test(cell) ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [render(text[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...text.slice(1).map(render)].join('\n');
}

export function percent(availability: Availability): string {
  return availability.ratio === undefined ? '-' : `${(availability.ratio * 100).toFixed(1)}%`;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

function availabilityCells(a: Availability): Cell[] {
  return [a.attempted, a.ok, a.failed, a.unknown, percent(a)];
}

/** Queries started in the windows, and how many were answered 200. */
function queryCells(queries: ChaosResult['queries'], windows: ReadonlyArray<{ startMs: number; settledMs: number }> | undefined): Cell[] {
  const within = windows === undefined ? queries : queries.filter((q) => windows.some((w) => q.startMs >= w.startMs && q.startMs < w.settledMs));
  const ok = within.filter((q) => q.outcome === 'ok').length;
  return [within.length, ok, within.length === 0 ? '-' : `${((ok / within.length) * 100).toFixed(1)}%`];
}

export function formatReport(result: ChaosResult): string {
  const { options, history, windows, reads } = result;
  const out: string[] = [];
  const firsts = history.filter((push) => push.attempt === 0);
  const lines = firsts.reduce((n, push) => n + push.lines.length, 0);
  const retries = history.length - firsts.length;
  out.push(
    `Norn chaos run: ${seconds(result.workloadEndMs - result.startMs)} s of writes, a fault every ${seconds(options.faultEveryMs)} s, seed ${options.seed}`,
    `cluster: nats-server, S3 server, ${options.ingesters} ingesters (replication factor ${options.replicationFactor}), 1 gateway, each its own process`,
    `workload: ${options.writers} writers x ${options.pushesPerSecond} pushes/s x ${options.linesPerPush} lines over ${options.streams} streams; ${firsts.length} pushes, ${lines} lines; ${retries} retries (up to ${options.maxRetries} a push; every attempt counts as a push below)`,
    ...result.leftOut.map((left) => `left out: ${left.kind} (${left.reason})`),
    '',
    'Faults (availability = acknowledged pushes / pushes started between the fault\'s start and the ring settling again)',
  );
  const windowRows = windows.map((w): Cell[] => [
    w.index,
    seconds(w.startMs - result.startMs),
    w.kind,
    w.target || '-',
    seconds(w.healedMs - w.startMs),
    seconds(w.settledMs - w.startMs),
    ...availabilityCells(availabilityBetween(history, w.startMs, w.settledMs)),
    w.error !== undefined ? `ERROR: ${w.error}` : w.note,
  ]);
  out.push(table(['#', 'at s', 'fault', 'target', 'healed s', 'settled s', 'pushes', 'ok', 'failed', 'unknown', 'availability', 'note'], windowRows), '');

  out.push('By fault kind');
  const kindRows: Cell[][] = [];
  for (const kind of FAULT_KINDS) {
    const of = windows.filter((w) => w.kind === kind);
    if (of.length === 0) continue;
    const pushes = of.flatMap((w) => history.filter((p) => p.startMs >= w.startMs && p.startMs < w.settledMs));
    kindRows.push([kind, of.length, ...availabilityCells(availabilityOf(pushes)), ...queryCells(result.queries, of)]);
  }
  const quietQueries = result.queries.filter((q) => !windows.some((w) => q.startMs >= w.startMs && q.startMs < w.settledMs));
  const oneDown = windows.filter((w) => w.blast === 'one-ingester');
  kindRows.push(['(between faults)', '-', ...availabilityCells(result.quiet), ...queryCells(quietQueries, undefined)]);
  kindRows.push(['(one ingester down)', oneDown.length, ...availabilityCells(result.oneIngesterDown), ...queryCells(result.queries, oneDown)]);
  kindRows.push(['(whole run)', windows.length, ...availabilityCells(result.overall), ...queryCells(result.queries, undefined)]);
  out.push(table(['fault', 'count', 'pushes', 'ok', 'failed', 'unknown', 'availability', 'queries', 'answered', 'query availability'], kindRows), '');

  out.push('Read-back (Jepsen queue checker; lines)');
  const readRows = reads.map((r): Cell[] => [
    r.name,
    r.pages,
    r.check.attempted,
    r.check.acknowledged,
    r.check.failed,
    r.check.unknown,
    r.check.readable,
    r.check.lost,
    r.check.unexpected,
    r.check.duplicates,
    r.check.failedReadable,
    r.check.unknownReadable,
  ]);
  out.push(
    table(['read', 'pages', 'attempted', 'acked', 'failed', 'unknown', 'readable', 'LOST', 'UNEXPECTED', 'DUPLICATES', 'failed->readable', 'unknown->readable'], readRows),
    '',
  );
  for (const read of reads) {
    if (read.check.lostSeqs.length > 0) out.push(`  ${read.name}: lost seq ${read.check.lostSeqs.join(', ')}`);
    for (const sample of read.check.unexpectedSamples) out.push(`  ${read.name}: unexpected ${sample}`);
    for (const sample of read.check.duplicateSamples) out.push(`  ${read.name}: duplicate ${sample}`);
  }

  const failedPushes = history.filter((push) => push.outcome !== 'ok');
  if (failedPushes.length > 0) {
    const reasons = new Map<string, number>();
    for (const push of failedPushes) {
      const reason = `${push.outcome} ${push.status ?? ''} ${(push.detail ?? '').replace(/\d+/g, 'N').slice(0, 110)}`.replace(/\s+/g, ' ');
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    out.push('Why pushes were not acknowledged');
    out.push(table(['pushes', 'answer'], [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([reason, count]) => [count, reason])), '');
  }

  const failedQueries = result.queries.filter((query) => query.outcome !== 'ok');
  if (failedQueries.length > 0) {
    const reasons = new Map<string, number>();
    for (const query of failedQueries) {
      const reason = `${query.outcome} ${query.status ?? ''} ${(query.detail ?? '').replace(/\d+/g, 'N').slice(0, 110)}`.replace(/\s+/g, ' ');
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    out.push('Why queries were not answered');
    out.push(table(['queries', 'answer'], [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([reason, count]) => [count, reason])), '');
  }

  out.push(`Incidents (crashes, hangs, stuck ring): ${result.incidents.length === 0 ? 'none' : ''}`);
  for (const incident of result.incidents) {
    out.push(`  ${seconds(incident.atMs - result.startMs)} s ${incident.kind} ${incident.process}: ${incident.detail.split('\n').slice(0, 6).join('\n    ')}`);
  }
  out.push('');
  if (result.passed) out.push('RESULT: PASS (0 lost, 0 unexpected, 0 duplicates, no incidents)');
  else {
    out.push('RESULT: FAIL');
    for (const failure of result.failures) out.push(`  - ${failure}`);
    out.push(`  the run's data and process logs are kept in ${result.root}`);
  }
  return out.join('\n');
}
