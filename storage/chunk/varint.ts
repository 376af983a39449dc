// Go's `encoding/binary` varints: uvarint is little-endian base-128, varint zigzag-encodes a
// signed 64-bit value first. Timestamps are bigint, but per-byte BigInt arithmetic is slow in V8,
// so a timestamp goes through a DataView as two uint32 halves and the bytes are produced and
// consumed with 32-bit integer operations.

import { StorageError } from '../object-store.js';

const SCRATCH = new DataView(new ArrayBuffer(8));
const TWO_POW_32 = 4294967296;

/** Bytes `putUvarint` writes for `value` (a non-negative safe integer). */
export function uvarintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Writes `value` (a non-negative safe integer) at `pos`; returns the position after it. */
export function putUvarint(buf: Uint8Array, pos: number, value: number): number {
  while (value >= TWO_POW_32) {
    buf[pos++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  let v = value >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** Writes a signed 64-bit `value` zigzag-encoded, as Go's `binary.PutVarint`. */
export function putVarint64(buf: Uint8Array, pos: number, value: bigint): number {
  SCRATCH.setBigInt64(0, value);
  const hi = SCRATCH.getInt32(0);
  const lo = SCRATCH.getUint32(4);
  // zigzag over 64 bits: (v << 1) ^ (v >> 63), done on the halves.
  const sign = hi >> 31;
  let zlo = ((lo << 1) ^ sign) >>> 0;
  let zhi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
  while (zhi !== 0) {
    buf[pos++] = (zlo & 0x7f) | 0x80;
    zlo = ((zlo >>> 7) | (zhi << 25)) >>> 0;
    zhi >>>= 7;
  }
  while (zlo >= 0x80) {
    buf[pos++] = (zlo & 0x7f) | 0x80;
    zlo >>>= 7;
  }
  buf[pos++] = zlo;
  return pos;
}

/** Bytes `putVarint64` writes for `value`. */
export function varint64Size(value: bigint): number {
  SCRATCH.setBigInt64(0, value);
  const hi = SCRATCH.getInt32(0);
  const lo = SCRATCH.getUint32(4);
  const sign = hi >> 31;
  const zlo = ((lo << 1) ^ sign) >>> 0;
  const zhi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
  if (zhi === 0) return zlo < 0x80 ? 1 : zlo < 0x4000 ? 2 : zlo < 0x200000 ? 3 : zlo < 0x10000000 ? 4 : 5;
  const bits = 64 - Math.clz32(zhi);
  return Math.ceil(bits / 7);
}

function corrupt(what: string, pos: number): StorageError {
  return new StorageError('CORRUPT_CHUNK', `corrupt chunk: ${what} at byte ${pos}`);
}

/**
 * A cursor over bytes that decodes varints and fails with CORRUPT_CHUNK instead of reading past
 * `end`: decoding runs on untrusted bytes, so every read is bounded.
 */
export class ByteReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
    /** Names the section in error messages, e.g. `metas` or `block 3`. */
    readonly section = 'data',
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** A uvarint no larger than 2^53 - 1. */
  uvarint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end) throw corrupt(`truncated varint in ${this.section}`, pos);
      const byte = buf[pos++]!;
      if (shift < 28) result |= (byte & 0x7f) << shift;
      else result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
      shift += 7;
      if (shift > 49) throw corrupt(`varint overflow in ${this.section}`, pos);
    }
    if (result > Number.MAX_SAFE_INTEGER) throw corrupt(`varint overflow in ${this.section}`, pos);
    this.pos = pos;
    return result;
  }

  /** A zigzag varint of up to 64 bits, as Go's `binary.Varint`. */
  varint64(): bigint {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end) throw corrupt(`truncated varint in ${this.section}`, pos);
      const byte = buf[pos++]!;
      const bits = byte & 0x7f;
      if (shift < 28) {
        lo |= bits << shift;
      } else if (shift === 28) {
        lo |= bits << 28;
        hi = bits >>> 4;
      } else if (shift < 63) {
        hi |= bits << (shift - 32);
      } else {
        if (bits > 1) throw corrupt(`varint overflow in ${this.section}`, pos);
        hi |= bits << 31;
      }
      if (byte < 0x80) break;
      shift += 7;
      if (shift > 63) throw corrupt(`varint overflow in ${this.section}`, pos);
    }
    this.pos = pos;
    // un-zigzag: (u >>> 1) ^ -(u & 1) over the two halves.
    const negative = -(lo & 1);
    const ulo = ((lo >>> 1) | (hi << 31)) ^ negative;
    const uhi = (hi >>> 1) ^ negative;
    SCRATCH.setInt32(0, uhi);
    SCRATCH.setInt32(4, ulo);
    return SCRATCH.getBigInt64(0);
  }

  /** Skips a varint without decoding it. */
  skipVarint(): void {
    const buf = this.buf;
    const limit = Math.min(this.end, this.pos + 10);
    let pos = this.pos;
    while (pos < limit && buf[pos]! >= 0x80) pos++;
    if (pos >= limit) throw corrupt(`bad varint in ${this.section}`, this.pos);
    this.pos = pos + 1;
  }

  /** Advances over `length` bytes, returning where they start. */
  skip(length: number): number {
    const start = this.pos;
    if (length > this.end - start) throw corrupt(`length ${length} overruns ${this.section}`, start);
    this.pos = start + length;
    return start;
  }
}
