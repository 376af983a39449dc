import { Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decode, encode } from './codec.js';
import { BusError } from './errors.js';

describe('codec', () => {
  it('round-trips bigint exactly, including beyond 64 bits', () => {
    const values = [0n, 5n, -5n, 1_700_000_000_123_456_789n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 100n, -(2n ** 90n)];
    const back = decode<bigint[]>(encode(values));
    expect(back).toEqual(values);
    for (const value of back) expect(typeof value).toBe('bigint');
  });

  it('keeps numbers as numbers', () => {
    expect(decode(encode([1, 2 ** 40, -3.5, Number.MAX_SAFE_INTEGER]))).toEqual([1, 2 ** 40, -3.5, Number.MAX_SAFE_INTEGER]);
  });

  it('keeps Uint8Array binary, as a plain Uint8Array', () => {
    const back = decode<{ bytes: Uint8Array }>(encode({ bytes: new Uint8Array([0, 1, 255]) }));
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(back.bytes)).toBe(false);
    expect(Array.from(back.bytes)).toEqual([0, 1, 255]);
  });

  it('writes standard maps a plain msgpack decoder reads', () => {
    const plain = new Unpackr({ useRecords: false, mapsAsObjects: true });
    expect(plain.unpack(encode({ a: 1, b: ['x'] }))).toEqual({ a: 1, b: ['x'] });
  });

  it('fails with BUS_PAYLOAD for unencodable values and oversize payloads', () => {
    expect(() => encode({ s: Symbol('x') })).toThrow(BusError);
    const tooBig = (): Uint8Array => encode(new Uint8Array(2000), 1000);
    expect(tooBig).toThrow(/exceeds the bus limit of 1000 bytes/);
    try {
      tooBig();
    } catch (error) {
      expect((error as BusError).code).toBe('BUS_PAYLOAD');
    }
  });

  it('fails with BUS_PAYLOAD for bytes that are not msgpack', () => {
    expect(() => decode(new Uint8Array([0x92, 0x01]))).toThrow(expect.objectContaining({ code: 'BUS_PAYLOAD' }));
  });
});
