// `norn query` and friends end to end: the built CLI against a real node, every command and
// output mode, exit codes, batching and the live tail.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestNorn } from '../helpers/norn.js';
import { norn, nornProcess, push } from './cli.js';

type Running = Awaited<ReturnType<typeof startTestNorn>>;

// Each case starts the CLI a few times; a loaded 2-core machine takes seconds per start.
vi.setConfig({ testTimeout: 180_000 });

let node: Running;
let addr: string;
const baseNs = (BigInt(Date.now()) - 600_000n) * 1_000_000n;
const ts = (second: number): string => String(baseNs + BigInt(second) * 1_000_000_000n);

beforeAll(async () => {
  node = await startTestNorn();
  addr = node.address;
  await push(addr, [
    { stream: { src: 'api', env: 'prod', sev: 'low' }, values: Array.from({ length: 12 }, (_, i) => [ts(i), `prod line ${i} code=200`] as [string, string]) },
    { stream: { src: 'api', env: 'dev', sev: 'high' }, values: Array.from({ length: 3 }, (_, i) => [ts(100 + i), `dev line ${i} code=500`] as [string, string]) },
  ]);
});

afterAll(async () => {
  await node?.stop();
});

const q = (...args: string[]): Promise<Awaited<ReturnType<typeof norn>>> => norn([...args, '--addr', addr]);

describe('norn query', () => {
  it('prints entries newest first with the labels that differ, and the common ones once on stderr', async () => {
    const result = await q('query', '{src="api"}', '--limit', '4', '--since', '1h');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('/loki/api/v1/query_range?query=');
    // The labels every stream shares (the server may add some, e.g. service_name) print once.
    expect(result.stderr).toMatch(/^Common labels: \{.*src="api".*\}$/m);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) \{env="dev", sev="high"\} dev line 2 code=500$/);
    expect(lines[3]).toMatch(/ \{env="prod", sev="low"\} +prod line 11 code=200$/);
    // Not a terminal: no colour codes.
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('prints only the lines with --output raw, and JSON objects with --output jsonl', async () => {
    const raw = await q('query', '-q', '-o', 'raw', '--forward', '--limit', '3', '{src="api", env="prod"}');
    expect(raw.code).toBe(0);
    expect(raw.stdout).toBe('prod line 0 code=200\nprod line 1 code=200\nprod line 2 code=200\n');
    expect(raw.stderr).toBe('');
    const jsonl = await q('query', '-q', '--output', 'jsonl', '--limit', '1', '{src="api", env="dev"}');
    const parsed = JSON.parse(jsonl.stdout.trim()) as { labels: Record<string, string>; line: string; timestamp: string };
    expect(parsed.labels).toMatchObject({ src: 'api', env: 'dev', sev: 'high' });
    expect(parsed.line).toBe('dev line 2 code=500');
    expect(parsed.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  });

  it('filters printed labels with --no-labels, --include-label and --exclude-label', async () => {
    const none = await q('query', '-q', '--no-labels', '--limit', '1', '{src="api"}');
    expect(none.stdout).toMatch(/^\S+ dev line 2 code=500\n$/);
    const include = await q('query', '-q', '--include-label', 'sev', '--limit', '4', '{src="api"}');
    expect(include.stdout).toMatch(/^\S+ \{sev="high"\} dev line 2/);
    const exclude = await q('query', '-q', '--exclude-label', 'env', '--limit', '4', '{src="api"}');
    expect(exclude.stdout).toMatch(/^\S+ \{sev="high"\} dev line 2/);
  });

  it('fetches a large --limit in batches, each entry once, in order', async () => {
    const result = await q('query', '-q', '-o', 'raw', '--forward', '--limit', '14', '--batch', '4', '{src="api"}');
    expect(result.code).toBe(0);
    const expected = [...Array.from({ length: 12 }, (_, i) => `prod line ${i} code=200`), 'dev line 0 code=500', 'dev line 1 code=500'];
    expect(result.stdout.trimEnd().split('\n')).toEqual(expected);
    const backward = await q('query', '-q', '-o', 'raw', '--limit', '0', '--batch', '5', '{src="api"}');
    expect(backward.stdout.trimEnd().split('\n')).toEqual([...expected, 'dev line 2 code=500'].reverse());
  });

  it('prints a metric query as a table, and as JSON lines with --output jsonl', async () => {
    const query = 'sum by (env) (count_over_time({src="api"}[1h]))';
    const table = await q('query', '-q', query, '--since', '20m', '--step', '10m');
    expect(table.code).toBe(0);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^TIME\s+LABELS\s+VALUE$/);
    expect(rows.some((row) => /\{env="prod"\}\s+12$/.test(row))).toBe(true);
    expect(rows.some((row) => /\{env="dev"\}\s+3$/.test(row))).toBe(true);
    const jsonl = await q('instant-query', '-q', '-o', 'jsonl', query);
    const series = jsonl.stdout.trim().split('\n').map((line) => JSON.parse(line) as { metric: Record<string, string>; values: Array<[number, string]> });
    expect(series.map((s) => [s.metric['env'], s.values[0]![1]]).sort()).toEqual([['dev', '3'], ['prod', '12']]);
  });

  it('runs instant queries and prints a vector as a table', async () => {
    const result = await q('instant-query', '-q', 'sum(count_over_time({src="api"} |= "code=500" [1h]))');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^LABELS\s+VALUE\s+TIME$/);
    expect(result.stdout.split('\n')[1]).toMatch(/^\{\}\s+3\s+\S+$/);
  });

  it('follows new entries with --tail and ends cleanly on SIGINT', async () => {
    const tail = nornProcess(['query', '--tail', '--addr', addr, '--since', '1s', '{app="tailed"}']);
    await tail.waitFor(/\/loki\/api\/v1\/tail\?/, 'stderr');
    // The first message (the historical batch) arrives once the socket is open; push after it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await push(addr, [{ stream: { app: 'tailed', n: '1' }, values: [[String(BigInt(Date.now()) * 1_000_000n), 'live entry one']] }]);
    const match = await tail.waitFor(/^(\S+) (\{.*\}) live entry one$/m);
    expect(match[1]).toMatch(/^\d{4}-/);
    // A tail prints every label: it cannot know which ones later entries share.
    expect(match[2]).toContain('n="1"');
    expect(await tail.stop('SIGINT')).toBe(0);
  });
});

describe('metadata commands', () => {
  it('lists label names and values', async () => {
    const names = await q('labels', '-q');
    expect(names.code).toBe(0);
    expect(names.stdout.split('\n')).toEqual(expect.arrayContaining(['src', 'env', 'sev']));
    const values = await q('labels', '-q', 'env');
    expect(values.stdout).toBe('dev\nprod\n');
  });

  it('lists series, and analyses their labels', async () => {
    const series = await q('series', '-q', '{src="api"}');
    const lines = series.stdout.trimEnd().split('\n').sort();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\{.*env="dev".*sev="high".*src="api".*\}$/);
    expect(lines[1]).toMatch(/^\{.*env="prod".*sev="low".*src="api".*\}$/);
    const analysis = await q('series', '-q', '--analyze-labels', '{src="api"}');
    expect(analysis.stdout).toContain('Total Streams:  2');
    expect(analysis.stdout).toMatch(/^env\s+2\s+2$/m);
    expect(analysis.stdout).toMatch(/^src\s+1\s+2$/m);
  });

  it('prints index stats and volume', async () => {
    const stats = await q('stats', '-q', '{src="api"}');
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/streams: 2\n/);
    expect(stats.stdout).toMatch(/entries: 15\n/);
    const json = await q('stats', '-q', '-o', 'jsonl', '{src="api"}');
    expect(JSON.parse(json.stdout)).toMatchObject({ streams: 2, entries: 15 });
    const volume = await q('volume', '-q', '-o', 'jsonl', '{src="api"}');
    const rows = volume.stdout.trim().split('\n').map((line) => JSON.parse(line) as { metric: Record<string, string>; bytes: number });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.bytes > 0)).toBe(true);
  });

  it('formats a query offline, from an argument or stdin', async () => {
    const formatted = await norn(['fmt', 'sum by (env)(count_over_time({src="api"}|="x"[5m]))']);
    expect(formatted.code).toBe(0);
    expect(formatted.stdout).toContain('count_over_time(');
    const again = await norn(['fmt'], { input: formatted.stdout });
    expect(again.stdout).toBe(formatted.stdout);
    const bad = await norn(['fmt', '{app=api}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/parse error/);
  });
});

describe('exit codes and help', () => {
  it('exits 1 with the server message when the server refuses the query', async () => {
    const result = await q('query', '{app=api}');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Query failed: Error response from server: parse error .* \(400\)/);
  });

  it('exits 1 when the server cannot be reached', async () => {
    const result = await norn(['labels', '--addr', 'http://127.0.0.1:1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);
  });

  it('exits 2 on usage errors', async () => {
    const cases = [['query'], ['query', '--output', 'yaml', '{a="b"}'], ['query', '--bogus', '{a="b"}'], ['query', '--since', 'soon', '{a="b"}'], ['series'], []];
    const results = await Promise.all(cases.map((args) => norn(args)));
    cases.forEach((args, i) => {
      expect(results[i]!.code, args.join(' ')).toBe(2);
      expect(results[i]!.stderr, args.join(' ')).toMatch(/Usage|usage/);
    });
    expect((await norn(['frobnicate'])).code).toBe(2);
  });

  it('takes the address and tenant from LOKI_ADDR and LOKI_ORG_ID', async () => {
    const tenant = await startTestNorn({ auth: true });
    try {
      await push(tenant.address, [{ stream: { app: 'tenanted' }, values: [[String(BigInt(Date.now()) * 1_000_000n), 'for team a']] }], { 'X-Scope-OrgID': 'team-a' });
      const ok = await norn(['query', '-q', '-o', 'raw', '{app="tenanted"}'], { env: { LOKI_ADDR: tenant.address, LOKI_ORG_ID: 'team-a' } });
      expect(ok.stdout).toBe('for team a\n');
      const other = await norn(['query', '-q', '-o', 'raw', '{app="tenanted"}', '--org-id', 'team-b'], { env: { LOKI_ADDR: tenant.address } });
      expect(other).toMatchObject({ code: 0, stdout: '' });
      const none = await norn(['query', '-q', '{app="tenanted"}'], { env: { LOKI_ADDR: tenant.address } });
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/no org id \(401\)/);
    } finally {
      await tenant.stop();
    }
  });

  it('prints the version, and complete help for every command', async () => {
    const version = await norn(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^norn, version \d+\.\d+\.\d+/);
    expect((await norn(['version'])).stdout).toBe(version.stdout);
    const commands = ['query', 'instant-query', 'labels', 'series', 'stats', 'volume', 'fmt', 'agent', 'canary', 'run'];
    const helps = await Promise.all(commands.map((command) => norn([command, '--help'])));
    commands.forEach((command, i) => {
      expect(helps[i]!.code, command).toBe(0);
      expect(helps[i]!.stdout, command).toContain(`Usage: norn ${command}`);
    });
    const query = (await norn(['query', '--help'])).stdout;
    for (const flag of ['--addr', '--org-id', '--username', '--password', '--bearer-token', '--tls-skip-verify', '--since', '--from', '--to', '--limit', '--batch', '--forward', '--step', '--output', '--quiet', '--no-labels', '--include-label', '--exclude-label', '--tail']) {
      expect(query, flag).toContain(flag);
    }
  });
});
