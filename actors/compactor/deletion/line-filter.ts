// Which lines a delete request removes, decided the same way at query time (in ingesters, in
// the querier's store scan and its worker threads) and by the compactor when it rewrites
// chunks: an entry is deleted when its stream matches the request's selector, its timestamp
// lies in [start, end] (both inclusive, as Loki's), and the request's pipeline keeps its line
// (a request without stages deletes every line of the window). This is Loki's
// `DeleteRequest.FilterFunction`.

import { compileLogSelector, matchesLabels, parseExpr, type LogSelectorPlan } from '../../../logql/mod.js';
import type { DeleteFilter } from '../../../logql/types.js';
import type { Entry, Labels } from '../../../core/model.js';
import { DeletionError } from '../deletion-api.js';

/**
 * Compiles a delete request's query, refusing it with Loki's `invalid query expression: ...`:
 * it must be a log selector (at least one matcher that does not match the empty string) whose
 * pipeline can be built, so a request that is stored can always be applied.
 */
export function compileDeleteQuery(query: string): LogSelectorPlan {
  try {
    const expr = parseExpr(query);
    if (expr.kind !== 'logSelector') throw new Error('only log selector is supported');
    return compileLogSelector(query);
  } catch (error) {
    throw new DeletionError('DELETE_REQUEST_INVALID', `invalid query expression: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Loki's `HasFilter`: the pipeline filters lines (a line or label filter). Only such requests
 * are split by `max_interval`; one without filters deletes whole windows.
 */
export function hasFilter(plan: LogSelectorPlan): boolean {
  return plan.expr.stages.some((stage) => stage.kind === 'lineFilter' || stage.kind === 'labelFilter');
}

/** A test for one stream's entries: true when some delete request removes the entry. */
export type DeletedTest = (entry: Entry) => boolean;

interface StreamDelete {
  readonly start: bigint;
  readonly end: bigint;
  /** null: every line in the window goes. */
  readonly keeps: ((entry: Entry) => boolean) | null;
}

/**
 * The test for a stream with `labels` read over [from, through) (ns, `through` exclusive), or
 * undefined when no request touches it there: most streams then pay nothing at all.
 */
export function deletedTest(filters: readonly DeleteFilter[] | undefined, labels: Labels, from: bigint, through: bigint): DeletedTest | undefined {
  if (filters === undefined || filters.length === 0) return undefined;
  const applying: StreamDelete[] = [];
  for (const filter of filters) {
    if (filter.end < from || filter.start >= through) continue;
    const plan = compileLogSelector(filter.query);
    if (!matchesLabels(plan.matchers, labels)) continue;
    let keeps: StreamDelete['keeps'] = null;
    if (!plan.isNoop) {
      const runner = plan.pipeline.forStream(labels);
      keeps = (entry) => runner.process(entry.ts, entry.line, entry.metadata) !== null;
    }
    applying.push({ start: filter.start, end: filter.end, keeps });
  }
  if (applying.length === 0) return undefined;
  return (entry) => {
    for (const d of applying) {
      if (entry.ts < d.start || entry.ts > d.end) continue;
      if (d.keeps === null || d.keeps(entry)) return true;
    }
    return false;
  };
}

/** `entries` without the deleted ones; `entries` itself when nothing is deleted there. */
export function withoutDeleted(entries: Iterable<Entry>, test: DeletedTest | undefined): Iterable<Entry> {
  if (test === undefined) return entries;
  return filterEntries(entries, test);
}

function* filterEntries(entries: Iterable<Entry>, test: DeletedTest): Generator<Entry> {
  for (const entry of entries) if (!test(entry)) yield entry;
}
