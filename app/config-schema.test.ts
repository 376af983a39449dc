import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, type NornConfig } from './config.js';
import { configProblems, yamlKey } from './config-schema.js';
import { expandEnv, loadConfigFile } from './config-file.js';
import { parseRunFlags } from '../bin/cli-flags.js';
import { REPO_ROOT } from '../test/helpers/norn.js';

function writeConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'norn-config-')), 'norn.yaml');
  writeFileSync(file, text);
  return file;
}

function problemsOf(yaml: string, flags: string[] = []): string[] {
  try {
    parseRunFlags(['--config', writeConfig(yaml), ...flags], 'host');
  } catch (error) {
    return (error as Error).message.split('\n').slice(1).map((line) => line.trim());
  }
  return [];
}

describe('configuration schema', () => {
  it('accepts the defaults', () => {
    expect(configProblems(defaultConfig())).toEqual([]);
  });

  it('refuses what would fail later, one line per problem naming the YAML key', () => {
    const problems = problemsOf(
      [
        'http_port: abc',
        'log_level: loud',
        'wal: { sync: Always }',
        'ingester: { chunk_encoding: zstd, concurrent_flushes: 0 }',
        'ring: { replication_factor: 2 }',
      ].join('\n'),
    );
    expect(problems).toEqual([
      'http_port: expected a whole number, got "abc"',
      'log_level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      expect.stringMatching(/^ingester\.chunk_encoding: expected one of gzip, snappy, .*none, got "zstd"$/),
      'ingester.concurrent_flushes: must be at least 1, got 0',
      'wal.sync: expected one of always, batch, interval, never, got "Always"',
      'ring.replication_factor: 2 copies need 2 ingesters; one process without nats has one: use 1',
    ]);
  });

  it('refuses ports out of range, lz4, RF 0, and a duration it cannot read, all at once', () => {
    const problems = problemsOf('http_port: 70000\ningester: { chunk_encoding: lz4, chunk_idle: soon }\nring: { replication_factor: 0 }');
    expect(problems).toEqual([
      'ingester.chunk_idle: invalid duration "soon"',
      'http_port: must be at most 65535, got 70000',
      expect.stringMatching(/^ingester\.chunk_encoding: expected one of gzip, snappy, .*none, got "lz4"$/),
      'ring.replication_factor: must be at least 1, got 0',
    ]);
  });

  it('takes the chunk format an ingester writes, norn-v2 or norn-v1, and refuses any other', () => {
    expect(problemsOf('ingester: { chunk_format: norn-v1 }')).toEqual([]);
    expect(problemsOf('ingester: { chunk_format: legacy-v4 }')).toEqual(['ingester.chunk_format: expected one of norn-v2, norn-v1, got "legacy-v4"']);
  });

  it('checks the durable producer stream: it needs nats, and its settings their types', () => {
    expect(problemsOf('distributor: { producer_stream: { enabled: true } }')).toEqual([
      'distributor.producer_stream.enabled: the durable producer path lives in a JetStream stream: it needs nats',
    ]);
    const problems = problemsOf('nats: nats://127.0.0.1:4222\ntarget: gateway\ndistributor: { producer_stream: { enabled: yes, concurrency: 0, ack_wait: later } }');
    expect(problems).toContain('distributor.producer_stream.ack_wait: invalid duration "later"');
    expect(problems.some((line) => line.startsWith('distributor.producer_stream.concurrency: must be at least 1'))).toBe(true);
    expect(problems.some((line) => line.startsWith('distributor.producer_stream.enabled: expected true or false'))).toBe(true);
  });

  it('names YAML keys, not field names', () => {
    expect(yamlKey(['ingester', 'flushCheckMs'])).toBe('ingester.flush_check_period');
    expect(yamlKey(['limits', 'maxStructuredMetadataSizeBytes'])).toBe('limits.max_structured_metadata_size');
    expect(yamlKey(['ring', 'heartbeatTimeoutMs'])).toBe('ring.heartbeat_timeout');
  });

  it('checks programmatic configs too: startNorn refuses what the command line refuses', async () => {
    const { startNorn } = await import('./norn.js');
    const { pino } = await import('pino');
    const config: NornConfig = { ...defaultConfig(), wal: { ...defaultConfig().wal, sync: 'Always' as never } };
    await expect(startNorn(config, pino({ level: 'silent' }))).rejects.toThrow(/wal\.sync: expected one of/);
  });

  it('expands ${VAR} and ${VAR:-default} with --config.expand-env, as Loki', () => {
    expect(expandEnv('a: ${A}\nb: ${B:-fallback}\nc: ${C}\nd: $${A}', { A: 'x' })).toBe('a: x\nb: fallback\nc: \nd: ${A}');
    const file = writeConfig('storage:\n  s3: { endpoint: http://127.0.0.1:9000, bucket: norn, access_key: k, secret_key: "${NORN_TEST_SECRET}", region: r }\n');
    process.env.NORN_TEST_SECRET = 's3cr3t';
    try {
      expect(parseRunFlags(['--config', file, '-config.expand-env=true'], 'h').config.storage.s3?.secretKey).toBe('s3cr3t');
      expect(parseRunFlags(['--config', file], 'h').config.storage.s3?.secretKey).toBe('${NORN_TEST_SECRET}');
      expect(loadConfigFile(file, defaultConfig(), { expandEnv: true }).storage.s3?.secretKey).toBe('s3cr3t');
    } finally {
      delete process.env.NORN_TEST_SECRET;
    }
  });

  it('the command exits 1 with one line per problem; a data dir it cannot create is named', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bin/norn.ts'), 'run', '--http-port', '0', ...args], {
        encoding: 'utf8',
        timeout: 60_000,
        cwd: REPO_ROOT,
      });
    const bad = run(['--config', writeConfig('log_level: loud\nwal: { sync: Always }\n')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(
      'norn: invalid configuration:\n  log_level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"\n  wal.sync: expected one of always, batch, interval, never, got "Always"\n',
    );
    const proc = run(['--data-dir', '/proc/norn-cannot-be-here', '--log-level', 'silent']);
    expect(proc.status).toBe(1);
    expect(proc.stderr).toMatch(/^norn: cannot create data directory \/proc\/norn-cannot-be-here: /);
  }, 150_000);
});
