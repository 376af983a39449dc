// The executor a gateway's frontend uses: queriers on the bus while at least one is live, this
// process otherwise. A gateway with no querier role deployed (or whose queriers all died) keeps
// answering, the way `--target all` always does.

import type { QueryResponse } from '../../../logql/types.js';
import type { ExecuteOptions, SubQuery, SubQueryExecutor } from '../executor.js';
import { NoQuerierError, type BusExecutor } from './bus-executor.js';
import type { QuerierPool } from './querier-pool.js';
import type { RemoteExecutorMetrics } from './metrics.js';

export class QuerierOrLocalExecutor implements SubQueryExecutor {
  constructor(
    private readonly pool: QuerierPool,
    private readonly remote: BusExecutor,
    private readonly local: SubQueryExecutor,
    private readonly metrics?: RemoteExecutorMetrics,
  ) {}

  concurrency(): number {
    return this.pool.live().length > 0 ? this.remote.concurrency() : this.local.concurrency();
  }

  async execute(job: SubQuery, options: ExecuteOptions): Promise<QueryResponse> {
    if (this.pool.live().length > 0) {
      try {
        return await this.remote.execute(job, options);
      } catch (error) {
        // Every querier went between the check and the lease: answer here after all.
        if (!(error instanceof NoQuerierError)) throw error;
      }
    }
    this.metrics?.local.inc();
    return this.local.execute(job, options);
  }
}
