// Asks several replicas at once and stops waiting once enough have answered. A query needs all
// ingesters but `tolerated` (RF - quorum: every acknowledged line lives on a quorum of its
// replicas); once that many answered, stragglers get a short grace and are then left behind, so
// one paused or partitioned ingester does not hold every query for the full timeout.

export interface FanOutResult<T> {
  readonly answers: T[];
  readonly failures: Array<{ readonly index: number; readonly error: unknown }>;
  /** Tasks still running when the result was returned. */
  readonly abandoned: number[];
}

export function fanOut<T>(tasks: ReadonlyArray<() => Promise<T>>, tolerated: number, graceMs: number): Promise<FanOutResult<T>> {
  const needed = Math.max(0, tasks.length - tolerated);
  const answers: T[] = [];
  const failures: Array<{ index: number; error: unknown }> = [];
  const settled = new Set<number>();
  return new Promise((resolve) => {
    let done = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(grace);
      const abandoned = tasks.map((_, index) => index).filter((index) => !settled.has(index));
      resolve({ answers, failures, abandoned });
    };
    const check = (): void => {
      if (settled.size === tasks.length || failures.length > tolerated) finish();
      else if (answers.length >= needed && grace === undefined) grace = setTimeout(finish, graceMs);
    };
    tasks.forEach((task, index) => {
      task().then(
        (answer) => {
          if (done) return;
          settled.add(index);
          answers.push(answer);
          check();
        },
        (error: unknown) => {
          if (done) return;
          settled.add(index);
          failures.push({ index, error });
          check();
        },
      );
    });
    check();
  });
}
