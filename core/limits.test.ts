import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitsFor, queryLimitsFor, type LimitsConfig } from './limits.js';

const limits: LimitsConfig = {
  ...DEFAULT_LIMITS,
  maxEntriesLimitPerQuery: 1000,
  overrides: {
    small: { ...DEFAULT_LIMITS, maxEntriesLimitPerQuery: 10, maxQueryLengthMs: 0, maxQuerySeries: 2_000 },
    open: { ...DEFAULT_LIMITS, maxEntriesLimitPerQuery: 0, maxQueryLengthMs: 0 },
  },
};

describe('limitsFor', () => {
  it("gives a tenant its override, any other tenant the global limits", () => {
    expect(limitsFor(limits, 'small').maxEntriesLimitPerQuery).toBe(10);
    expect(limitsFor(limits, 'other')).toBe(limits);
  });
});

describe('queryLimitsFor', () => {
  it("is the tenant's own query limits", () => {
    expect(queryLimitsFor(limits, 'small')).toEqual({ maxEntriesLimitPerQuery: 10, maxQueryLengthMs: 0, maxQuerySeries: 2_000 });
    expect(queryLimitsFor(limits, 'other')).toEqual({ maxEntriesLimitPerQuery: 1000, maxQueryLengthMs: DEFAULT_LIMITS.maxQueryLengthMs, maxQuerySeries: 500 });
  });

  it('holds a multi-tenant query to the smallest limit set among its tenants; 0 only when none sets one', () => {
    expect(queryLimitsFor(limits, 'small|other')).toEqual({ maxEntriesLimitPerQuery: 10, maxQueryLengthMs: DEFAULT_LIMITS.maxQueryLengthMs, maxQuerySeries: 500 });
    expect(queryLimitsFor(limits, 'open|small')).toEqual({ maxEntriesLimitPerQuery: 10, maxQueryLengthMs: 0, maxQuerySeries: 500 });
    expect(queryLimitsFor(limits, 'open')).toEqual({ maxEntriesLimitPerQuery: 0, maxQueryLengthMs: 0, maxQuerySeries: 500 });
  });
});
