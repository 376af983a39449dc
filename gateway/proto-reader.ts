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

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * A protobuf string field as well-formed text: invalid UTF-8 becomes U+FFFD by the WHATWG rules
 * (as Go's encoders replace it), so a line decodes to the same text every time it is read.
 * protobufjs' own decoder can turn invalid bytes into lone surrogates.
 */
export function readText(reader: Reader): string {
  return utf8.decode(reader.bytes());
}
