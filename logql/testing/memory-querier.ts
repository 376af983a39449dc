// An in-memory `Querier` for tests and benchmarks: it runs plans the way a data source does,
// optionally several times over to stand for replicas holding the same streams.

import type { Entry, Labels } from '../../core/model.js';
import { selectLogsFromStreams, selectSamplesFromStreams } from '../engine/select.js';
import { compileLogSelector, compileSampleExpr, matchesLabels } from '../plan.js';
import type { Querier, QueryStats, SampleSeries, SelectLogsParams, SelectSamplesParams, StreamResult } from '../types.js';

export interface MemoryStream {
  readonly labels: Labels;
  /** Sorted by timestamp, oldest first. */
  readonly entries: readonly Entry[];
}

export class MemoryQuerier implements Querier {
  constructor(private readonly streams: readonly MemoryStream[], private readonly replicas = 1) {}

  async *selectLogs(params: SelectLogsParams, stats: QueryStats): AsyncIterable<StreamResult> {
    const plan = compileLogSelector(params.selector);
    for (let r = 0; r < this.replicas; r++) {
      const inputs = this.streams
        .filter((st) => matchesLabels(plan.matchers, st.labels))
        .map((st) => ({ labels: st.labels, entries: params.direction === 'forward' ? st.entries : [...st.entries].reverse() }));
      yield* selectLogsFromStreams(inputs, plan, params, stats);
    }
  }

  async *selectSamples(params: SelectSamplesParams, stats: QueryStats): AsyncIterable<SampleSeries> {
    const plan = compileSampleExpr(params.expr);
    const inputs = this.streams.filter((st) => matchesLabels(plan.matchers, st.labels));
    for (let r = 0; r < this.replicas; r++) yield* selectSamplesFromStreams(inputs, plan, params, stats);
  }
}
