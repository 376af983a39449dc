import { describe, expect, it } from 'vitest';
import { StorageError } from '../object-store.js';
import { ByteReader, putUvarint, putVarint64, uvarintSize, varint64Size } from './varint.js';

/** Go's binary.PutVarint, by the book with bigint, as the reference. */
function goPutVarint(value: bigint): number[] {
  let ux = BigInt.asUintN(64, value << 1n);
  if (value < 0n) ux = BigInt.asUintN(64, ~ux);
  const out: number[] = [];
  while (ux >= 0x80n) {
    out.push(Number(ux & 0x7fn) | 0x80);
    ux >>= 7n;
  }
  out.push(Number(ux));
  return out;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

describe('varint64', () => {
  const samples = [
    0n, 1n, -1n, 63n, -64n, 64n, 127n, 128n, 2n ** 31n - 1n, 2n ** 31n, -(2n ** 31n), 2n ** 32n, 2n ** 32n + 5n,
    2n ** 53n + 1n, 1_700_000_000_123_456_789n, -1_700_000_000_123_456_789n, INT64_MAX, INT64_MIN, INT64_MAX - 1n,
  ];
  for (let i = 0; i < 64; i++) samples.push(1n << BigInt(i), -(1n << BigInt(i)), (1n << BigInt(i)) - 1n);

  it('writes the bytes Go writes and reads them back', () => {
    const buf = new Uint8Array(10);
    for (const value of samples.filter((v) => v >= INT64_MIN && v <= INT64_MAX)) {
      const end = putVarint64(buf, 0, value);
      expect([...buf.subarray(0, end)]).toEqual(goPutVarint(value));
      expect(varint64Size(value)).toBe(end);
      const reader = new ByteReader(buf, 0, end);
      expect(reader.varint64()).toBe(value);
      expect(reader.pos).toBe(end);
    }
  });

  it('rejects truncated and overlong input with CORRUPT_CHUNK', () => {
    const buf = new Uint8Array(10);
    const end = putVarint64(buf, 0, INT64_MIN);
    expect(end).toBe(10);
    expect(() => new ByteReader(buf, 0, 9).varint64()).toThrow(StorageError);
    const overlong = new Uint8Array(11).fill(0xff);
    expect(() => new ByteReader(overlong).varint64()).toThrow(/varint overflow/);
    const tenthTooBig = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]);
    expect(() => new ByteReader(tenthTooBig).varint64()).toThrow(/varint overflow/);
  });
});

describe('uvarint', () => {
  it('round-trips values up to 2^53 - 1 with Go byte layout', () => {
    const values = [0, 1, 127, 128, 300, 16_383, 16_384, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 + 1, 2 ** 49 + 3, Number.MAX_SAFE_INTEGER];
    const buf = new Uint8Array(10);
    for (const value of values) {
      const end = putUvarint(buf, 0, value);
      expect(end).toBe(uvarintSize(value));
      expect([...buf.subarray(0, end)]).toEqual(uvarintBytes(BigInt(value)));
      const reader = new ByteReader(buf, 0, end);
      expect(reader.uvarint()).toBe(value);
    }
  });

  it('refuses values beyond 2^53 - 1 and truncation', () => {
    const buf = new Uint8Array(10);
    const end = putUvarint(buf, 0, 2 ** 53 - 1);
    buf[end - 1] = buf[end - 1]! + 1; // 2^53 + 2^46 - 1 > MAX_SAFE_INTEGER
    expect(() => new ByteReader(buf, 0, end).uvarint()).toThrow(/overflow/);
    expect(() => new ByteReader(Uint8Array.from([0x80, 0x80]), 0, 2).uvarint()).toThrow(/truncated/);
  });

  it('bounds skips by the section end', () => {
    const reader = new ByteReader(new Uint8Array(10), 2, 6, 'block 1');
    expect(reader.skip(3)).toBe(2);
    expect(() => reader.skip(2)).toThrow(/overruns block 1/);
  });
});

function uvarintBytes(value: bigint): number[] {
  const out: number[] = [];
  while (value >= 0x80n) {
    out.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.push(Number(value));
  return out;
}
