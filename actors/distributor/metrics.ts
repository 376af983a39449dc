// The gateway's Prometheus metrics: what the distributor took in and what it refused.

import { Counter, type Registry } from 'prom-client';

export interface DistributorMetrics {
  readonly linesReceived: Counter<'tenant'>;
  readonly bytesReceived: Counter<'tenant'>;
  readonly discardedLines: Counter<'tenant' | 'reason'>;
  readonly quorumFailures: Counter<'tenant'>;
}

export function createDistributorMetrics(registry: Registry): DistributorMetrics {
  const registers = [registry];
  return {
    linesReceived: new Counter({ name: 'norn_distributor_lines_received_total', help: 'Log lines accepted by a quorum of ingesters.', labelNames: ['tenant'], registers }),
    bytesReceived: new Counter({ name: 'norn_distributor_bytes_received_total', help: 'Bytes of log lines accepted by a quorum of ingesters.', labelNames: ['tenant'], registers }),
    discardedLines: new Counter({ name: 'norn_discarded_lines_total', help: 'Log lines refused before replication, by reason.', labelNames: ['tenant', 'reason'], registers }),
    quorumFailures: new Counter({ name: 'norn_distributor_quorum_failures_total', help: 'Pushes that could not reach a quorum of replicas.', labelNames: ['tenant'], registers }),
  };
}
