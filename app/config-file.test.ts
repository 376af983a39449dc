import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from './config.js';
import { ConfigError, loadConfigFile, parseBytes, parseDurationMs } from './config-file.js';
import { parseRunFlags } from '../bin/cli-flags.js';

function writeConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'norn-config-')), 'norn.yaml');
  writeFileSync(file, text);
  return file;
}

describe('config file', () => {
  it('loads the example in docs/configuration.md and it matches the defaults it documents', () => {
    const doc = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)![1]!;
    const config = loadConfigFile(writeConfig(yaml));
    const defaults = defaultConfig();
    expect(config.ingester).toEqual(defaults.ingester);
    expect(config.limits).toEqual(defaults.limits);
    expect(config.ring).toEqual(defaults.ring);
    expect(config.wal).toEqual(defaults.wal);
    expect(config.storage.s3).toEqual({ endpoint: 'http://127.0.0.1:9000', bucket: 'norn', accessKey: 'norn', secretKey: 'norn-secret', region: 'us-east-1' });
    expect(config.nats).toBe('nats://127.0.0.1:4222');
  });

  it('converts durations and sizes', () => {
    expect(parseDurationMs('1m30s', 'x')).toBe(90_000);
    expect(parseDurationMs('500ms', 'x')).toBe(500);
    expect(parseDurationMs(250, 'x')).toBe(250);
    expect(parseBytes('1.5MiB', 'x')).toBe(1_572_864);
    expect(parseBytes('256KB', 'x')).toBe(256_000);
    expect(() => parseDurationMs('soon', 'ring.join_after')).toThrow('ring.join_after: invalid duration "soon"');
  });

  it('refuses unknown keys and bad YAML with the path of the problem', () => {
    expect(() => loadConfigFile(writeConfig('ring:\n  replication_factr: 3\n'))).toThrow('ring.replication_factr: unknown setting');
    expect(() => loadConfigFile(writeConfig('ring: [1, 2\n'))).toThrow(ConfigError);
    expect(() => loadConfigFile('/no/such/file.yaml')).toThrow('cannot read config file');
  });

  it('lets flags override the file', () => {
    const file = writeConfig('http_port: 4000\nnats: nats://127.0.0.1:4222\nring:\n  replication_factor: 2\n');
    const { config } = parseRunFlags(['--config', file, '--http-port', '5000'], 'host');
    expect(config.httpPort).toBe(5000);
    expect(config.ring.replicationFactor).toBe(2);
  });

  it('needs --nats for the separate roles and defaults them to RF 3', () => {
    expect(() => parseRunFlags(['--target', 'gateway'], 'host')).toThrow('needs --nats');
    const { config } = parseRunFlags(['--target', 'ingester', '--nats', 'nats://x:4222'], 'box-7');
    expect(config.ring.replicationFactor).toBe(3);
    expect(config.id).toBe('box-7');
  });

  it('keeps a replication factor of 1 that the file names, whatever the target', () => {
    const file = writeConfig('nats: nats://127.0.0.1:4222\nring:\n  replication_factor: 1\n');
    expect(parseRunFlags(['--config', file, '--target', 'gateway'], 'host').config.ring.replicationFactor).toBe(1);
    const silent = writeConfig('nats: nats://127.0.0.1:4222\nring:\n  heartbeat_period: 1s\n');
    expect(parseRunFlags(['--config', silent, '--target', 'ingester'], 'host').config.ring.replicationFactor).toBe(3);
  });
});
