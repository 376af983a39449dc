import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunFlags } from '../bin/cli-flags.js';
import { defaultConfig } from './config.js';
import { loadConfigFile, readConfigFile } from './config-file.js';
import { configProblems } from './config-schema.js';
import { MODULE, TARGETS } from './modules.js';

function write(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'norn-compactor-')), 'norn.yaml');
  writeFileSync(file, text);
  return file;
}

describe('the compactor section', () => {
  it('defaults as Loki: retention off, compaction every 10m, 2h delete delay, 24h cancel period', () => {
    expect(defaultConfig().compactor).toEqual({
      retentionEnabled: false,
      compactionIntervalMs: 600_000,
      retentionDeleteDelayMs: 7_200_000,
      deleteRequestCancelPeriodMs: 86_400_000,
      leaderLeaseTtlMs: 60_000,
    });
  });

  it("reads Loki's names with Go durations", () => {
    const config = loadConfigFile(write(`
compactor:
  retention_enabled: true
  compaction_interval: 5m
  retention_delete_delay: 30m
  delete_request_cancel_period: 1h
  leader_lease_ttl: 20s
`));
    expect(config.compactor).toEqual({
      retentionEnabled: true,
      compactionIntervalMs: 300_000,
      retentionDeleteDelayMs: 1_800_000,
      deleteRequestCancelPeriodMs: 3_600_000,
      leaderLeaseTtlMs: 20_000,
    });
    expect(configProblems(config)).toEqual([]);
  });

  it('refuses bad values and unknown settings, naming the key', () => {
    expect(readConfigFile(write('compactor:\n  retention_enabeld: true\n')).problems).toEqual(['compactor.retention_enabeld: unknown setting']);
    expect(readConfigFile(write('compactor:\n  compaction_interval: soon\n')).problems).toEqual(['compactor.compaction_interval: invalid duration "soon"']);
    const config = loadConfigFile(write('compactor:\n  retention_enabled: "yes"\n  compaction_interval: 0\n  leader_lease_ttl: 10ms\n'));
    expect(configProblems(config)).toEqual([
      'compactor.retention_enabled: expected true or false, got "yes"',
      'compactor.compaction_interval: must be at least 1, got 0',
      'compactor.leader_lease_ttl: must be at least 1000, got 10',
    ]);
  });

  it('is a target of its own, part of all, and needs nats on its own', () => {
    expect(TARGETS.compactor).toEqual([MODULE.compactor, MODULE.server]);
    expect(TARGETS.all).toContain(MODULE.compactor);
    expect(parseRunFlags(['--target', 'compactor', '--nats', 'nats://127.0.0.1:4222'], 'host').config.target).toBe('compactor');
    expect(() => parseRunFlags(['--target', 'compactor'], 'host')).toThrow(/needs --nats/);
  });
});
