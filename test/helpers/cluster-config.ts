// The YAML every process of a test cluster reads. Ring timings are short so that faults and
// recoveries fit in seconds. With `churn`, chunks are also cut and flushed every minute (so
// object storage is written all through a run and an S3 outage really blocks flushes) and the
// WAL checkpoints every 15 s (so a kill -9 can land during or between checkpoints).

export interface ClusterConfigOptions {
  /** How long a new ingester waits in PENDING for a handoff before it joins with fresh tokens. */
  readonly joinAfter?: string;
  readonly churn?: boolean;
  readonly logLevel?: string;
}

export function clusterConfigYaml(replicationFactor: number, options: ClusterConfigOptions = {}): string {
  const { joinAfter = '500ms', churn = false, logLevel = 'info' } = options;
  return `log_level: ${logLevel}
ring:
  replication_factor: ${replicationFactor}
  heartbeat_period: 500ms
  heartbeat_timeout: 4s
  join_after: ${joinAfter}
  handoff_wait: 3s
ingester:
  flush_check_period: 1s
  retain_flushed: ${churn ? '15s' : '30s'}
  flush_backoff: 200ms
  max_flush_backoff: 2s
${churn ? '  chunk_idle: 10s\n  max_chunk_age: 1m\n' : ''}distributor:
  push_timeout: 5s
querier:
  ingester_query_timeout: 10s
storage:
  index_cache: 0ms
${churn ? 'wal:\n  checkpoint_interval: 15s\n' : ''}`;
}
