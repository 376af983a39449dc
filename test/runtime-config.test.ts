// Per-tenant limits changed while the process runs: a real node over real HTTP reads its runtime
// overrides file again every period, and a tenant's push and query answers change without a
// restart; a bad file is refused and the last good limits keep answering.

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNorn } from '../app/norn.js';
import { startTestNorn, tempDir } from './helpers/norn.js';

let norn: RunningNorn;
const file = join(tempDir('norn-runtime-e2e-'), 'overrides.yaml');

/** Polls until `check` holds: the file is re-read every 100 ms, so a change lands soon after. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never happened: ${what}`);
}

function query(tenant: string, limit: number): Promise<Response> {
  const end = BigInt(Date.now()) * 1_000_000n;
  const start = end - 3_600_000_000_000n;
  const params = new URLSearchParams({ query: '{job="rc"}', limit: String(limit), start: String(start), end: String(end) });
  return fetch(`${norn.address}/loki/api/v1/query_range?${params}`, { headers: { 'X-Scope-OrgID': tenant } });
}

function push(tenant: string, line: string): Promise<Response> {
  const body = { streams: [{ stream: { job: 'rc' }, values: [[String(BigInt(Date.now()) * 1_000_000n), line]] }] };
  return fetch(`${norn.address}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Scope-OrgID': tenant }, body: JSON.stringify(body) });
}

async function runtimeConfig(mode = ''): Promise<{ type: string | null; text: string }> {
  const response = await fetch(`${norn.address}/runtime_config${mode}`);
  return { type: response.headers.get('content-type'), text: await response.text() };
}

async function metric(name: string): Promise<string> {
  const text = await (await fetch(`${norn.address}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith(name)).join('\n');
}

beforeAll(async () => {
  writeFileSync(file, 'overrides:\n  team-a:\n    max_entries_limit_per_query: 5\n    ingestion_rate: 100B\n    ingestion_burst: 100B\n');
  norn = await startTestNorn({ auth: true, runtimeConfig: { file, periodMs: 100 } });
});

afterAll(async () => {
  await norn?.stop();
});

describe('runtime overrides on a running node', () => {
  it("a tenant's max_entries_limit_per_query changes what a query answers, others keep the default", async () => {
    const refused = await query('team-a', 10);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toBe('max entries limit per query exceeded, limit > max_entries_limit (10 > 5)');
    expect((await query('team-b', 10)).status).toBe(200);

    writeFileSync(file, 'overrides:\n  team-a:\n    max_entries_limit_per_query: 50\n    ingestion_rate: 100B\n    ingestion_burst: 100B\n');
    await eventually(async () => (await query('team-a', 10)).status === 200, 'team-a may ask for 10 entries');
    const stillRefused = await query('team-a', 51);
    expect(await stillRefused.text()).toBe('max entries limit per query exceeded, limit > max_entries_limit (51 > 50)');
  });

  it("a tenant's ingestion rate changes what a push answers", async () => {
    const limited = await push('team-a', 'x'.repeat(200));
    expect(limited.status).toBe(429);
    expect(await limited.text()).toMatch(/^Ingestion rate limit exceeded for user team-a \(limit: 100 bytes\/sec\)/);
    expect((await push('team-b', 'x'.repeat(200))).status).toBe(204);

    writeFileSync(file, 'overrides:\n  team-a:\n    max_entries_limit_per_query: 50\n    ingestion_rate: 1MiB\n    ingestion_burst: 1MiB\n');
    await eventually(async () => (await push('team-a', 'x'.repeat(200))).status === 204, 'team-a may push 200 bytes');
  });

  it('line size, label and stream limits are the tenant\'s own, and change live', async () => {
    const teamA = '  team-a:\n    max_entries_limit_per_query: 50\n    ingestion_rate: 1MiB\n    ingestion_burst: 1MiB\n';
    const send = (tenant: string, labels: Record<string, string>, line: string) => {
      const body = { streams: [{ stream: labels, values: [[String(BigInt(Date.now()) * 1_000_000n), line]] }] };
      return fetch(`${norn.address}/loki/api/v1/push`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Scope-OrgID': tenant }, body: JSON.stringify(body) });
    };
    writeFileSync(file, `overrides:\n${teamA}  team-c:\n    max_line_size: 10B\n    max_label_names_per_series: 2\n    max_streams_per_tenant: 1\n`);
    await eventually(async () => (await send('team-c', { job: 'rc' }, 'x'.repeat(11))).status === 400, 'team-c lines are at most 10 bytes');
    expect(await (await send('team-c', { job: 'rc' }, 'x'.repeat(11))).text()).toContain("Max entry size '10' bytes exceeded for stream '{job=\"rc\"}'");
    expect((await send('team-c', { job: 'rc' }, 'short')).status).toBe(204);
    const labels = await send('team-c', { a: '1', b: '2', c: '3' }, 'short');
    expect(labels.status).toBe(400);
    expect(await labels.text()).toContain('has 3 label names; limit 2');
    const streams = await send('team-c', { job: 'other' }, 'short');
    expect(streams.status).toBe(429);
    expect(await streams.text()).toContain("user: 'team-c'");
    // Another tenant is held to none of it.
    expect((await send('team-d', { a: '1', b: '2', c: '3' }, 'x'.repeat(11))).status).toBe(204);

    writeFileSync(file, `overrides:\n${teamA}  team-c:\n    max_streams_per_tenant: 0\n`);
    await eventually(async () => (await send('team-c', { job: 'other' }, 'x'.repeat(11))).status === 204, 'team-c back on the defaults, any number of streams');
    writeFileSync(file, `overrides:\n${teamA}`);
    await eventually(async () => !(await runtimeConfig()).text.includes('team-c'), 'team-c gone from /runtime_config');
  });

  it('serves /runtime_config: the overrides in force as YAML, and ?mode=diff', async () => {
    const full = await runtimeConfig();
    expect(full.type).toBe('text/plain; charset=utf-8');
    expect(full.text).toContain('overrides:\n  team-a:\n');
    expect(full.text).toContain('    ingestion_rate: 1048576\n');
    expect(full.text).toContain('    max_query_length: 30d1h\n');
    expect(full.text).toContain('    deletion_mode: filter-and-delete\n');
    const diff = await runtimeConfig('?mode=diff');
    expect(diff.text).toBe('overrides:\n  team-a:\n    ingestion_rate: 1048576\n    ingestion_burst: 1048576\n    max_entries_limit_per_query: 50\n');
  });

  it('refuses a bad file and keeps the last good limits; the metrics say so', async () => {
    expect(await metric('norn_runtime_config_last_reload_successful')).toBe('norn_runtime_config_last_reload_successful 1');
    expect(await metric('norn_runtime_config_hash')).toMatch(/^norn_runtime_config_hash\{sha256="[0-9a-f]{64}"\} 1$/);
    writeFileSync(file, 'overrides:\n  team-a:\n    max_entries_limit_per_query: many\n');
    await eventually(async () => (await metric('norn_runtime_config_last_reload_successful')).endsWith(' 0'), 'the reload gauge drops to 0');
    expect((await query('team-a', 50)).status).toBe(200);
    expect((await query('team-a', 51)).status).toBe(400);

    rmSync(file);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await query('team-a', 51)).status).toBe(400);
    expect(await metric('norn_runtime_config_last_reload_successful')).toBe('norn_runtime_config_last_reload_successful 0');
  });
});

describe('a node without a runtime config', () => {
  it("answers /runtime_config as Loki does when there is none", async () => {
    const plain = await startTestNorn();
    try {
      const response = await fetch(`${plain.address}/runtime_config`);
      expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await response.text()).toBe("runtime config file doesn't exist");
    } finally {
      await plain.stop();
    }
  });
});
