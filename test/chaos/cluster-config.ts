// The YAML every process of a chaos cluster reads: the test cluster's, with churn on (chunks cut
// and flushed every minute, WAL checkpoints every 15 s), so faults hit flushes and checkpoints too.

import { clusterConfigYaml } from '../helpers/cluster-config.js';

export interface ChaosTimings {
  /** How long a new ingester waits in PENDING for a handoff before it joins with fresh tokens. */
  readonly joinAfter: string;
}

export function chaosConfigYaml(replicationFactor: number, timings: ChaosTimings = { joinAfter: '500ms' }): string {
  return clusterConfigYaml(replicationFactor, { joinAfter: timings.joinAfter, churn: true });
}
