// The read path as a hostile or careless user meets it: a query that would build more than the
// process can hold, and queries nested deeper than any stack. Each gets a 400 with a message
// that names the problem, and the node keeps serving.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNorn } from '../app/norn.js';
import { LokiClient, nowNs } from './helpers/loki-client.js';
import { startTestNorn } from './helpers/norn.js';

let norn: RunningNorn;
let loki: LokiClient;
beforeAll(async () => {
  norn = await startTestNorn({ limits: { discoverServiceName: [], discoverLogLevels: false } });
  loki = new LokiClient(norn.address);
  const now = nowNs();
  // Some seconds back: a range query's last step (Loki's default step) lies a little before now.
  const values = Array.from({ length: 100 }, (_, i) => [String(now - 30_000_000_000n + BigInt(i) * 1_000_000n), `line ${i} level=info`]);
  await loki.pushRaw(JSON.stringify({ streams: [{ stream: { app: 'hostile' }, values }] }));
});
afterAll(async () => {
  await norn.stop();
});

async function refused(query: string): Promise<string> {
  // Form-encoded, as Grafana posts long queries.
  const response = await fetch(`${norn.address}/loki/api/v1/query_range`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query, since: '1h', limit: '1000' }).toString(),
  });
  const text = await response.text();
  expect(response.status, text).toBe(400);
  return text;
}

describe('hardening the read path', () => {
  it('a template that would build a huge line is a 400, not a dead process', async () => {
    expect(await refused('{app="hostile"} | line_format "{{ repeat 100000000 \\"x\\" }}"')).toBe(
      'template output too large: repeat would produce 100000000 characters, more than the 1048576 a template may produce for one line or label',
    );
    expect(await refused('{app="hostile"} | label_format big=`{{ printf "%0200000000d" 1 }}`')).toContain('printf would produce 200000000 characters');
    expect(await refused('{app="hostile"} | line_format `{{ range 100000000 }}{{ end }}`')).toContain('range would produce 100000000 iterations');
    expect(await refused('{app="hostile"} | line_format `{{ replace "" "0123456789" (repeat 200000 "x") }}`')).toContain('replace would produce');
    // Built up a piece at a time, the output is caught as it grows.
    expect(await refused('{app="hostile"} | line_format `{{ range 2000 }}{{ repeat 1000 "y" }}{{ end }}`')).toContain('the template would produce');
    // Metric queries over the same stages fail the same way.
    expect(await refused('sum(count_over_time({app="hostile"} | line_format "{{ repeat 100000000 \\"x\\" }}" [5m]))')).toContain('repeat would produce');
    // The node is still there, and templates within the bound still format.
    const lines = await loki.lines('{app="hostile"} | line_format "{{ repeat 3 \\"ab\\" }}"', { limit: '2' });
    expect(lines).toEqual(['ababab', 'ababab']);
  });

  it('queries nested deeper than the parser allows are a 400 naming the depth', async () => {
    const message = 'parse error : query is nested too deeply: more than 500 levels of parentheses, calls or operators';
    expect(await refused(`${'('.repeat(20_000)}count_over_time({app="hostile"}[1m])${')'.repeat(20_000)}`)).toBe(message);
    expect(await refused(`${'sum('.repeat(5_000)}count_over_time({app="hostile"}[1m])${')'.repeat(5_000)}`)).toBe(message);
    expect(await refused(Array.from({ length: 30_000 }, () => '1').join('^'))).toBe(message);
    expect(await refused(`{app="hostile"} | ${'('.repeat(10_000)}level="info"${')'.repeat(10_000)}`)).toBe(message);
    // A regex RE2 cannot build is refused as Loki refuses it.
    expect(await refused('{app="hostile"} |~ "(x{1000}){1000}"')).toBe('error parsing regexp: invalid repeat count: `{1000}`');
    // Ordinary nesting is fine.
    const ok = await loki.get('/loki/api/v1/query_range', { query: 'sum(sum(sum(count_over_time({app="hostile"}[1m]))))', since: '1h' });
    expect(ok.status).toBe(200);
  });
});
