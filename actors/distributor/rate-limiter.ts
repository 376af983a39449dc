// Per-tenant ingestion rate limit: a token bucket of bytes, refilled at the configured rate up
// to the burst size. Local to each gateway, as Loki's "local" strategy.

import { NornError } from '../../core/errors.js';

export class RateLimitError extends NornError {
  constructor(message: string) {
    super('RATE_LIMITED', message);
  }
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class IngestionRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rateBytesPerSecond: number,
    private readonly burstBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `bytes` from the tenant's bucket or throws Loki's 429 message. */
  take(tenant: string, lines: number, bytes: number): void {
    if (this.rateBytesPerSecond <= 0) return;
    const now = this.now();
    let bucket = this.buckets.get(tenant);
    if (bucket === undefined) {
      bucket = { tokens: this.burstBytes, updatedMs: now };
      this.buckets.set(tenant, bucket);
    }
    bucket.tokens = Math.min(this.burstBytes, bucket.tokens + ((now - bucket.updatedMs) / 1000) * this.rateBytesPerSecond);
    bucket.updatedMs = now;
    if (bytes > bucket.tokens) {
      throw new RateLimitError(
        `Ingestion rate limit exceeded for user ${tenant} (limit: ${this.rateBytesPerSecond} bytes/sec) while attempting to ingest '${lines}' lines totaling '${bytes}' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased`,
      );
    }
    bucket.tokens -= bytes;
  }
}
