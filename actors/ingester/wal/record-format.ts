// One WAL record: [uint32 BE payload length][uint32 BE CRC-32C of payload][payload], the payload
// being a push in its binary form (../protocol-codec.ts), the very bytes a gateway sent when it sent
// that form. WALs written before hold the MessagePack of an IngesterPushRequest (bus/codec.ts)
// instead; the first byte tells the two apart and both are read.
// Segments and checkpoints are both plain sequences of these records (README.md draws it).

import { decode } from '../../../bus/codec.js';
import { crc32c } from '../../../storage/chunk/crc32c.js';
import type { IngesterPushRequest } from '../protocol.js';
import { decodePush, encodePush, isEncodedPush } from '../protocol-codec.js';
import { errorMessage } from '../../../core/errors.js';
import { WalError } from './errors.js';

export const RECORD_HEADER_BYTES = 8;

/**
 * Larger lengths are read as corruption. Pushes are bounded by the bus payload limit (8 MiB) and
 * checkpoint records by the snapshot's record size, so 256 MiB is far above any real record
 * while still catching a garbage length before it becomes a huge allocation.
 */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** Header plus payload in one buffer, ready for write(2). */
export function frameRecord(payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  record.writeUInt32BE(payload.length, 0);
  record.writeUInt32BE(crc32c(payload), 4);
  record.set(payload, RECORD_HEADER_BYTES);
  return record;
}

export function encodeRequestRecord(request: IngesterPushRequest): Buffer {
  let record: Buffer;
  try {
    // Encoded behind room for the header: the record is built in one buffer, without a copy.
    record = encodePush(request, RECORD_HEADER_BYTES);
  } catch (cause) {
    throw new WalError('WAL_ENCODE', `push request cannot be encoded for the WAL: ${errorMessage(cause)}`, { cause });
  }
  const length = record.length - RECORD_HEADER_BYTES;
  if (length > MAX_RECORD_BYTES) {
    throw new WalError('WAL_ENCODE', `push request of ${length} bytes exceeds the WAL record limit of ${MAX_RECORD_BYTES} bytes`);
  }
  record.writeUInt32BE(length, 0);
  record.writeUInt32BE(crc32c(record.subarray(RECORD_HEADER_BYTES)), 4);
  return record;
}

/** A record of a push already in its binary form (as a gateway sent it): framed, not re-encoded. */
export function encodedPushRecord(payload: Uint8Array): Buffer {
  if (!isEncodedPush(payload)) throw new WalError('WAL_ENCODE', 'payload is not an encoded push');
  if (payload.length > MAX_RECORD_BYTES) {
    throw new WalError('WAL_ENCODE', `push request of ${payload.length} bytes exceeds the WAL record limit of ${MAX_RECORD_BYTES} bytes`);
  }
  return frameRecord(payload);
}

/** Decodes a payload whose checksum matched; throws when it is not a push request. */
export function decodeRequestPayload(payload: Uint8Array): IngesterPushRequest {
  if (isEncodedPush(payload)) return decodePush(payload);
  const value = decode<unknown>(payload);
  if (!isPushRequest(value)) throw new Error('record payload is not a push request');
  return value;
}

export function entryCount(request: IngesterPushRequest): number {
  let count = 0;
  for (const stream of request.streams) count += stream.entries.length;
  return count;
}

function isPushRequest(value: unknown): value is IngesterPushRequest {
  if (typeof value !== 'object' || value === null) return false;
  const { tenant, streams } = value as { tenant?: unknown; streams?: unknown };
  if (typeof tenant !== 'string' || !Array.isArray(streams)) return false;
  return streams.every(
    (stream: unknown) =>
      typeof stream === 'object' &&
      stream !== null &&
      typeof (stream as { labelString?: unknown }).labelString === 'string' &&
      Array.isArray((stream as { labels?: unknown }).labels) &&
      Array.isArray((stream as { entries?: unknown }).entries),
  );
}
