// `norn run --target querier`: the flags and settings of the querier role.

import { describe, expect, it } from 'vitest';
import { parseRunFlags, RUN_HELP } from '../../bin/cli-flags.js';
import { TARGETS, MODULE } from '../../app/modules.js';

describe('--target querier', () => {
  it('runs the querier, its worker and the HTTP server, with the hostname as its id', () => {
    const { config } = parseRunFlags(['--target', 'querier', '--nats', 'nats://nats:4222', '--querier.max-concurrent', '8'], 'host-7');
    expect(config.target).toBe('querier');
    expect(config.id).toBe('host-7');
    expect(config.querier.maxConcurrent).toBe(8);
    expect(TARGETS.querier).toEqual([MODULE.querier, MODULE.querierWorker, MODULE.server]);
    expect(RUN_HELP).toContain('--target all|gateway|ingester|ruler|querier');
  });

  it('defaults to four sub-queries at once, as Loki', () => {
    expect(parseRunFlags(['--target', 'querier', '--nats', 'nats://n:4222'], 'h').config.querier.maxConcurrent).toBe(4);
  });

  it('refuses to run without NATS, and a max_concurrent that is not a positive number', () => {
    expect(() => parseRunFlags(['--target', 'querier'], 'h')).toThrow('--target querier needs --nats');
    expect(() => parseRunFlags(['--target', 'querier', '--nats', 'nats://n:4222', '--querier.max-concurrent', '0'], 'h')).toThrow(
      '--querier.max-concurrent: expected a positive integer, got "0"',
    );
  });

  it('gives gateways the querier pool, so their frontends can use queriers', () => {
    expect(TARGETS.gateway).toContain(MODULE.querierPool);
    expect(TARGETS.all).toContain(MODULE.querierPool);
  });
});
