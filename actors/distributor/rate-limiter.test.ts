import { describe, expect, it } from 'vitest';
import { IngestionRateLimiter, RateLimitError, type TenantRate } from './rate-limiter.js';

/** A limiter on a clock the test moves, with rates the test changes, as a runtime override does. */
function makeLimiter(rates: Record<string, TenantRate>) {
  let now = 0;
  const limiter = new IngestionRateLimiter((tenant) => rates[tenant] ?? { rateBytes: 100, burstBytes: 200 }, () => now);
  return { limiter, rates, advance: (ms: number) => void (now += ms) };
}

const refused = (run: () => void): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof RateLimitError) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('IngestionRateLimiter', () => {
  it('gives each tenant its own bucket with its own rate and burst', () => {
    const { limiter, advance } = makeLimiter({ big: { rateBytes: 1000, burstBytes: 5000 } });
    limiter.take('big', 1, 5000);
    expect(refused(() => limiter.take('small', 1, 201))).toBe(
      "Ingestion rate limit exceeded for user small (limit: 100 bytes/sec) while attempting to ingest '1' lines totaling '201' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased",
    );
    limiter.take('small', 1, 200);
    // One tenant's use leaves the other's bucket alone.
    expect(refused(() => limiter.take('big', 1, 1))).toMatch(/^Ingestion rate limit exceeded for user big \(limit: 1000 bytes\/sec\)/);
    advance(1000);
    limiter.take('big', 1, 1000);
    expect(refused(() => limiter.take('small', 1, 101))).toMatch(/user small/);
    limiter.take('small', 1, 100);
  });

  it('a changed rate applies at the next push, keeping the tokens earned up to the new burst', () => {
    const { limiter, rates, advance } = makeLimiter({ t: { rateBytes: 100, burstBytes: 1000 } });
    limiter.take('t', 1, 1000);
    advance(2000); // 200 earned at the old rate
    rates['t'] = { rateBytes: 10, burstBytes: 150 };
    expect(refused(() => limiter.take('t', 1, 151))).toMatch(/limit: 10 bytes\/sec/);
    limiter.take('t', 1, 150);
    advance(1000);
    expect(refused(() => limiter.take('t', 1, 11))).toMatch(/limit: 10 bytes\/sec/);
    limiter.take('t', 1, 10);
  });

  it('a rate of 0 is no limit, and a limit set later starts from a full bucket', () => {
    const { limiter, rates } = makeLimiter({ t: { rateBytes: 0, burstBytes: 0 } });
    limiter.take('t', 1, 1e9);
    rates['t'] = { rateBytes: 10, burstBytes: 50 };
    limiter.take('t', 1, 50);
    expect(refused(() => limiter.take('t', 1, 1))).toMatch(/limit: 10 bytes\/sec/);
  });
});
