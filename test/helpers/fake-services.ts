// A QueryService that knows nothing, for tests of the HTTP edge that do not query: override
// only the members a test cares about.

import type { QueryService } from '../../actors/querier/api.js';
import { emptyStats } from '../../logql/types.js';

export function emptyQueryService(overrides: Partial<QueryService> = {}): QueryService {
  return {
    query: async () => ({ data: { resultType: 'streams', result: [] }, stats: emptyStats() }),
    labelNames: async () => [],
    labelValues: async () => [],
    series: async () => [],
    indexStats: async () => ({ streams: 0, chunks: 0, entries: 0, bytes: 0 }),
    volume: async () => [],
    ...overrides,
  };
}
