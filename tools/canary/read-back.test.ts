import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBack, type ObservedEntry } from './read-back.js';

/** A query_range endpoint over fixed entries: forward, start inclusive, end exclusive, limit. */
function fakeLoki(entries: readonly ObservedEntry[]): Promise<{ url: string; server: Server; starts: bigint[] }> {
  const starts: bigint[] = [];
  const server = createServer((request, response) => {
    const params = new URL(request.url ?? '/', 'http://localhost').searchParams;
    const start = BigInt(params.get('start')!);
    const end = BigInt(params.get('end')!);
    const limit = Number(params.get('limit'));
    starts.push(start);
    const page = entries
      .filter((entry) => entry.tsNs >= start && entry.tsNs < end)
      .sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0))
      .slice(0, limit);
    const byStream = new Map<string, Array<[string, string]>>();
    for (const entry of page) {
      if (!byStream.has(entry.stream)) byStream.set(entry.stream, []);
      byStream.get(entry.stream)!.push([String(entry.tsNs), entry.line]);
    }
    const result = [...byStream].map(([stream, values]) => ({ stream: { job: 'chaos', stream }, values }));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'success', data: { resultType: 'streams', result } }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, starts });
    });
  });
}

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

const entry = (ts: number, line: string, stream = 's0'): ObservedEntry => ({ stream, tsNs: BigInt(ts), line });

describe('readBack', () => {
  it('pages by time and returns every entry once', async () => {
    const entries = Array.from({ length: 23 }, (_, i) => entry(100 + i * 10, `seq=${i} `, `s${i % 3}`));
    const fake = await fakeLoki(entries);
    server = fake.server;
    const read = await readBack({ baseUrl: fake.url, query: '{job="chaos"}', fromNs: 0n, toNs: 10_000n, limit: 5 });
    expect(read.entries.map((e) => e.line)).toEqual(entries.map((e) => e.line));
    // Each page after the first starts at the last timestamp of the one before.
    expect(fake.starts).toEqual([0n, 140n, 180n, 220n, 260n, 300n]);
  });

  it('keeps duplicates a query returns, including across a page boundary', async () => {
    const entries = [entry(1, 'seq=1 '), entry(2, 'seq=2 '), entry(3, 'seq=3 '), entry(3, 'seq=3 '), entry(4, 'seq=4 ')];
    const fake = await fakeLoki(entries);
    server = fake.server;
    // The first page ends on one copy of seq=3; the second page returns both copies again.
    const read = await readBack({ baseUrl: fake.url, query: '{job="chaos"}', fromNs: 0n, toNs: 100n, limit: 3 });
    expect(read.entries.map((e) => e.line)).toEqual(['seq=1 ', 'seq=2 ', 'seq=3 ', 'seq=3 ', 'seq=4 ']);
  });

  it('fails rather than return less when the query fails', async () => {
    const failing = createServer((_request, response) => {
      response.writeHead(503);
      response.end('too many ingesters failed');
    });
    server = failing;
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}`;
    await expect(readBack({ baseUrl: url, query: '{job="chaos"}', fromNs: 0n, toNs: 100n })).rejects.toThrow('503');
  });
});
