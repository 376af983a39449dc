// Helpers for the hand-written protobuf decoders of the push and OTLP bodies: bounded nested
// messages, 64-bit integers as bigint, and strings decoded as well-formed text.

import protobuf from 'protobufjs';

export type Reader = protobuf.Reader;

/** Reads a length prefix and returns where the nested message ends, refusing one past the end. */
export function endOf(reader: Reader): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new RangeError(`proto: length ${length} at offset ${reader.pos} runs past the end of the message`);
  return end;
}

export function expectEnd(reader: Reader, end: number): void {
  if (reader.pos !== end) throw new RangeError(`proto: field overruns its enclosing message at offset ${reader.pos}`);
}

export function longToBigInt(value: protobuf.Long | number): bigint {
  if (typeof value === 'number') return BigInt(value);
  return (BigInt(value.high) << 32n) | BigInt(value.low >>> 0);
}

/**
 * An int64 field as a bigint, what `longToBigInt(reader.int64())` gives. A value in at most seven
 * varint bytes (below 2^49: any timestamp's seconds) is read here as a number, without the two
 * objects and four bigints protobufjs' Long costs per entry; any other is left to protobufjs.
 */
export function readInt64(reader: Reader): bigint {
  const buf = reader.buf;
  let pos = reader.pos;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 7 && pos < reader.len; i++) {
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      reader.pos = pos;
      return BigInt(value);
    }
    scale *= 0x80;
  }
  return longToBigInt(reader.int64());
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A protobuf string field as well-formed text: invalid UTF-8 becomes U+FFFD by the WHATWG rules
 * (as Go's encoders replace it), so a line decodes to the same text every time it is read.
 * protobufjs' own decoder can turn invalid bytes into lone surrogates.
 */
export function readText(reader: Reader): string {
  const buf = reader.buf;
  if (!Buffer.isBuffer(buf)) return utf8.decode(reader.bytes());
  const at = reader.pos;
  const length = reader.uint32();
  const start = reader.pos;
  const end = start + length;
  if (end > reader.len) {
    // Out of range: protobufjs' read fails it with its own message, as it always did.
    reader.pos = at;
    return utf8.decode(reader.bytes());
  }
  reader.pos = end;
  // Buffer's decoder costs a third of TextDecoder's per line here. Both read valid UTF-8 the same
  // way; they may differ on invalid bytes (which become U+FFFD) and on a leading byte-order mark
  // (which TextDecoder drops), so any text showing either is decoded again by the WHATWG rules.
  const text = buf.toString('utf8', start, end);
  if (text.charCodeAt(0) === 0xfeff || text.includes('\ufffd')) return utf8.decode(buf.subarray(start, end));
  return text;
}

/** A reader over `bytes` whose text fields take readText's faster path (it needs a Buffer). */
export function bufferReader(bytes: Uint8Array): Reader {
  return protobuf.Reader.create(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
