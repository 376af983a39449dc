import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../bus/codec.js';
import type { IngesterPushRequest, StreamPush } from './protocol.js';
import { decodePush, encodePush, encodeStreamPart, isEncodedPush, joinEncodedPush, PushPayloadError } from './protocol-codec.js';
import { decodeRequestPayload, encodeRequestRecord, RECORD_HEADER_BYTES } from './wal/record-format.js';

const streamA: StreamPush = {
  labelString: '{app="api", env="prod"}',
  labels: [
    { name: 'app', value: 'api' },
    { name: 'env', value: 'prod' },
  ],
  entries: [
    { ts: 1_700_000_000_000_000_001n, line: 'plain ascii line', metadata: [{ name: 'detected_level', value: 'info' }] },
    { ts: -5n, line: 'négatif — ünïcödé 日本語 😀' },
    { ts: 2n ** 63n - 1n, line: '' },
    { ts: -(2n ** 63n), line: 'x'.repeat(70_000), metadata: [{ name: 'trace_id', value: 'é'.repeat(50) }, { name: 'k', value: '' }] },
  ],
};
const streamB: StreamPush = { labelString: '{app="db"}', labels: [{ name: 'app', value: 'db' }], entries: [{ ts: 7n, line: 'b' }] };

describe('the binary push form', () => {
  it('round-trips a push: tenants, labels, UTF-8 lines of every size, extreme timestamps, metadata', () => {
    const request: IngesterPushRequest = { tenant: 'tenant-é', streams: [streamA, streamB] };
    const encoded = encodePush(request);
    expect(isEncodedPush(encoded)).toBe(true);
    expect(decodePush(encoded)).toEqual(request);
  });

  it('joins stream parts encoded once into the same bytes as encoding the whole push', () => {
    const whole = encodePush({ tenant: 't', streams: [streamB, streamA] });
    const joined = joinEncodedPush('t', [encodeStreamPart(streamB), encodeStreamPart(streamA)]);
    expect(joined.equals(whole)).toBe(true);
    expect(decodePush(joinEncodedPush('t', [])).streams).toEqual([]);
  });

  it('survives the bus codec as a byte string', () => {
    const encoded = encodePush({ tenant: 't', streams: [streamA] });
    const message = decode<{ tenant: string; encoded: Uint8Array }>(encode({ tenant: 't', encoded }));
    expect(decodePush(message.encoded).streams).toEqual([streamA]);
  });

  it('refuses truncated, padded or foreign payloads with a coded error', () => {
    const encoded = encodePush({ tenant: 't', streams: [streamA, streamB] });
    for (const cut of [3, 20, encoded.length - 1]) {
      expect(() => decodePush(encoded.subarray(0, cut))).toThrow(PushPayloadError);
    }
    expect(() => decodePush(Buffer.concat([encoded, Buffer.from([0])]))).toThrow('bytes after its last stream');
    expect(() => decodePush(encode({ tenant: 't', streams: [] }))).toThrow('not an encoded push');
    const otherVersion = Buffer.from(encoded);
    otherVersion[1] = 9;
    expect(() => decodePush(otherVersion)).toThrow('unknown version 9');
    try {
      decodePush(encoded.subarray(0, 20));
    } catch (error) {
      expect((error as PushPayloadError).code).toBe('BUS_PAYLOAD');
    }
  });

  it('is what WAL records hold, and WAL records in the older MessagePack form still read', () => {
    const request: IngesterPushRequest = { tenant: 't', streams: [streamA] };
    const record = encodeRequestRecord(request);
    const payload = record.subarray(RECORD_HEADER_BYTES);
    expect(record.readUInt32BE(0)).toBe(payload.length);
    expect(payload.equals(encodePush(request))).toBe(true);
    expect(decodeRequestPayload(payload)).toEqual(request);
    expect(decodeRequestPayload(encode(request))).toEqual(request);
  });
});
