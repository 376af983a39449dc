import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_LIMITS, limitsFor, type LimitsConfig } from '../core/limits.js';
import { loadConfigFile } from './config-file.js';
import { parseRuntimeOverrides, RuntimeConfig } from './runtime-config.js';
import { parseRunFlags } from '../bin/cli-flags.js';

/** A logger whose lines are kept, to assert on what an operator reads. */
function recordingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

async function gauge(registry: Registry, name: string): Promise<Array<{ labels: Record<string, unknown>; value: number }>> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  return (await metric.get()).values.map(({ labels, value }) => ({ labels: labels as Record<string, unknown>, value }));
}

describe('parseRuntimeOverrides', () => {
  it('merges each tenant onto the global limits, with Loki names and units', () => {
    const { overrides, problems } = parseRuntimeOverrides(
      'overrides:\n  team-a:\n    ingestion_rate: 1MiB\n    max_entries_limit_per_query: 100\n    retention_period: 48h\n',
      DEFAULT_LIMITS,
    );
    expect(problems).toEqual([]);
    expect(overrides['team-a']!.ingestionRateBytes).toBe(1024 * 1024);
    expect(overrides['team-a']!.maxEntriesLimitPerQuery).toBe(100);
    expect(overrides['team-a']!.retentionPeriodMs).toBe(48 * 3_600_000);
    expect(overrides['team-a']!.maxLineSizeBytes).toBe(DEFAULT_LIMITS.maxLineSizeBytes);
  });

  it("starts from a tenant's config-file override when it has one", () => {
    const base: LimitsConfig = { ...DEFAULT_LIMITS, overrides: { t1: { ...DEFAULT_LIMITS, maxLineSizeBytes: 10 } } };
    const { overrides } = parseRuntimeOverrides('overrides:\n  t1:\n    max_entries_limit_per_query: 7\n', base);
    expect(overrides['t1']!.maxLineSizeBytes).toBe(10);
    expect(overrides['t1']!.maxEntriesLimitPerQuery).toBe(7);
  });

  it('names every problem: bad YAML, an unknown setting, a bad value, a bad section', () => {
    expect(parseRuntimeOverrides('overrides: [', DEFAULT_LIMITS).problems[0]).toMatch(/^not valid YAML: /);
    expect(parseRuntimeOverrides('overrides:\n  t1:\n    ingestion_rates: 5\n', DEFAULT_LIMITS).problems).toEqual(['overrides.t1.ingestion_rates: unknown setting']);
    expect(parseRuntimeOverrides('overrides:\n  t1:\n    max_entries_limit_per_query: -1\n', DEFAULT_LIMITS).problems).toEqual([
      'overrides.t1.max_entries_limit_per_query: must be at least 0, got -1',
    ]);
    expect(parseRuntimeOverrides('overrides:\n  t1:\n    deletion_mode: maybe\n', DEFAULT_LIMITS).problems).toEqual([
      'overrides.t1.deletion_mode: expected one of disabled, filter-only, filter-and-delete, got "maybe"',
    ]);
    expect(parseRuntimeOverrides('limits:\n  max_line_size: 1\n', DEFAULT_LIMITS).problems).toEqual(['limits: unknown setting (a runtime config file holds overrides:)']);
    expect(parseRuntimeOverrides('overrides: 5\n', DEFAULT_LIMITS).problems).toEqual(['overrides: expected a mapping of tenant ids to limits']);
    expect(parseRuntimeOverrides('overrides:\n  t1:\n    otlp_config:\n      log_attributes: [{ action: drop, regex: "(" }]\n', DEFAULT_LIMITS).problems[0]).toMatch(
      /^overrides\.t1\.otlp_config: /,
    );
  });

  it('an empty file overrides nobody', () => {
    expect(parseRuntimeOverrides('', DEFAULT_LIMITS)).toEqual({ overrides: {}, problems: [] });
    expect(parseRuntimeOverrides('overrides:\n', DEFAULT_LIMITS)).toEqual({ overrides: {}, problems: [] });
  });
});

describe('RuntimeConfig', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'norn-runtime-'));
    file = join(dir, 'overrides.yaml');
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(text: string, base: LimitsConfig = DEFAULT_LIMITS) {
    writeFileSync(file, text);
    const { logger, lines } = recordingLogger();
    const registry = new Registry();
    const runtime = new RuntimeConfig({ settings: { file, periodMs: 10_000 }, limits: base, logger });
    runtime.start(registry);
    return { runtime, registry, lines };
  }

  it('reloads every period: a change is live in the LimitsConfig components hold', async () => {
    const { runtime, registry } = start('overrides:\n  t1:\n    max_entries_limit_per_query: 100\n');
    const limits = runtime.limits;
    expect(limitsFor(limits, 't1').maxEntriesLimitPerQuery).toBe(100);
    expect(limitsFor(limits, 't2').maxEntriesLimitPerQuery).toBe(DEFAULT_LIMITS.maxEntriesLimitPerQuery);

    writeFileSync(file, 'overrides:\n  t1:\n    max_entries_limit_per_query: 5\n  t2:\n    max_entries_limit_per_query: 9\n');
    vi.advanceTimersByTime(9_999);
    expect(limitsFor(limits, 't1').maxEntriesLimitPerQuery).toBe(100);
    vi.advanceTimersByTime(1);
    expect(limitsFor(limits, 't1').maxEntriesLimitPerQuery).toBe(5);
    expect(limitsFor(limits, 't2').maxEntriesLimitPerQuery).toBe(9);
    expect(await gauge(registry, 'norn_runtime_config_last_reload_successful')).toEqual([{ labels: {}, value: 1 }]);
    expect(await gauge(registry, 'norn_runtime_config_hash')).toEqual([{ labels: { sha256: runtime.currentHash }, value: 1 }]);
    runtime.stop();
  });

  it('refuses a bad file with a logged error and keeps the last good one; a fixed file comes back', async () => {
    const { runtime, registry, lines } = start('overrides:\n  t1:\n    max_entries_limit_per_query: 100\n');
    const good = runtime.currentHash;
    writeFileSync(file, 'overrides:\n  t1:\n    max_entries_limit_per_query: lots\n');
    vi.advanceTimersByTime(10_000);
    expect(limitsFor(runtime.limits, 't1').maxEntriesLimitPerQuery).toBe(100);
    expect(runtime.currentHash).toBe(good);
    expect(await gauge(registry, 'norn_runtime_config_last_reload_successful')).toEqual([{ labels: {}, value: 0 }]);
    const errors = lines.filter((line) => line['level'] === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!['msg']).toBe(
      `runtime config refused: overrides.t1.max_entries_limit_per_query: expected a whole number, got "lots"; the last good one (sha256 ${good}) stays in force`,
    );
    // The same bad file again is not a new error line.
    vi.advanceTimersByTime(30_000);
    expect(lines.filter((line) => line['level'] === 50)).toHaveLength(1);

    writeFileSync(file, 'overrides:\n  t1:\n    max_entries_limit_per_query: 3\n');
    vi.advanceTimersByTime(10_000);
    expect(limitsFor(runtime.limits, 't1').maxEntriesLimitPerQuery).toBe(3);
    expect(await gauge(registry, 'norn_runtime_config_last_reload_successful')).toEqual([{ labels: {}, value: 1 }]);
    runtime.stop();
  });

  it('refuses unparseable YAML and an unknown setting the same way', () => {
    const { runtime, lines } = start('overrides:\n  t1:\n    ingestion_rate: 1KiB\n');
    for (const bad of ['overrides: {t1: [', 'overrides:\n  t1:\n    ingestion_rat: 1\n']) {
      writeFileSync(file, bad);
      vi.advanceTimersByTime(10_000);
      expect(limitsFor(runtime.limits, 't1').ingestionRateBytes).toBe(1024);
    }
    const errors = lines.filter((line) => line['level'] === 50).map((line) => line['problem']);
    expect(errors).toEqual([expect.stringMatching(/^not valid YAML: /), 'overrides.t1.ingestion_rat: unknown setting']);
    runtime.stop();
  });

  it('a deleted file keeps the last good overrides, logged once, and reloads when it is back', async () => {
    const { runtime, registry, lines } = start('overrides:\n  t1:\n    max_entries_limit_per_query: 100\n');
    rmSync(file);
    vi.advanceTimersByTime(20_000);
    expect(limitsFor(runtime.limits, 't1').maxEntriesLimitPerQuery).toBe(100);
    expect(await gauge(registry, 'norn_runtime_config_last_reload_successful')).toEqual([{ labels: {}, value: 0 }]);
    expect(lines.filter((line) => line['level'] === 50).map((line) => line['problem'])).toEqual(['cannot read it (ENOENT)']);
    writeFileSync(file, 'overrides:\n  t1:\n    max_entries_limit_per_query: 100\n');
    vi.advanceTimersByTime(10_000);
    expect(await gauge(registry, 'norn_runtime_config_last_reload_successful')).toEqual([{ labels: {}, value: 1 }]);
    runtime.stop();
  });

  it('a file that cannot be loaded at start stops the start', () => {
    writeFileSync(file, 'overrides:\n  t1:\n    max_line_size: huge\n');
    const runtime = new RuntimeConfig({ settings: { file, periodMs: 10_000 }, limits: DEFAULT_LIMITS, logger: recordingLogger().logger });
    expect(() => runtime.start()).toThrow(`runtime config file ${file}: overrides.t1.max_line_size: expected a size such as 256KiB, got "huge"`);
    const missing = new RuntimeConfig({ settings: { file: join(dir, 'none.yaml'), periodMs: 10_000 }, limits: DEFAULT_LIMITS, logger: recordingLogger().logger });
    expect(() => missing.start()).toThrow('cannot read it (ENOENT)');
  });

  it('layers the runtime file on the config file overrides; removing a tenant from it falls back to them', () => {
    const base = loadConfigFile(writeConfig('limits:\n  max_line_size: 2KiB\noverrides:\n  t1:\n    max_line_size: 1KiB\n  t2:\n    max_line_size: 3KiB\n')).limits;
    const { runtime } = start('overrides:\n  t1:\n    max_entries_limit_per_query: 7\n', base);
    expect(limitsFor(runtime.limits, 't1')).toMatchObject({ maxLineSizeBytes: 1024, maxEntriesLimitPerQuery: 7 });
    expect(limitsFor(runtime.limits, 't2').maxLineSizeBytes).toBe(3 * 1024);
    expect(limitsFor(runtime.limits, 'other').maxLineSizeBytes).toBe(2 * 1024);
    writeFileSync(file, '');
    vi.advanceTimersByTime(10_000);
    expect(limitsFor(runtime.limits, 't1')).toMatchObject({ maxLineSizeBytes: 1024, maxEntriesLimitPerQuery: DEFAULT_LIMITS.maxEntriesLimitPerQuery });
    runtime.stop();
  });

  it('stops re-reading on stop', () => {
    const { runtime } = start('overrides:\n  t1:\n    max_entries_limit_per_query: 100\n');
    runtime.stop();
    writeFileSync(file, 'overrides:\n  t1:\n    max_entries_limit_per_query: 1\n');
    vi.advanceTimersByTime(60_000);
    expect(limitsFor(runtime.limits, 't1').maxEntriesLimitPerQuery).toBe(100);
  });

  it('without a file: the config file overrides, nothing watched, nothing to render', () => {
    const runtime = new RuntimeConfig({ settings: { file: '', periodMs: 10_000 }, limits: DEFAULT_LIMITS, logger: recordingLogger().logger });
    runtime.start(new Registry());
    expect(vi.getTimerCount()).toBe(0);
    expect(runtime.render('full')).toBeUndefined();
  });

  it('renders what is in force, and in diff mode only what differs from the global limits', () => {
    const { runtime } = start('overrides:\n  t1:\n    max_entries_limit_per_query: 7\n    retention_period: 168h\n    retention_stream: [{ selector: \'{ns="dev"}\', period: 24h, priority: 1 }]\n');
    const full = runtime.render('full') as { overrides: Record<string, Record<string, unknown>> };
    expect(full.overrides['t1']).toMatchObject({
      max_entries_limit_per_query: 7,
      max_line_size: DEFAULT_LIMITS.maxLineSizeBytes,
      max_query_length: '30d1h',
      reject_old_samples_max_age: '1w',
      retention_period: '1w',
      retention_stream: [{ selector: '{ns="dev"}', period: '1d', priority: 1 }],
      deletion_mode: 'filter-and-delete',
    });
    expect(runtime.render('diff')).toEqual({
      overrides: { t1: { max_entries_limit_per_query: 7, retention_period: '1w', retention_stream: [{ selector: '{ns="dev"}', period: '1d', priority: 1 }] } },
    });
    runtime.stop();
  });

  it('what it renders reads back as a runtime file giving the same limits', () => {
    const { runtime } = start('overrides:\n  t1:\n    retention_period: 1y\n    max_query_length: 90d\n    otlp_config:\n      log_attributes: [{ action: drop, attributes: [password] }]\n    retention_stream: [{ selector: \'{ns="dev"}\', period: 36h }]\n');
    const text = stringify(runtime.render('full'));
    const again = parseRuntimeOverrides(text, DEFAULT_LIMITS);
    expect(again.problems).toEqual([]);
    expect(again.overrides['t1']).toEqual(runtime.overrides()['t1']);
    expect(text).toContain('retention_period: 1y');
    runtime.stop();
  });

  function writeConfig(text: string): string {
    const path = join(dir, 'norn.yaml');
    writeFileSync(path, text);
    return path;
  }
});

describe('runtime_config settings', () => {
  it('reads runtime_config: { file, period } from the config file, the flags win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'norn-runtime-settings-'));
    const path = join(dir, 'norn.yaml');
    writeFileSync(path, 'runtime_config:\n  file: /etc/norn/overrides.yaml\n  period: 30s\n');
    expect(loadConfigFile(path).runtimeConfig).toEqual({ file: '/etc/norn/overrides.yaml', periodMs: 30_000 });
    const { config } = parseRunFlags(['--config', path, '--runtime-config.file', '/tmp/o.yaml', '--runtime-config.reload-period', '1m'], 'host');
    expect(config.runtimeConfig).toEqual({ file: '/tmp/o.yaml', periodMs: 60_000 });
    expect(parseRunFlags([], 'host').config.runtimeConfig).toEqual({ file: '', periodMs: 10_000 });
  });

  it('refuses a bad period or an unknown key, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'norn-runtime-settings-'));
    const path = join(dir, 'norn.yaml');
    writeFileSync(path, 'runtime_config:\n  period: soon\n  files: x\n');
    expect(() => parseRunFlags(['--config', path], 'host')).toThrow(/runtime_config\.period: invalid duration "soon"[\s\S]*runtime_config\.files: unknown setting/);
    writeFileSync(path, 'runtime_config:\n  period: 0s\n');
    expect(() => parseRunFlags(['--config', path], 'host')).toThrow('runtime_config.period: must be at least 1, got 0');
    expect(() => parseRunFlags(['--runtime-config.reload-period', 'x'], 'host')).toThrow('--runtime-config.reload-period: invalid duration "x"');
  });
});
