import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitsFor } from '../core/limits.js';
import { loadConfigFile } from './config-file.js';
import { configProblems } from './config-schema.js';

function write(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'norn-retention-')), 'norn.yaml');
  writeFileSync(file, text);
  return file;
}

const problemsOf = (text: string): string[] => configProblems(loadConfigFile(write(text)));

describe('retention and deletion limits', () => {
  it('defaults as Loki: keep forever, no stream rules, filter-and-delete', () => {
    expect(DEFAULT_LIMITS.retentionPeriodMs).toBe(0);
    expect(DEFAULT_LIMITS.retentionStream).toEqual([]);
    expect(DEFAULT_LIMITS.deletionMode).toBe('filter-and-delete');
  });

  it('reads retention_period, retention_stream and deletion_mode in limits and overrides', () => {
    const config = loadConfigFile(write(`
limits:
  retention_period: 744h
  retention_stream:
    - { selector: '{namespace="dev"}', priority: 1, period: 24h }
  deletion_mode: filter-only
overrides:
  "29":
    retention_period: 168h
    retention_stream:
      - selector: '{namespace="prod"}'
        priority: 2
        period: 336h
    deletion_mode: disabled
`));
    expect(configProblems(config)).toEqual([]);
    expect(config.limits.retentionPeriodMs).toBe(744 * 3_600_000);
    expect(config.limits.retentionStream).toEqual([{ selector: '{namespace="dev"}', priority: 1, periodMs: 24 * 3_600_000 }]);
    expect(config.limits.deletionMode).toBe('filter-only');
    const t29 = limitsFor(config.limits, '29');
    expect(t29.retentionPeriodMs).toBe(168 * 3_600_000);
    expect(t29.retentionStream).toEqual([{ selector: '{namespace="prod"}', priority: 2, periodMs: 336 * 3_600_000 }]);
    expect(t29.deletionMode).toBe('disabled');
    expect(limitsFor(config.limits, 'other').deletionMode).toBe('filter-only');
  });

  it('priority defaults to 0', () => {
    const config = loadConfigFile(write(`limits:\n  retention_stream: [{ selector: '{a="b"}', period: 48h }]\n`));
    expect(config.limits.retentionStream).toEqual([{ selector: '{a="b"}', periodMs: 48 * 3_600_000, priority: 0 }]);
  });

  it('refuses a bad selector, a pipeline, a short period and an unknown mode, naming the key', () => {
    expect(problemsOf(`limits:\n  retention_stream: [{ selector: 'namespace=dev', period: 24h }]\n`)).toEqual([
      expect.stringMatching(/^limits\.retention_stream\[0\]\.selector: not a valid stream selector "namespace=dev"/),
    ]);
    expect(problemsOf(`limits:\n  retention_stream: [{ selector: '{a="b"} |= "x"', period: 24h }]\n`)).toEqual([
      expect.stringMatching(/^limits\.retention_stream\[0\]\.selector: expected a stream selector without a pipeline/),
    ]);
    expect(problemsOf(`limits:\n  retention_period: 1h\n`)).toEqual([
      'limits.retention_period: must be 0 (keep forever) or at least 24h, got 3600000ms',
    ]);
    expect(problemsOf(`overrides:\n  teamA:\n    deletion_mode: sometimes\n`)).toEqual([
      'overrides.teamA.deletion_mode: expected one of disabled, filter-only, filter-and-delete, got "sometimes"',
    ]);
    expect(problemsOf(`limits:\n  retention_stream: [{ selector: '{a="b"}', period: 24h, priority: 1.5 }]\n`)).toEqual([
      'limits.retention_stream[0].priority: expected a whole number, got 1.5',
    ]);
  });

  it('refuses a rule without a period or with an unknown key', () => {
    expect(() => loadConfigFile(write(`limits:\n  retention_stream: [{ selector: '{a="b"}' }]\n`))).toThrow('limits.retention_stream[0].period: missing');
    expect(() => loadConfigFile(write(`limits:\n  retention_stream: [{ selector: '{a="b"}', period: 24h, ttl: 1h }]\n`))).toThrow('limits.retention_stream[0].ttl: unknown setting');
    expect(() => loadConfigFile(write(`limits:\n  retention_stream: '{a="b"}'\n`))).toThrow('limits.retention_stream: expected a list');
  });
});
