import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { limitsFor } from '../core/limits.js';
import { loadConfigFile } from './config-file.js';

function write(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'norn-overrides-')), 'norn.yaml');
  writeFileSync(file, text);
  return file;
}

describe('per-tenant overrides', () => {
  it('merges each tenant onto the global limits, tenant ids as written', () => {
    const config = loadConfigFile(write(`
limits:
  max_line_size: 1KiB
  otlp_config:
    resource_attributes:
      attributes_config:
        - { action: index_label, attributes: [team] }
overrides:
  team_a:
    discover_log_levels: false
    discover_service_name: []
`));
    expect(config.limits.otlpConfig.resourceAttributes.attributesConfig).toEqual([{ action: 'index_label', attributes: ['team'] }]);
    const teamA = limitsFor(config.limits, 'team_a');
    expect(teamA.discoverLogLevels).toBe(false);
    expect(teamA.discoverServiceName).toEqual([]);
    expect(teamA.maxLineSizeBytes).toBe(1024);
    expect(teamA.otlpConfig).toEqual(config.limits.otlpConfig);
    expect(limitsFor(config.limits, 'other').discoverLogLevels).toBe(true);
  });

  it('names the key of a bad override', () => {
    expect(() => loadConfigFile(write('overrides:\n  t1:\n    discover_levels: true\n'))).toThrow('overrides.t1.discover_levels: unknown setting');
  });
});
