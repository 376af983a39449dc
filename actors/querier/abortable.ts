// A data source that stops when a signal aborts: the querier's selections end at the next item
// (or at once, while waiting for one), and closing them cancels the ingesters' streamed replies
// and the store scan as the fan-in does for any consumer that stops early.

import type { Querier, QueryStats, SampleSeries, SelectLogsParams, SelectSamplesParams, StreamResult } from '../../logql/types.js';

export function abortable(source: Querier, signal: AbortSignal): Querier {
  return {
    selectLogs: (params: SelectLogsParams, stats: QueryStats): AsyncIterable<StreamResult> => untilAborted(source.selectLogs(params, stats), signal),
    selectSamples: (params: SelectSamplesParams, stats: QueryStats): AsyncIterable<SampleSeries> => untilAborted(source.selectSamples(params, stats), signal),
  };
}

async function* untilAborted<T>(items: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  signal.throwIfAborted();
  const iterator = items[Symbol.asyncIterator]();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  let done = false;
  try {
    for (;;) {
      const next = iterator.next();
      next.catch(() => undefined);
      const step = await Promise.race([next, aborted]);
      if (step.done === true) {
        done = true;
        return;
      }
      yield step.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort!);
    // Not awaited: a source busy with a step finishes it before it can close.
    if (!done) Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}
