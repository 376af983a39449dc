// One compaction pass: every tenant's finished days merged into their compacted generation
// (storage/index/index-compactor.ts), and what older generations superseded deleted once the
// cleanup delay passed. A failing day is logged and retried next run; the others go on. The
// metrics count runs, as Loki's `compact_tables_operation_total` does: one success or failure
// per pass.

import type { Logger } from 'pino';
import type { IndexCompactor } from '../../storage/index/index-compactor.js';
import type { CompactorMetrics } from './metrics.js';

export interface CompactionPassResult {
  /** Every tenant's days with index entries, as listed at the start of the pass. */
  readonly tenantDays: Map<string, number[]>;
  readonly daysCompacted: number;
  readonly objectsMerged: number;
  readonly objectsDeleted: number;
  readonly failures: number;
}

export interface CompactionPassDeps {
  readonly index: IndexCompactor;
  readonly metrics: CompactorMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** The newest day no ingester flushes into any more; later days are left alone. */
  readonly lastFinishedDay: number;
  /** Asked before each tenant-day: false stops the pass (the lease was lost). */
  readonly proceed: () => boolean;
}

export async function compactIndex(deps: CompactionPassDeps): Promise<CompactionPassResult> {
  const { index, metrics, logger } = deps;
  const started = deps.now();
  const tenantDays = new Map<string, number[]>();
  let daysCompacted = 0;
  let objectsMerged = 0;
  let objectsDeleted = 0;
  let failures = 0;
  try {
    for (const tenant of await index.tenants()) tenantDays.set(tenant, await index.days(tenant));
    for (const [tenant, days] of tenantDays) {
      for (const day of days) {
        if (day > deps.lastFinishedDay || !deps.proceed()) continue;
        try {
          const result = await index.compactDay(tenant, day);
          if (result.written !== undefined) {
            daysCompacted++;
            metrics.generationsWritten.inc();
          }
          objectsMerged += result.merged;
          objectsDeleted += result.deleted;
          metrics.indexObjectsDeleted.inc(result.deleted);
        } catch (error) {
          failures++;
          logger.warn({ err: error, tenant, day }, 'compactor: compacting a day failed; it is retried next run');
        }
      }
    }
  } catch (error) {
    failures++;
    logger.warn({ err: error }, 'compactor: listing tenants or days failed; retried next run');
  }
  metrics.compactOperations.inc({ status: failures === 0 ? 'success' : 'failure' });
  metrics.compactDurationSeconds.set((deps.now() - started) / 1000);
  if (failures === 0) metrics.compactLastSuccess.set(deps.now() / 1000);
  return { tenantDays, daysCompacted, objectsMerged, objectsDeleted, failures };
}
