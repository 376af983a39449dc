import { describe, expect, it } from 'vitest';
import {
  InvalidTenantIdError,
  chunkKey,
  dayName,
  dayOf,
  daysBetween,
  formatTimestamp,
  indexChunkRefKey,
  indexDayPrefix,
  indexStreamKey,
  objectKeyProblem,
  parseChunkKey,
  parseDayName,
  parseIndexKey,
  parseTimestamp,
  sortByKey,
  tenantIdProblem,
  validateTenantId,
} from './keys.js';
import { StorageError } from './object-store.js';

const DAY_NS = 86_400_000_000_000n;
const parts = {
  tenant: 'acme',
  fingerprint: '0123456789abcdef',
  from: 1_700_000_000_000_000_000n,
  through: 1_700_000_060_000_000_000n,
  checksum: 'deadbeef',
};

describe('tenant IDs', () => {
  it("accept Loki's character set up to 150 characters", () => {
    for (const id of ['fake', 'a', "Az09!-_.*'()", 'a'.repeat(150), '...', '.a', 'index']) {
      expect(tenantIdProblem(id), id).toBeUndefined();
      expect(validateTenantId(id)).toBe(id);
    }
  });

  it("reject with Loki's messages", () => {
    const cases: [string, string][] = [
      ['a'.repeat(151), 'tenant ID is too long: max 150 characters'],
      ['.', "tenant ID is '.' or '..'"],
      ['..', "tenant ID is '.' or '..'"],
      ['a/b', "tenant ID 'a/b' contains unsupported character '/'"],
      ['back\\slash', "tenant ID 'back\\slash' contains unsupported character '\\'"],
      ['sp ace', "tenant ID 'sp ace' contains unsupported character ' '"],
      ['pipe|d', "tenant ID 'pipe|d' contains unsupported character '|'"],
      ['col:on', "tenant ID 'col:on' contains unsupported character ':'"],
      ['ünï', "tenant ID 'ünï' contains unsupported character 'ü'"],
      ['', 'no org id'],
    ];
    for (const [id, message] of cases) {
      expect(tenantIdProblem(id), id).toBe(message);
      let error: unknown;
      try {
        validateTenantId(id);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidTenantIdError);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).code).toBe('INVALID_KEY');
      expect((error as Error).message).toBe(message);
    }
  });

  it('checks characters before length, as Loki does', () => {
    expect(tenantIdProblem('/'.repeat(200))).toMatch(/unsupported character/);
  });
});

describe('chunk keys', () => {
  it('are <tenant>/<fingerprint>/<from>-<through>-<checksum> with 16-digit hex timestamps', () => {
    expect(chunkKey(parts)).toBe('acme/0123456789abcdef/17979cfe362a0000-17979d0c2e715800-deadbeef');
  });

  it('parse back, including pre-epoch timestamps', () => {
    expect(parseChunkKey(chunkKey(parts))).toEqual(parts);
    const early = { ...parts, from: -5n, through: 0n };
    expect(chunkKey(early)).toContain('/fffffffffffffffb-0000000000000000-');
    expect(parseChunkKey(chunkKey(early))).toEqual(early);
  });

  it('sort in time order for the same stream', () => {
    const a = chunkKey({ ...parts, from: 15n, through: 16n });
    const b = chunkKey({ ...parts, from: 256n, through: 300n });
    expect(a < b).toBe(true);
  });

  it('refuse invalid parts', () => {
    expect(() => chunkKey({ ...parts, tenant: '../x' })).toThrow(InvalidTenantIdError);
    expect(() => chunkKey({ ...parts, fingerprint: 'XYZ' })).toThrow(/invalid fingerprint/);
    expect(() => chunkKey({ ...parts, checksum: 'beef' })).toThrow(/invalid checksum/);
    expect(() => chunkKey({ ...parts, from: 2n, through: 1n })).toThrow(/after through/);
  });

  it('are not confused with other keys', () => {
    for (const key of ['acme/index/2024-01-01/streams/0123456789abcdef', 'acme/0123456789abcdef', 'a/b/c', '../0123456789abcdef/x']) {
      expect(parseChunkKey(key), key).toBeUndefined();
    }
    expect(() => parseTimestamp('12')).toThrow(StorageError);
  });
});

describe('days', () => {
  it('map nanoseconds to UTC days, flooring before the epoch', () => {
    expect(dayOf(0n)).toBe(0);
    expect(dayOf(DAY_NS - 1n)).toBe(0);
    expect(dayOf(DAY_NS)).toBe(1);
    expect(dayOf(-1n)).toBe(-1);
    expect(dayOf(-DAY_NS)).toBe(-1);
    expect(dayName(dayOf(1_700_000_000_000_000_000n))).toBe('2023-11-14');
    expect(parseDayName('2023-11-14')).toBe(19_675);
    expect(parseDayName('2023-02-30')).toBeUndefined();
    expect(daysBetween(DAY_NS - 1n, DAY_NS)).toEqual([0, 1]);
    expect(daysBetween(5n, 6n)).toEqual([0]);
  });

  it('name index objects under the tenant and day', () => {
    expect(indexDayPrefix('acme', 19_675)).toBe('acme/index/2023-11-14/');
    expect(indexStreamKey('acme', 19_675, parts.fingerprint)).toBe('acme/index/2023-11-14/streams/0123456789abcdef');
    const refKey = indexChunkRefKey(19_675, parts);
    expect(refKey).toBe('acme/index/2023-11-14/chunks/0123456789abcdef/17979cfe362a0000-17979d0c2e715800-deadbeef');
    expect(parseIndexKey('acme', 19_675, refKey)).toEqual({ kind: 'chunk', chunk: parts });
    expect(parseIndexKey('acme', 19_675, indexStreamKey('acme', 19_675, parts.fingerprint))).toEqual({
      kind: 'stream',
      fingerprint: parts.fingerprint,
    });
    expect(parseIndexKey('acme', 19_675, 'acme/index/2023-11-14/other')).toBeUndefined();
    expect(parseIndexKey('acme', 19_676, refKey)).toBeUndefined();
    expect(() => indexDayPrefix('a/b', 1)).toThrow(InvalidTenantIdError);
  });
});

describe('object keys', () => {
  it('name what is wrong', () => {
    expect(objectKeyProblem('a/b/c')).toBeUndefined();
    expect(objectKeyProblem('')).toBe('empty key');
    expect(objectKeyProblem('/a')).toBe('absolute key');
    expect(objectKeyProblem('a//b')).toBe('empty path segment');
    expect(objectKeyProblem('a/../b')).toBe("'..' path segment");
    expect(objectKeyProblem('a\\b')).toBe('backslash in key');
    expect(objectKeyProblem('C:/x')).toBe('drive-qualified key');
  });

  it('sort in S3 byte order', () => {
    const keys = ['b', 'a\u{1F600}', 'a\uFF01', 'a', 'A'].map((key) => ({ key }));
    // U+FF01 (EF BC 81) sorts before U+1F600 (F0 9F 98 80) in UTF-8, not in UTF-16.
    expect(sortByKey(keys).map((k) => k.key)).toEqual(['A', 'a', 'a\uFF01', 'a\u{1F600}', 'b']);
  });

  it('formats timestamps as fixed-width hex', () => {
    expect(formatTimestamp(255n)).toBe('00000000000000ff');
    expect(parseTimestamp(formatTimestamp(-(2n ** 63n)))).toBe(-(2n ** 63n));
  });
});
