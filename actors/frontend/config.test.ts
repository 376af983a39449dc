// The frontend's settings from YAML, with Loki's names and units, and the schema's errors.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../../app/config-file.js';
import { configProblems } from '../../app/config-schema.js';
import { clientGone } from '../../gateway/query-routes.js';

function fromYaml(text: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'norn-frontend-')), 'config.yaml');
  writeFileSync(file, text);
  return readConfigFile(file);
}

describe('frontend configuration', () => {
  it("reads Loki's names and units", () => {
    const { config, problems } = fromYaml(`
frontend:
  max_outstanding_per_tenant: 100
  max_retries: 2
  cache_results: true
  results_cache:
    backend: nats-kv
    max_size_mb: 50
    ttl: 30m
limits:
  split_queries_by_interval: 15m
  max_query_parallelism: 16
  query_timeout: 2m
  max_query_series: 1000
  max_cache_freshness_per_query: 5m
  tsdb_max_bytes_per_shard: 200MB
`);
    expect(problems).toEqual([]);
    expect(config.frontend).toEqual({
      enabled: true,
      maxOutstandingPerTenant: 100,
      maxRetries: 2,
      cacheResults: true,
      resultsCache: { backend: 'nats-kv', maxSizeMb: 50, ttlMs: 1_800_000 },
    });
    expect(config.limits).toMatchObject({
      splitQueriesByIntervalMs: 900_000,
      maxQueryParallelism: 16,
      queryTimeoutMs: 120_000,
      maxQuerySeries: 1000,
      maxCacheFreshnessPerQueryMs: 300_000,
      tsdbMaxBytesPerShard: 200_000_000,
    });
    expect(configProblems(config)).toEqual([]);
  });

  it('names the key of a bad value', () => {
    const { config } = fromYaml(`
frontend:
  max_outstanding_per_tenant: 0
  results_cache:
    backend: redis
limits:
  max_query_parallelism: 0
`);
    const problems = configProblems(config).join('\n');
    expect(problems).toContain('max_outstanding_per_tenant');
    expect(problems).toContain('expected one of memory, nats-kv, got "redis"');
    expect(problems).toContain('max_query_parallelism');
  });
});

describe('clientGone', () => {
  it('aborts when the response closes before it finished, not after', () => {
    const raw = Object.assign(new EventEmitter(), { writableFinished: false });
    const signal = clientGone({ raw } as unknown as FastifyReply);
    raw.emit('close');
    expect(signal.aborted).toBe(true);
    const done = Object.assign(new EventEmitter(), { writableFinished: true });
    const finished = clientGone({ raw: done } as unknown as FastifyReply);
    done.emit('close');
    expect(finished.aborted).toBe(false);
  });
});
