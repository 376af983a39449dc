import { describe, expect, it } from 'vitest';
import { StorageError } from '../../../storage/mod.js';
import { deleteRequestKey, deleteRequestsPrefix, parseDeleteRequestKey } from '../../../storage/keys.js';
import { decodeRequest, encodeRequest, requestStatus, splitWindow, toFilters, toView, type StoredDeleteRequest } from './model.js';

const HOUR = 3_600_000;
const request: StoredDeleteRequest = {
  id: '0a1b2c3d',
  tenant: 'acme',
  query: '{app="api"} |= "token"',
  createdAtMs: 1_700_000_000_000,
  parts: [
    { startMs: 1_699_990_000_000, endMs: 1_699_993_600_000, status: 'processed', processedAtMs: 1_700_090_000_000 },
    { startMs: 1_699_993_600_000, endMs: 1_699_996_000_000, status: 'received' },
  ],
};

describe("Loki's max_interval split", () => {
  it('cuts at multiples of the interval, keeps the original start and end, and shares each boundary', () => {
    expect(splitWindow(90 * 60_000, 5 * HOUR + 30 * 60_000, HOUR)).toEqual([
      { startMs: 90 * 60_000, endMs: 2 * HOUR },
      { startMs: 2 * HOUR, endMs: 3 * HOUR },
      { startMs: 3 * HOUR, endMs: 4 * HOUR },
      { startMs: 4 * HOUR, endMs: 5 * HOUR },
      { startMs: 5 * HOUR, endMs: 5 * HOUR + 30 * 60_000 },
    ]);
  });

  it('gives one part for no interval or one at least as long as the window', () => {
    expect(splitWindow(1000, 5000, 0)).toEqual([{ startMs: 1000, endMs: 5000 }]);
    expect(splitWindow(1000, 5000, 4000)).toEqual([{ startMs: 1000, endMs: 5000 }]);
    expect(splitWindow(0, 2 * HOUR, HOUR)).toEqual([{ startMs: 0, endMs: HOUR }, { startMs: HOUR, endMs: 2 * HOUR }]);
  });
});

describe('a stored request', () => {
  it("sums its parts' statuses as Loki does", () => {
    const part = (status: 'received' | 'processed') => ({ startMs: 0, endMs: 1, status });
    expect(requestStatus([part('received'), part('received')])).toBe('received');
    expect(requestStatus([part('processed'), part('processed')])).toBe('processed');
    expect(requestStatus([part('processed'), part('received'), part('received')])).toBe('33% Complete');
    expect(requestStatus([part('processed'), part('processed'), part('received')])).toBe('66% Complete');
  });

  it('lists as one request spanning its parts', () => {
    expect(toView(request)).toEqual({
      requestId: '0a1b2c3d',
      tenant: 'acme',
      query: '{app="api"} |= "token"',
      startMs: 1_699_990_000_000,
      endMs: 1_699_996_000_000,
      createdAtMs: 1_700_000_000_000,
      status: '50% Complete',
    });
  });

  it('filters every part, processed or not, over its millisecond bounds in ns', () => {
    expect(toFilters(request)).toEqual([
      { query: request.query, start: 1_699_990_000_000_000_000n, end: 1_699_993_600_000_000_000n },
      { query: request.query, start: 1_699_993_600_000_000_000n, end: 1_699_996_000_000_000_000n },
    ]);
  });

  it('round-trips through its JSON object and refuses damaged ones, naming the key', () => {
    expect(decodeRequest('k', encodeRequest(request))).toEqual(request);
    const bad = (text: string) => () => decodeRequest('~deletes/acme/0a1b2c3d', new TextEncoder().encode(text));
    expect(bad('{')).toThrow(StorageError);
    expect(bad('{')).toThrow(/^delete request ~deletes\/acme\/0a1b2c3d: not JSON/);
    expect(bad('{"id":"x","tenant":"t","query":"{a=\\"b\\"}","createdAtMs":1,"parts":[]}')).toThrow('no parts');
    expect(bad('{"id":"x","tenant":"t","query":"q","createdAtMs":1,"parts":[{"startMs":1,"endMs":2,"status":"done"}]}')).toThrow('a part without');
  });
});

describe('delete request keys', () => {
  it('live under ~deletes/<tenant>/, outside every tenant\'s prefix, with validated tenants and ids', () => {
    expect(deleteRequestKey('acme', '0a1b2c3d')).toBe('~deletes/acme/0a1b2c3d');
    expect(deleteRequestsPrefix("a.b*c'(d)")).toBe("~deletes/a.b*c'(d)/");
    expect(parseDeleteRequestKey('~deletes/acme/0a1b2c3d')).toEqual({ tenant: 'acme', id: '0a1b2c3d' });
    for (const key of ['acme/0a1b2c3d', '~deletes/acme/0A1B2C3D', '~deletes/acme/x/0a1b2c3d', '~deletes/../0a1b2c3d']) expect(parseDeleteRequestKey(key), key).toBeUndefined();
    expect(() => deleteRequestKey('a/b', '0a1b2c3d')).toThrow(StorageError);
    expect(() => deleteRequestKey('acme', '../x')).toThrow('invalid delete request id');
  });
});
