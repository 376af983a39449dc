// The YAML every process of a chaos cluster reads. Ring timings are short so that a fault and
// its recovery fit in seconds; chunks are cut and flushed every minute so that object storage
// is written all through a run (and an S3 outage really blocks flushes); the WAL checkpoints
// every 15 s, so a kill -9 can land during or between checkpoints, not only on segments.

export interface ChaosTimings {
  /** How long a new ingester waits in PENDING for a handoff before it joins with fresh tokens. */
  readonly joinAfter: string;
}

export function chaosConfigYaml(replicationFactor: number, timings: ChaosTimings = { joinAfter: '500ms' }): string {
  return `log_level: info
ring:
  replication_factor: ${replicationFactor}
  heartbeat_period: 500ms
  heartbeat_timeout: 4s
  join_after: ${timings.joinAfter}
  handoff_wait: 3s
ingester:
  flush_check_period: 1s
  chunk_idle: 10s
  max_chunk_age: 1m
  retain_flushed: 15s
  flush_backoff: 200ms
  max_flush_backoff: 2s
distributor:
  push_timeout: 5s
querier:
  ingester_query_timeout: 10s
storage:
  index_cache: 0ms
wal:
  checkpoint_interval: 15s
`;
}
