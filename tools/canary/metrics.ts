// The canary's metrics, named after loki-canary's with the norn_canary_ prefix, so its
// dashboards and alerts carry over by renaming the prefix.

import { Counter, Histogram, Registry } from 'prom-client';

export class CanaryMetrics {
  readonly registry = new Registry();
  private readonly r = [this.registry];
  readonly entries = new Counter({ name: 'norn_canary_entries_total', help: 'Entries written (attempted).', registers: this.r });
  readonly acknowledged = new Counter({ name: 'norn_canary_acknowledged_entries_total', help: 'Entries whose write was acknowledged (pushed: 2xx; to a file: appended).', registers: this.r });
  readonly writeFailures = new Counter({ name: 'norn_canary_write_failures_total', help: 'Entries whose write was refused or not answered; not expected to be readable.', registers: this.r });
  readonly outOfOrder = new Counter({ name: 'norn_canary_out_of_order_entries_total', help: 'Entries the tail delivered after a later one.', registers: this.r });
  readonly duplicates = new Counter({ name: 'norn_canary_duplicate_entries_total', help: 'Extra copies of an entry, from the tail or a query.', registers: this.r });
  readonly unexpected = new Counter({ name: 'norn_canary_unexpected_entries_total', help: 'Entries read back that were not written as read (other stream, time or text).', registers: this.r });
  readonly missing = new Counter({ name: 'norn_canary_missing_entries_total', help: 'Acknowledged entries a query did not return after --wait.', registers: this.r });
  readonly websocketMissing = new Counter({ name: 'norn_canary_websocket_missing_entries_total', help: 'Acknowledged entries the tail did not deliver within --wait (a query may still find them).', registers: this.r });
  readonly checked = new Counter({ name: 'norn_canary_spot_check_entries_total', help: 'Entries a query check accounted for.', registers: this.r });
  readonly checkFailures = new Counter({ name: 'norn_canary_check_failures_total', help: 'Query checks that could not run (the query failed); retried on the next check.', registers: this.r });
  readonly wsReconnects = new Counter({ name: 'norn_canary_ws_reconnects_total', help: 'Times the tail websocket was opened again.', registers: this.r });
  readonly latency = new Histogram({
    name: 'norn_canary_response_latency_seconds',
    help: 'Time from writing an entry to receiving it on the tail.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: this.r,
  });
}
