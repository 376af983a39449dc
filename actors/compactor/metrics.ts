// The compactor's metrics, named after Loki's (`loki_boltdb_shipper_compact_tables_operation_*`,
// `loki_compactor_apply_retention_*`, `loki_compactor_running`, the retention sweeper's) in
// Norn's namespace, plus what Norn's index and sweeper add: objects merged, chunks and bytes
// deleted.

import { Counter, Gauge, type Registry } from 'prom-client';

export interface CompactorMetrics {
  readonly compactOperations: Counter<'status'>;
  readonly compactDurationSeconds: Gauge;
  readonly compactLastSuccess: Gauge;
  readonly retentionOperations: Counter<'status'>;
  readonly retentionDurationSeconds: Gauge;
  readonly retentionLastSuccess: Gauge;
  readonly indexObjectsMerged: Counter;
  readonly indexObjectsDeleted: Counter;
  readonly generationsWritten: Counter;
  readonly chunksMarked: Counter;
  readonly chunksDeleted: Counter;
  readonly chunkBytesDeleted: Counter;
  readonly markersCurrent: Gauge;
  readonly markersDeleted: Counter;
  readonly taskRuns: Counter<'task' | 'status'>;
  readonly running: Gauge;
}

/** Registered once per registry: two compactors in one process (tests) share them. */
export function compactorMetrics(registry: Registry): CompactorMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames, registers: [registry] });
  const gauge = (name: string, help: string): Gauge =>
    (registry.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help, registers: [registry] });
  return {
    compactOperations: counter('norn_compactor_compact_tables_operation_total', 'Total number of index compaction runs done by status.', ['status']),
    compactDurationSeconds: gauge('norn_compactor_compact_tables_operation_duration_seconds', 'Time (in seconds) spent in compacting the index in the last run.'),
    compactLastSuccess: gauge('norn_compactor_compact_tables_operation_last_successful_run_timestamp_seconds', 'Unix timestamp of the last successful index compaction run.'),
    retentionOperations: counter('norn_compactor_apply_retention_operation_total', 'Total number of retention runs done by status.', ['status']),
    retentionDurationSeconds: gauge('norn_compactor_apply_retention_operation_duration_seconds', 'Time (in seconds) spent applying retention and sweeping in the last run.'),
    retentionLastSuccess: gauge('norn_compactor_apply_retention_last_successful_run_timestamp_seconds', 'Unix timestamp of the last successful retention run.'),
    indexObjectsMerged: counter('norn_compactor_index_objects_merged_total', 'Per-flush index objects merged into compacted index generations.'),
    indexObjectsDeleted: counter('norn_compactor_index_objects_deleted_total', 'Index objects deleted after a newer compacted generation superseded them.'),
    generationsWritten: counter('norn_compactor_index_generations_written_total', 'Compacted index generations written (compaction, retention and deletes).'),
    chunksMarked: counter('norn_compactor_retention_marker_count_total', 'Chunks marked for deletion by retention.'),
    chunksDeleted: counter('norn_compactor_chunks_deleted_total', 'Chunk objects deleted from storage by the sweeper.'),
    chunkBytesDeleted: counter('norn_compactor_chunk_bytes_deleted_total', 'Bytes of chunk objects deleted from storage by the sweeper.'),
    markersCurrent: gauge('norn_compactor_retention_sweeper_marker_files_current', 'Deletion marker objects waiting (due or not).'),
    markersDeleted: counter('norn_compactor_retention_sweeper_marker_files_deleted_total', 'Deletion marker objects deleted after being fully processed.'),
    taskRuns: counter('norn_compactor_task_runs_total', 'Runs of registered compactor tasks (delete requests, ...) by task and status.', ['task', 'status']),
    running: gauge('norn_compactor_running', 'Value will be 1 if this compactor holds the lease and is the active one.'),
  };
}
