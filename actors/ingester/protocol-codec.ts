// The binary form of an ingester push: what a gateway sends an ingester over the wire and what
// the ingester's WAL stores, byte for byte, so a push is encoded once (by the gateway, shared by
// every replica) and never re-encoded by the ingester that logs it.
//
//   0xc1 | version u8 (1) | str tenant | uvarint #streams | stream*
//   stream = str labelString | uvarint #labels | (str name | str value)* | uvarint #entries | entry*
//   entry  = int64 BE ts (ns) | str line | uvarint #pairs | (str name | str value)*
//   str    = uvarint UTF-8 length | bytes
//
// 0xc1 is the one byte MessagePack never uses, so a payload that starts with it cannot be the
// MessagePack request older WALs hold; readers tell the two apart by that byte. A length is
// written in as many uvarint bytes as its string's largest UTF-8 size needs (padded with
// continuation bits), so strings are written once, straight into the buffer, without measuring.

import { NornError } from '../../core/errors.js';
import type { Entry, Label } from '../../core/model.js';
import type { IngesterPushRequest, StreamPush } from './protocol.js';

export const PUSH_PAYLOAD_MARKER = 0xc1;
const VERSION = 1;

export function isEncodedPush(payload: Uint8Array): boolean {
  return payload.length >= 2 && payload[0] === PUSH_PAYLOAD_MARKER;
}

/** A reusable, growing buffer: encodes go into it and their result is copied out once. */
class Writer {
  buf: Buffer = Buffer.allocUnsafe(1 << 20);
  /** Over `buf`: a DataView writes a bigint without the intermediate bigints Buffer's writer makes. */
  view: DataView = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  pos = 0;

  reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.use(grown);
  }

  private use(buf: Buffer): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  uvarint(value: number): void {
    this.reserve(10);
    const buf = this.buf;
    while (value >= 0x80) {
      buf[this.pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    buf[this.pos++] = value;
  }

  string(value: string): void {
    if (value.length <= SHORT_STRING && this.ascii(value)) return;
    const max = value.length * 3;
    const width = max < 0x80 ? 1 : max < 0x4000 ? 2 : max < 0x200000 ? 3 : max < 0x10000000 ? 4 : 5;
    this.reserve(width + max);
    const buf = this.buf;
    const start = this.pos + width;
    const written = buf.write(value, start, max, 'utf8');
    let length = written;
    let pos = this.pos;
    for (let i = 1; i < width; i++) {
      buf[pos++] = (length % 0x80) | 0x80;
      length = Math.floor(length / 0x80);
    }
    buf[pos] = length;
    this.pos = start + written;
  }

  /**
   * A short ASCII string byte by byte, with its one-byte length; false (nothing written) for any
   * other. Below about two dozen characters this costs less than the call into Buffer's UTF-8
   * writer, and most strings of a push are that short: metadata names and values, labels.
   */
  private ascii(value: string): boolean {
    const length = value.length;
    this.reserve(1 + length);
    const buf = this.buf;
    const start = this.pos + 1;
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) return false;
      buf[start + i] = code;
    }
    buf[this.pos] = length;
    this.pos = start + length;
    return true;
  }

  ts(value: bigint): void {
    this.reserve(8);
    // DataView wraps what does not fit where Buffer's writer threw: refuse it the same way.
    if (value > MAX_INT64 || value < MIN_INT64) throw new RangeError(`timestamp ${value} does not fit in 64 bits`);
    this.view.setBigInt64(this.pos, value); // big-endian, DataView's default
    this.pos += 8;
  }

  pairs(pairs: readonly Label[] | undefined): void {
    if (pairs === undefined) {
      this.uvarint(0);
      return;
    }
    this.uvarint(pairs.length);
    for (const { name, value } of pairs) {
      this.string(name);
      this.string(value);
    }
  }

  stream(stream: StreamPush): void {
    this.string(stream.labelString);
    this.pairs(stream.labels);
    const entries = stream.entries;
    this.uvarint(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      this.ts(entry.ts);
      this.string(entry.line);
      this.pairs(entry.metadata);
    }
  }

  header(tenant: string, streams: number): void {
    this.reserve(2);
    this.buf[this.pos++] = PUSH_PAYLOAD_MARKER;
    this.buf[this.pos++] = VERSION;
    this.string(tenant);
    this.uvarint(streams);
  }

  /** The bytes written since `from`, copied out, and the writer emptied. */
  take(from = 0): Buffer {
    const out = Buffer.allocUnsafe(this.pos - from);
    this.buf.copy(out, 0, from, this.pos);
    this.reset();
    return out;
  }

  reset(): void {
    this.pos = 0;
    // A huge push must not pin a huge scratch buffer for the life of the process.
    if (this.buf.length > 16 << 20) this.use(Buffer.allocUnsafe(1 << 20));
  }
}

/** Strings up to this many UTF-16 units are tried as ASCII first (a one-byte length fits them). */
const SHORT_STRING = 24;
const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);

const writer = new Writer();

/** One stream's part of a push, to be joined with others by `joinEncodedPush`. */
export function encodeStreamPart(stream: StreamPush): Buffer {
  writer.stream(stream);
  return writer.take();
}

/** A push payload from stream parts, each encoded once however many replicas it goes to. */
export function joinEncodedPush(tenant: string, parts: readonly Uint8Array[]): Buffer {
  writer.header(tenant, parts.length);
  const headerBytes = writer.pos;
  let size = headerBytes;
  for (const part of parts) size += part.length;
  const out = Buffer.allocUnsafe(size);
  writer.buf.copy(out, 0, 0, headerBytes);
  writer.reset();
  let pos = headerBytes;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

/**
 * The whole push encoded, `reserve` bytes left free at the front (a WAL record's header), so a
 * caller framing it needs no second copy. The buffer is its own (`buffer` holds nothing else).
 */
export function encodePush(request: IngesterPushRequest, reserve = 0): Buffer {
  writer.reserve(reserve);
  writer.pos = reserve;
  writer.header(request.tenant, request.streams.length);
  for (const stream of request.streams) writer.stream(stream);
  // Never a slice of Node's shared pool: the result owns its memory, which may be transferred.
  const out = Buffer.allocUnsafeSlow(writer.pos);
  writer.buf.copy(out, reserve, reserve, writer.pos);
  writer.reset();
  return out;
}

/** Thrown for a payload that is not a well-formed encoded push. */
export class PushPayloadError extends NornError {
  constructor(message: string) {
    super('BUS_PAYLOAD', message);
  }
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  uvarint(): number {
    const buf = this.buf;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= buf.length) throw new PushPayloadError('encoded push is truncated');
      const byte = buf[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 0x80;
    }
    throw new PushPayloadError('encoded push holds an overlong varint');
  }

  string(): string {
    const length = this.uvarint();
    const start = this.pos;
    const end = start + length;
    if (end > this.buf.length) throw new PushPayloadError('encoded push is truncated');
    this.pos = end;
    return this.buf.toString('utf8', start, end);
  }

  ts(): bigint {
    if (this.pos + 8 > this.buf.length) throw new PushPayloadError('encoded push is truncated');
    const value = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return value;
  }

  count(minBytesEach: number): number {
    const count = this.uvarint();
    if (count * minBytesEach > this.buf.length - this.pos) throw new PushPayloadError(`encoded push claims ${count} items in ${this.buf.length - this.pos} bytes`);
    return count;
  }

  pairs(): Label[] | undefined {
    const count = this.count(2);
    if (count === 0) return undefined;
    const pairs: Label[] = new Array<Label>(count);
    for (let i = 0; i < count; i++) {
      const name = this.string();
      pairs[i] = { name, value: this.string() };
    }
    return pairs;
  }

  get done(): boolean {
    return this.pos === this.buf.length;
  }
}

export function decodePush(payload: Uint8Array): IngesterPushRequest {
  const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (!isEncodedPush(buf)) throw new PushPayloadError('payload is not an encoded push');
  if (buf[1] !== VERSION) throw new PushPayloadError(`encoded push of unknown version ${buf[1]}`);
  const reader = new Reader(buf);
  reader.pos = 2;
  const tenant = reader.string();
  const streamCount = reader.count(3);
  const streams: StreamPush[] = new Array<StreamPush>(streamCount);
  for (let s = 0; s < streamCount; s++) {
    const labelString = reader.string();
    const labels = reader.pairs() ?? [];
    const entryCount = reader.count(10);
    const entries: Entry[] = new Array<Entry>(entryCount);
    for (let i = 0; i < entryCount; i++) {
      const ts = reader.ts();
      const line = reader.string();
      const metadata = reader.pairs();
      entries[i] = metadata === undefined ? { ts, line } : { ts, line, metadata };
    }
    streams[s] = { labelString, labels, entries };
  }
  if (!reader.done) throw new PushPayloadError('encoded push has bytes after its last stream');
  return { tenant, streams };
}
