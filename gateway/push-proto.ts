// Loki's protobuf push body: `logproto.PushRequest`, snappy-compressed in the block format.
// The schema lives here in code (drawn in README.md), so the compiled build needs no .proto
// file at run time. Decoding walks the wire format with protobufjs' Reader straight into
// `PushStreamInput`s: no intermediate message objects, and timestamps exact to the nanosecond.

import { createRequire } from 'node:module';
import protobuf from 'protobufjs';
import type { PushStreamInput } from '../actors/distributor/api.js';
import { labelsFromRecord, type Entry, type Labels } from '../core/model.js';
import { HttpError } from './errors.js';
import { bufferReader, endOf, expectEnd, readInt64, readText, type Reader } from './proto-reader.js';

/** The part of Loki's `push.proto` a push uses, as a protobufjs JSON descriptor. */
export const PUSH_PROTO_DESCRIPTOR = {
  nested: {
    logproto: {
      nested: {
        PushRequest: { fields: { streams: { rule: 'repeated', type: 'StreamAdapter', id: 1 } } },
        StreamAdapter: {
          fields: {
            labels: { type: 'string', id: 1 },
            entries: { rule: 'repeated', type: 'EntryAdapter', id: 2 },
            hash: { type: 'uint64', id: 3 },
          },
        },
        EntryAdapter: {
          fields: {
            timestamp: { type: 'google.protobuf.Timestamp', id: 1 },
            line: { type: 'string', id: 2 },
            structuredMetadata: { rule: 'repeated', type: 'LabelPairAdapter', id: 3 },
          },
        },
        LabelPairAdapter: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
      },
    },
    google: {
      nested: {
        protobuf: {
          nested: { Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } } },
        },
      },
    },
  },
};

let pushRequestType: protobuf.Type | undefined;

/** The reflected `logproto.PushRequest` type, for tools and tests that want protobufjs' API. */
export function pushRequestProtoType(): protobuf.Type {
  pushRequestType ??= protobuf.Root.fromJSON(PUSH_PROTO_DESCRIPTOR).lookupType('logproto.PushRequest');
  return pushRequestType;
}

interface SnappyJs {
  compress(input: Uint8Array): Uint8Array;
  uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}

interface NativeSnappy {
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Buffer;
  compressSync(input: Uint8Array): Buffer;
}

const requireCjs = createRequire(import.meta.url);

/**
 * The block codec for push bodies: the native `snappy` binding (an optional dependency with
 * prebuilt binaries) when it loads, about 4x faster than pure JS on the push path; snappyjs
 * otherwise. Both speak the same block format. snappyjs ships no type declarations; loading it
 * through require keeps its types local here.
 */
const snappy: SnappyJs = (() => {
  try {
    const native = requireCjs('snappy') as NativeSnappy;
    return {
      uncompress: (input: Uint8Array) => native.uncompressSync(input, { asBuffer: true }),
      compress: (input: Uint8Array) => native.compressSync(input),
    } as SnappyJs;
  } catch {
    return requireCjs('snappyjs') as SnappyJs;
  }
})();

/** The length a snappy block claims for its uncompressed form (its leading uvarint). */
export function snappyUncompressedLength(block: Uint8Array): number {
  let result = 0;
  for (let i = 0, shift = 0; i < block.length && shift <= 28; i++, shift += 7) {
    const byte = block[i]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
  }
  throw new Error('snappy: corrupt input');
}

/** Snappy block decompression. A copy element turns 3 bytes into at most 64, so a block that
 * claims more than ~22x its own size is corrupt or hostile: refuse before allocating. */
export function snappyUncompress(block: Uint8Array, maxLength: number): Uint8Array {
  const claimed = snappyUncompressedLength(block);
  if (claimed > maxLength) throw new SnappyTooLargeError(claimed, maxLength);
  if (claimed > block.length * 22 + 64) throw new Error('snappy: corrupt input');
  try {
    return snappy.uncompress(block, maxLength);
  } catch {
    throw new Error('snappy: corrupt input');
  }
}

export function snappyCompress(data: Uint8Array): Uint8Array {
  return snappy.compress(data);
}

/** A snappy block that claims more bytes than a push may hold: a 413, before any is inflated. */
export class SnappyTooLargeError extends HttpError {
  constructor(readonly size: number, readonly max: number) {
    super('HTTP_BODY_TOO_LARGE', `request body too large: message decompressed size too large than max (${size} vs ${max})`);
  }
}

function decodeTimestamp(reader: Reader): bigint {
  const end = endOf(reader);
  let seconds = 0n;
  let nanos = 0;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 8) seconds = readInt64(reader);
    else if (tag === 16) nanos = reader.int32();
    else reader.skipType(tag & 7);
  }
  expectEnd(reader, end);
  return seconds * 1_000_000_000n + BigInt(nanos);
}

function decodeLabelPair(reader: Reader, into: Record<string, string>): void {
  const end = endOf(reader);
  let name = '';
  let value = '';
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 10) name = readText(reader);
    else if (tag === 18) value = readText(reader);
    else reader.skipType(tag & 7);
  }
  expectEnd(reader, end);
  into[name] = value;
}

function decodeEntry(reader: Reader): Entry {
  const end = endOf(reader);
  let ts = 0n;
  let line = '';
  let metadata: Record<string, string> | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 10) ts = decodeTimestamp(reader);
    else if (tag === 18) line = readText(reader);
    else if (tag === 26) decodeLabelPair(reader, (metadata ??= {}));
    else reader.skipType(tag & 7);
  }
  expectEnd(reader, end);
  if (metadata === undefined) return { ts, line };
  const labels: Labels = labelsFromRecord(metadata);
  return { ts, line, metadata: labels };
}

function decodeStream(reader: Reader): PushStreamInput {
  const end = endOf(reader);
  let labels = '';
  const entries: Entry[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 10) labels = readText(reader);
    else if (tag === 18) entries.push(decodeEntry(reader));
    else reader.skipType(tag & 7);
  }
  expectEnd(reader, end);
  return { labels, entries };
}

/** Decodes an uncompressed `PushRequest`; throws on malformed bytes. Unknown fields are skipped. */
export function decodePushRequest(bytes: Uint8Array): PushStreamInput[] {
  const reader = bufferReader(bytes);
  const streams: PushStreamInput[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === 10) streams.push(decodeStream(reader));
    else reader.skipType(tag & 7);
  }
  return streams;
}

export interface EncodableStream {
  /** Loki's label string, `{app="x"}`. */
  readonly labels: string;
  readonly entries: readonly Entry[];
}

function writeTimestamp(writer: protobuf.Writer, ts: bigint): void {
  let seconds = ts / 1_000_000_000n;
  let nanos = ts % 1_000_000_000n;
  if (nanos < 0n) {
    seconds -= 1n;
    nanos += 1_000_000_000n;
  }
  writer.uint32(10).fork();
  if (seconds !== 0n) writer.uint32(8).int64(seconds.toString());
  if (nanos !== 0n) writer.uint32(16).int32(Number(nanos));
  writer.ldelim();
}

/** Encodes streams as an uncompressed `PushRequest` (what Promtail sends before snappy). */
export function encodePushRequest(streams: readonly EncodableStream[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const stream of streams) {
    writer.uint32(10).fork();
    writer.uint32(10).string(stream.labels);
    for (const entry of stream.entries) {
      writer.uint32(18).fork();
      writeTimestamp(writer, entry.ts);
      writer.uint32(18).string(entry.line);
      for (const label of entry.metadata ?? []) {
        writer.uint32(26).fork().uint32(10).string(label.name).uint32(18).string(label.value).ldelim();
      }
      writer.ldelim();
    }
    writer.ldelim();
  }
  return writer.finish();
}
