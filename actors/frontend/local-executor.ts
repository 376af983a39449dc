// Runs sub-queries in this process on the querier (ClusterQuerier: the ingesters over the bus
// and the store), at most `maxConcurrent` at once. The querier applies its own checks, delete
// filters and the signal: a sub-query whose signal fires stops at the engine's next batch,
// which closes the ingesters' streamed replies and the store scan behind them.

import type { QueryParams, QueryResponse } from '../../logql/types.js';
import type { QueryOptions } from '../querier/api.js';
import type { ExecuteOptions, SubQuery, SubQueryExecutor } from './executor.js';

/** What the executor runs pieces on. */
export interface LocalQuerier {
  query(params: QueryParams, options?: QueryOptions): Promise<QueryResponse>;
}

export class LocalExecutor implements SubQueryExecutor {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly querier: LocalQuerier,
    private readonly maxConcurrent: number,
  ) {}

  concurrency(): number {
    return this.maxConcurrent;
  }

  async execute(job: SubQuery, options: ExecuteOptions = {}): Promise<QueryResponse> {
    const { signal } = options;
    await this.slot(signal);
    try {
      signal?.throwIfAborted();
      return await this.querier.query(job.params, signal !== undefined ? { signal } : {});
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private async slot(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    while (this.running >= this.maxConcurrent) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      if (signal?.aborted) {
        // Pass the wake-up on: this piece will not take the slot.
        this.waiting.shift()?.();
        throw signal.reason;
      }
    }
    this.running++;
  }
}
