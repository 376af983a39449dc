// The payload codec of every transport: msgpackr in its standard mode, so a process written in
// any language with a MessagePack library can read Norn's messages.
//
// - `useRecords: false`: plain maps, no msgpackr-only record extension.
// - bigint: values within 64 bits travel as MessagePack int64/uint64 and decode back to bigint
//   (`int64AsType: 'bigint'`); JavaScript numbers never use those formats, so a bigint always
//   comes back as a bigint with the same value. Wider bigints use msgpackr's bigint extension.
// - Uint8Array travels as MessagePack bin and decodes as a Uint8Array view of the frame.

import { Packr } from 'msgpackr';
import { errorMessage } from '../core/errors.js';
import { BusError } from './errors.js';

const packr = new Packr({
  useRecords: false,
  int64AsType: 'bigint',
  useBigIntExtension: true,
  mapsAsObjects: true,
});

/** 8 MiB: the in-process limit, and the `max_payload` the test nats-server runs with. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

/**
 * Encodes a value; fails with `BUS_PAYLOAD` when it cannot be encoded (a symbol, a cycle) or
 * when the result is larger than `maxBytes`.
 */
export function encode(value: unknown, maxBytes: number = Number.POSITIVE_INFINITY): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = packr.pack(value);
  } catch (cause) {
    throw new BusError('BUS_PAYLOAD', `payload cannot be encoded: ${errorMessage(cause)}`, { cause });
  }
  if (bytes.length > maxBytes) throw payloadTooLarge(bytes.length, maxBytes);
  return bytes;
}

export function decode<T = unknown>(bytes: Uint8Array): T {
  // A Buffer input would make msgpackr hand out Buffers for bin values; a plain view keeps
  // them Uint8Array on every transport.
  const view = Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : bytes;
  try {
    return packr.unpack(view) as T;
  } catch (cause) {
    throw new BusError('BUS_PAYLOAD', `payload cannot be decoded (${bytes.length} bytes): ${errorMessage(cause)}`, {
      cause,
    });
  }
}

export function payloadTooLarge(size: number, maxBytes: number, cause?: unknown): BusError {
  return new BusError(
    'BUS_PAYLOAD',
    `payload of ${size} bytes exceeds the bus limit of ${maxBytes} bytes; split it into smaller messages`,
    { cause },
  );
}
