// What a fault is: its kind, what it takes away, how long it takes, and how it is applied and
// healed. The kinds themselves are in faults.ts (ingesters, bus, storage) and faults-edge.ts
// (the gateway, a disk, the network path to the bus).

import type { ChaosCluster } from './cluster.js';
import type { SeededRandom } from './random.js';

export const FAULT_KINDS = [
  'kill', 'pause', 'leave', 'handoff', 'handoff-crash', 'rolling-restart', 'nats-restart', 's3-outage', 'kill-all',
  's3-outage-kill', 'nats-restart-handoff', 'gateway-restart', 'disk-full', 'nats-partition',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What a fault takes away while it lasts. */
export type Blast = 'one-ingester' | 'all-ingesters' | 'bus' | 'storage' | 'gateway';

/** What a cluster must be started with for a fault kind to be applied to it. */
export const FAULT_NEEDS: Partial<Record<FaultKind, 'nats-relays' | 'tmpfs'>> = {
  'nats-partition': 'nats-relays',
  'disk-full': 'tmpfs',
};

export interface FaultTimings {
  /** How long a killed ingester stays down before its restart. */
  readonly killDownMs: number;
  readonly pauseMinMs: number;
  readonly pauseMaxMs: number;
  readonly natsDownMs: number;
  readonly s3OutageMs: number;
  /** How long a killed gateway stays down before its restart on the same port. */
  readonly gatewayDownMs: number;
  /** How long an ingester's disk stays full. */
  readonly diskFullMs: number;
  /** How long an ingester stays cut off from the bus: past the ring's heartbeat timeout (4 s). */
  readonly partitionMs: number;
  /** How long a newcomer waits in PENDING for a handoff before it joins on its own. */
  readonly newcomerJoinAfter: string;
}

export const DEFAULT_FAULT_TIMINGS: FaultTimings = {
  killDownMs: 2_000,
  pauseMinMs: 3_000,
  pauseMaxMs: 6_000,
  natsDownMs: 2_000,
  s3OutageMs: 30_000,
  gatewayDownMs: 2_000,
  diskFullMs: 8_000,
  partitionMs: 10_000,
  newcomerJoinAfter: '20s',
};

export interface FaultContext {
  readonly cluster: ChaosCluster;
  readonly random: SeededRandom;
  readonly timings: FaultTimings;
}

export interface FaultOutcome {
  readonly target: string;
  readonly note?: string;
}

export interface FaultSpec {
  readonly kind: FaultKind;
  readonly blast: Blast;
  readonly description: string;
  /** Roughly how long the fault takes to apply and heal, so a run does not start one it cannot finish. */
  estimateMs(timings: FaultTimings, ingesters: number): number;
  run(context: FaultContext): Promise<FaultOutcome>;
}

/** A random running ingester: the victim of a one-ingester fault. */
export const someIngester = ({ cluster, random }: FaultContext): string => random.pick(cluster.runningIds());
