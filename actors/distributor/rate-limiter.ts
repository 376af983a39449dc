// Per-tenant ingestion rate limit: a token bucket of bytes per tenant, refilled at the tenant's
// `ingestion_rate` up to its `ingestion_burst`. Local to each gateway, as Loki's "local" strategy.
// The rate and burst are read for every push, so a tenant's runtime override takes effect at its
// next push: the tokens already earned are kept (at most the new burst), as Loki's limiter does
// when its limit is changed.

import { NornError } from '../../core/errors.js';

export class RateLimitError extends NornError {
  constructor(message: string) {
    super('RATE_LIMITED', message);
  }
}

/** A tenant's rate (bytes/s) and burst (bytes); a rate of 0 or less is no limit. */
export interface TenantRate {
  readonly rateBytes: number;
  readonly burstBytes: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
  rateBytes: number;
  burstBytes: number;
}

export class IngestionRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rateOf: (tenant: string) => TenantRate,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `bytes` from the tenant's bucket or throws Loki's 429 message. */
  take(tenant: string, lines: number, bytes: number): void {
    const { rateBytes, burstBytes } = this.rateOf(tenant);
    if (rateBytes <= 0) {
      // Unlimited now: a later limit starts from a full bucket.
      this.buckets.delete(tenant);
      return;
    }
    const now = this.now();
    let bucket = this.buckets.get(tenant);
    if (bucket === undefined) {
      bucket = { tokens: burstBytes, updatedMs: now, rateBytes, burstBytes };
      this.buckets.set(tenant, bucket);
    }
    // Earned at the rate in force until now, then capped by the burst in force from now.
    bucket.tokens = Math.min(bucket.burstBytes, bucket.tokens + ((now - bucket.updatedMs) / 1000) * bucket.rateBytes);
    bucket.rateBytes = rateBytes;
    bucket.burstBytes = burstBytes;
    bucket.tokens = Math.min(burstBytes, bucket.tokens);
    bucket.updatedMs = now;
    if (bytes > bucket.tokens) {
      throw new RateLimitError(
        `Ingestion rate limit exceeded for user ${tenant} (limit: ${rateBytes} bytes/sec) while attempting to ingest '${lines}' lines totaling '${bytes}' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased`,
      );
    }
    bucket.tokens -= bytes;
  }
}
