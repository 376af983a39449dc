import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { bufferReader, longToBigInt, readInt64, readText } from './proto-reader.js';

/** The WHATWG rules readText promises: invalid bytes become U+FFFD, a leading BOM is dropped. */
const whatwg = new TextDecoder('utf-8', { fatal: false });

/** Length-prefixed fields, as a protobuf string field carries its bytes. */
function fields(texts: readonly Uint8Array[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const bytes of texts) writer.bytes(bytes);
  return writer.finish();
}

function readAll(bytes: Uint8Array, count: number, reader = bufferReader(bytes)): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(readText(reader));
  expect(reader.pos).toBe(reader.len);
  return out;
}

describe('readText', () => {
  it('decodes text as TextDecoder does, invalid bytes and byte-order marks included', () => {
    // Bytes that make UTF-8 go wrong: stray continuations, overlong leads, surrogates (ED A0),
    // leads past U+10FFFF (F4 90, F5-FF), truncated sequences, a BOM, U+FFFD itself, and ASCII.
    const tricky = [0x41, 0x7a, 0x20, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xbb, 0xbd, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff];
    let seed = 12345;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const samples: Uint8Array[] = [
      new Uint8Array([0xef, 0xbb, 0xbf, 0x61]),
      new Uint8Array([0x61, 0xef, 0xbb, 0xbf]),
      new Uint8Array([0xef, 0xbf, 0xbd]),
      new Uint8Array([0xed, 0xa0, 0x80]),
      new Uint8Array([0xf0, 0x9f, 0x98, 0x80]),
      new Uint8Array([]),
      Buffer.from('plain ascii line level=info'),
      Buffer.from('grüße, 日本語'),
    ];
    for (let round = 0; round < 3000; round++) {
      const bytes = new Uint8Array(next(9));
      for (let i = 0; i < bytes.length; i++) bytes[i] = tricky[next(tricky.length)]!;
      samples.push(bytes);
    }
    const expected = samples.map((bytes) => whatwg.decode(bytes));
    const body = fields(samples);
    expect(readAll(Buffer.from(body), samples.length)).toEqual(expected);
    // A reader over a plain Uint8Array (not a Buffer) takes the general path, with the same result.
    expect(readAll(body, samples.length, protobuf.Reader.create(new Uint8Array(body)))).toEqual(expected);
    expect(expected.filter((text) => text.includes('\ufffd')).length).toBeGreaterThan(1000);
  });

  it('fails a field that runs past the end with protobufjs message', () => {
    const body = Buffer.from([0x05, 0x61, 0x62]);
    expect(() => readText(bufferReader(body))).toThrow(/index out of range/);
  });
});

describe('readInt64', () => {
  it('reads every int64 as protobufjs Long does, short varints and long ones', () => {
    const values = [0n, 1n, 127n, 128n, 1_764_000_000n, 2n ** 49n - 1n, 2n ** 49n, 2n ** 56n + 3n, 2n ** 63n - 1n, -1n, -1_764_000_000n, -(2n ** 63n)];
    const writer = protobuf.Writer.create();
    for (const value of values) writer.int64(value.toString() as unknown as number);
    const bytes = Buffer.from(writer.finish());
    const fast = bufferReader(bytes);
    const general = bufferReader(bytes);
    const read: bigint[] = [];
    for (const value of values) {
      const got = readInt64(fast);
      expect(got).toBe(longToBigInt(general.int64()));
      expect(fast.pos).toBe(general.pos);
      read.push(got);
      expect(got).toBe(value);
    }
    expect(read).toEqual(values);
  });

  it('fails a truncated varint with protobufjs message', () => {
    expect(() => readInt64(bufferReader(Buffer.from([0x80, 0x80])))).toThrow(/index out of range/);
  });
});
