// One WAL record: [uint32 BE payload length][uint32 BE CRC-32C of payload][payload], the payload
// being the MessagePack of an IngesterPushRequest (bus/codec.ts, so bigint timestamps survive).
// Segments and checkpoints are both plain sequences of these records (README.md draws it).

import { decode, encode } from '../../../bus/codec.js';
import { crc32c } from '../../../storage/chunk/crc32c.js';
import type { IngesterPushRequest } from '../protocol.js';
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
  let payload: Uint8Array;
  try {
    payload = encode(request);
  } catch (cause) {
    throw new WalError('WAL_ENCODE', `push request cannot be encoded for the WAL: ${errorMessage(cause)}`, { cause });
  }
  if (payload.length > MAX_RECORD_BYTES) {
    throw new WalError('WAL_ENCODE', `push request of ${payload.length} bytes exceeds the WAL record limit of ${MAX_RECORD_BYTES} bytes`);
  }
  return frameRecord(payload);
}

/** Decodes a payload whose checksum matched; throws when it is not a push request. */
export function decodeRequestPayload(payload: Uint8Array): IngesterPushRequest {
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
