// Log deletion's metrics, named as Loki's compactor exports them, in Norn's namespace
// (`loki_compactor_deleted_lines` -> `norn_compactor_deleted_lines`), with `user` the tenant.

import { Counter, Gauge, type Registry } from 'prom-client';

export interface DeletionMetrics {
  readonly received: Counter<'user'>;
  readonly processed: Counter<'user'>;
  readonly deletedLines: Counter<'user'>;
  readonly chunksRewritten: Counter<'user'>;
  readonly failures: Counter<'cause'>;
  readonly staleListings: Counter<'user'>;
  readonly pending: Gauge;
  readonly oldestPendingAgeSeconds: Gauge;
}

/** Registered once per registry: two services in one process (tests) share them. */
export function deletionMetrics(registry: Registry): DeletionMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames, registers: [registry] });
  const gauge = (name: string, help: string): Gauge =>
    (registry.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help, registers: [registry] });
  return {
    received: counter('norn_compactor_delete_requests_received_total', 'Number of delete requests received per user.', ['user']),
    processed: counter('norn_compactor_delete_requests_processed_total', 'Number of delete requests processed per user.', ['user']),
    deletedLines: counter('norn_compactor_deleted_lines', 'Number of lines removed from stored chunks per user.', ['user']),
    chunksRewritten: counter('norn_compactor_delete_chunks_rewritten_total', 'Stored chunks rewritten (or removed, when no line remained) by delete requests, per user.', ['user']),
    failures: counter('norn_compactor_delete_processing_fails_total', 'Number of times carrying out delete requests failed.', ['cause']),
    staleListings: counter(
      'norn_delete_requests_stale_listings_total',
      "Queries that filtered deleted lines with the tenant's last good listing of delete requests because the object store could not be listed.",
      ['user'],
    ),
    pending: gauge('norn_compactor_pending_delete_requests_count', 'Delete requests past their cancel period that are not fully processed yet.'),
    oldestPendingAgeSeconds: gauge(
      'norn_compactor_oldest_pending_delete_request_age_seconds',
      'Age of the oldest pending delete request since its cancel period ended, in seconds (0 when none).',
    ),
  };
}
