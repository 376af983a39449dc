import { describe, expect, it } from 'vitest';
import type { Entry, Labels } from '../../../core/model.js';
import { DeletionError } from '../deletion-api.js';
import { compileDeleteQuery, deletedTest, hasFilter, withoutDeleted } from './line-filter.js';

const api: Labels = [{ name: 'app', value: 'api' }, { name: 'env', value: 'prod' }];
const web: Labels = [{ name: 'app', value: 'web' }];
const entry = (ts: bigint, line: string, metadata?: Labels): Entry => (metadata === undefined ? { ts, line } : { ts, line, metadata });

describe('a delete query', () => {
  it("must be a log selector whose pipeline builds, refused with Loki's prefix", () => {
    for (const [query, message] of [
      ['{app="api"', 'invalid query expression: parse error'],
      ['{app=~".*"}', 'invalid query expression: parse error : queries require at least one regexp or equality matcher'],
      ['count_over_time({app="api"}[1m])', 'invalid query expression: only log selector is supported'],
      ['{app="api"} |~ "(unclosed"', 'invalid query expression: '],
    ] as const) {
      let error: unknown;
      try {
        compileDeleteQuery(query);
      } catch (e) {
        error = e;
      }
      expect(error, query).toBeInstanceOf(DeletionError);
      expect((error as DeletionError).message.startsWith(message), `${query}: ${(error as Error).message}`).toBe(true);
      expect((error as DeletionError).status).toBe(400);
    }
  });

  it("has a filter when it has a line or label filter (Loki's HasFilter)", () => {
    expect(hasFilter(compileDeleteQuery('{app="api"}'))).toBe(false);
    expect(hasFilter(compileDeleteQuery('{app="api"} |= "token"'))).toBe(true);
    expect(hasFilter(compileDeleteQuery('{app="api"} | logfmt | user="bob"'))).toBe(true);
    expect(hasFilter(compileDeleteQuery('{app="api"} | logfmt'))).toBe(false);
  });
});

describe('the deleted-lines test', () => {
  const filters = [{ query: '{app="api"} |= "token"', start: 100n, end: 200n }];

  it('takes lines of matching streams that the pipeline keeps, inside [start, end] inclusive', () => {
    const test = deletedTest(filters, api, 0n, 1000n)!;
    expect(test(entry(100n, 'token=1'))).toBe(true);
    expect(test(entry(200n, 'a token'))).toBe(true);
    expect(test(entry(99n, 'token=1'))).toBe(false);
    expect(test(entry(201n, 'token=1'))).toBe(false);
    expect(test(entry(150n, 'nothing secret'))).toBe(false);
  });

  it('costs nothing for streams or ranges no request touches', () => {
    expect(deletedTest(filters, web, 0n, 1000n)).toBeUndefined();
    expect(deletedTest(filters, api, 201n, 1000n)).toBeUndefined();
    expect(deletedTest(filters, api, 0n, 100n)).toBeUndefined();
    expect(deletedTest(undefined, api, 0n, 1000n)).toBeUndefined();
    const entries = [entry(1n, 'a')];
    expect(withoutDeleted(entries, undefined)).toBe(entries);
  });

  it('deletes every line of the window when the query has no stages, and sees structured metadata', () => {
    const whole = deletedTest([{ query: '{env="prod"}', start: 0n, end: 10n }], api, 0n, 100n)!;
    expect([...withoutDeleted([entry(5n, 'x'), entry(10n, 'y'), entry(11n, 'z')], whole)].map((e) => e.line)).toEqual(['z']);
    const byMetadata = deletedTest([{ query: '{app="api"} | user="bob"', start: 0n, end: 100n }], api, 0n, 100n)!;
    expect(byMetadata(entry(1n, 'x', [{ name: 'user', value: 'bob' }]))).toBe(true);
    expect(byMetadata(entry(1n, 'x', [{ name: 'user', value: 'eve' }]))).toBe(false);
  });

  it('applies several requests, each over its own window', () => {
    const test = deletedTest(
      [
        { query: '{app="api"} |= "a"', start: 0n, end: 10n },
        { query: '{app="api"} |= "b"', start: 20n, end: 30n },
      ],
      api,
      0n,
      100n,
    )!;
    expect([entry(5n, 'a'), entry(5n, 'b'), entry(25n, 'a'), entry(25n, 'b')].map(test)).toEqual([true, false, false, true]);
  });
});
