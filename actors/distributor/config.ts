// The distributor's own settings; the limits it enforces are in core/limits.ts.

/** The durable producer path on JetStream (see durable-producers.ts). */
export interface ProducerStreamConfig {
  /**
   * Take producer batches from a JetStream stream on `norn.push.<tenant>` instead of answering
   * requests there. Needs NATS; off by default, as the stream then answers producers' requests.
   */
  readonly enabled: boolean;
  /** How long a batch waits in the stream for a gateway before it is dropped. */
  readonly maxAgeMs: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped as a duplicate. */
  readonly duplicateWindowMs: number;
  /** A batch taken but not acknowledged within this is delivered again. */
  readonly ackWaitMs: number;
  /** Batches one gateway writes at once. */
  readonly concurrency: number;
  /** First redelivery delay of a batch that may succeed later (rate limited, no quorum). */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
}

export interface DistributorConfig {
  /** Time to wait for a quorum of replicas before answering 5xx. */
  readonly pushTimeoutMs: number;
  readonly producerStream: ProducerStreamConfig;
}

export const DEFAULT_PRODUCER_STREAM: ProducerStreamConfig = {
  enabled: false,
  maxAgeMs: 24 * 3_600_000,
  duplicateWindowMs: 2 * 60_000,
  ackWaitMs: 30_000,
  concurrency: 4,
  retryDelayMs: 1_000,
  maxRetryDelayMs: 60_000,
};

export const DEFAULT_DISTRIBUTOR: DistributorConfig = { pushTimeoutMs: 10_000, producerStream: DEFAULT_PRODUCER_STREAM };
