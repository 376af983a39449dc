import { describe, expect, it } from 'vitest';
import { crc32c, crc32cHex } from './crc32c.js';

function bitwiseCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cHex(Buffer.from('123456789'))).toBe('e3069283');
  });

  it('matches RFC 3720 test vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('is 0 for no bytes and pads hex to eight digits', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32cHex(new Uint8Array(0))).toBe('00000000');
  });

  it('agrees with the bitwise definition for every length and alignment', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 197 + 11) & 0xff);
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= data.length; end += 7) {
        expect(crc32c(data, start, end)).toBe(bitwiseCrc32c(data.subarray(start, end)));
      }
    }
  });

  it('continues a running checksum across split input', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog');
    const first = crc32c(data, 0, 10);
    expect(crc32c(data, 10, data.length, first)).toBe(crc32c(data));
  });
});
