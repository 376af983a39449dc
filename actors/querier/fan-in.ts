// Consumes the store scan and every ingester's streamed reply together, item by item as each
// arrives, so the querier holds what the engine keeps, not whole replies. The quorum rule is
// fan-out.ts's: a query may lose `tolerated` ingesters (RF - quorum); one more fails it. Items
// an ingester sent before it failed stay valid (replicas' copies are deduplicated downstream).
// Once the store and all ingesters but `tolerated` are done, stragglers get a short grace and
// are then cancelled, so one paused ingester does not hold every query for the full timeout.

export interface FanInSource<T> {
  readonly name: string;
  readonly items: AsyncIterable<T>;
}

export interface FanInOptions {
  readonly tolerated: number;
  readonly graceMs: number;
  /** Called once when more than `tolerated` ingesters failed; what it returns is thrown. */
  readonly tooManyFailures: (failures: ReadonlyArray<{ name: string; error: unknown }>) => Error;
  readonly onFailure?: (name: string, error: unknown) => void;
  readonly onAbandoned?: (name: string) => void;
  /**
   * Errors that fail the whole read at once, thrown as they are: a query every replica would
   * refuse alike (a 4xx), which no other replica can answer instead.
   */
  readonly isFatal?: (error: unknown) => boolean;
}

type Step<T> =
  | { readonly index: number; readonly kind: 'item'; readonly value: T }
  | { readonly index: number; readonly kind: 'done' }
  | { readonly index: number; readonly kind: 'error'; readonly error: unknown }
  | { readonly index: -1; readonly kind: 'grace' };

interface Running<T> {
  readonly iterator: AsyncIterator<T>;
  pending: Promise<Step<T>> | undefined;
}

/**
 * Yields the items of `primary` (the store scan: its errors fail the query) and of every
 * `replicas` source (ingesters: failures tolerated up to `tolerated`) in arrival order.
 */
export async function* fanIn<T>(
  primary: AsyncIterable<T>,
  replicas: ReadonlyArray<FanInSource<T>>,
  options: FanInOptions,
): AsyncGenerator<T> {
  const sources = [primary, ...replicas.map((replica) => replica.items)];
  const running = new Map<number, Running<T>>();
  sources.forEach((source, index) => running.set(index, { iterator: source[Symbol.asyncIterator](), pending: undefined }));
  const failures: Array<{ name: string; error: unknown }> = [];
  let answered = 0;
  let primaryDone = false;
  let grace: Promise<Step<T>> | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const needed = Math.max(0, replicas.length - options.tolerated);

  const pull = (index: number, source: Running<T>): Promise<Step<T>> =>
    (source.pending ??= source.iterator.next().then(
      (result): Step<T> => (result.done === true ? { index, kind: 'done' } : { index, kind: 'item', value: result.value }),
      (error: unknown): Step<T> => ({ index, kind: 'error', error }),
    ));

  try {
    while (running.size > 0) {
      if (primaryDone && answered >= needed && grace === undefined && running.size > 0) {
        grace = new Promise((resolve) => {
          graceTimer = setTimeout(() => resolve({ index: -1, kind: 'grace' }), options.graceMs);
        });
      }
      const waiting = [...running].map(([index, source]) => pull(index, source));
      const step = await Promise.race(grace === undefined ? waiting : [...waiting, grace]);
      if (step.kind === 'grace') {
        for (const index of running.keys()) options.onAbandoned?.(replicas[index - 1]!.name);
        break;
      }
      const source = running.get(step.index)!;
      source.pending = undefined;
      if (step.kind === 'item') {
        yield step.value;
        continue;
      }
      running.delete(step.index);
      if (step.index === 0) {
        if (step.kind === 'error') throw step.error;
        primaryDone = true;
        continue;
      }
      if (step.kind === 'done') {
        answered++;
        continue;
      }
      if (options.isFatal?.(step.error) === true) throw step.error;
      const name = replicas[step.index - 1]!.name;
      failures.push({ name, error: step.error });
      options.onFailure?.(name, step.error);
      if (failures.length > options.tolerated) throw options.tooManyFailures(failures);
    }
  } finally {
    clearTimeout(graceTimer);
    // Cancels what is still running (abandoned stragglers, or everything when the query failed
    // or its consumer stopped early); a pending read settles on its own and is ignored.
    for (const source of running.values()) {
      source.pending?.catch(() => undefined);
      void source.iterator.return?.()?.catch(() => undefined);
    }
  }
}
