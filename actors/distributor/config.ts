// The distributor's own settings; the limits it enforces are in core/limits.ts.

export interface DistributorConfig {
  /** Time to wait for a quorum of replicas before answering 5xx. */
  readonly pushTimeoutMs: number;
}

export const DEFAULT_DISTRIBUTOR: DistributorConfig = { pushTimeoutMs: 10_000 };
