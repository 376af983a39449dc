// The agent's own metrics, Promtail's set under the norn_agent_ prefix: bytes and lines read per
// file, entries and bytes sent, dropped and retried per client, files followed.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly readBytes = new Counter({ name: 'norn_agent_read_bytes_total', help: 'Bytes read from followed files.', labelNames: ['path'], registers: [this.registry] });
  readonly readLines = new Counter({ name: 'norn_agent_read_lines_total', help: 'Lines read from followed files.', labelNames: ['path'], registers: [this.registry] });
  readonly fileBytes = new Gauge({ name: 'norn_agent_file_bytes_total', help: 'Size of each followed file.', labelNames: ['path'], registers: [this.registry] });
  readonly filesActive = new Gauge({ name: 'norn_agent_files_active_total', help: 'Files followed now.', registers: [this.registry] });
  readonly sentEntries = new Counter({ name: 'norn_agent_sent_entries_total', help: 'Entries the server acknowledged.', labelNames: ['host'], registers: [this.registry] });
  readonly sentBytes = new Counter({ name: 'norn_agent_sent_bytes_total', help: 'Line bytes the server acknowledged.', labelNames: ['host'], registers: [this.registry] });
  readonly droppedEntries = new Counter({ name: 'norn_agent_dropped_entries_total', help: 'Entries given up on: refused by the server (4xx but 429) or out of retries.', labelNames: ['host', 'reason'], registers: [this.registry] });
  readonly droppedBytes = new Counter({ name: 'norn_agent_dropped_bytes_total', help: 'Line bytes given up on.', labelNames: ['host', 'reason'], registers: [this.registry] });
  readonly batchRetries = new Counter({ name: 'norn_agent_batch_retries_total', help: 'Pushes retried after a 429, a 5xx or no answer.', labelNames: ['host'], registers: [this.registry] });
  readonly failedRequests = new Counter({ name: 'norn_agent_request_failures_total', help: 'Pushes that did not succeed, by status ("error": no answer).', labelNames: ['host', 'status_code'], registers: [this.registry] });
  readonly stageDropped = new Counter({ name: 'norn_agent_stage_dropped_entries_total', help: 'Entries a drop stage discarded.', labelNames: ['reason'], registers: [this.registry] });
  readonly requestDuration = new Histogram({ name: 'norn_agent_request_duration_seconds', help: 'Push request duration.', labelNames: ['host', 'status_code'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  readonly pendingEntries = new Gauge({ name: 'norn_agent_pending_entries', help: 'Entries read but not yet acknowledged.', registers: [this.registry] });
}
