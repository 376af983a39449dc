import { createRequire } from 'node:module';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodePushRequest, encodePushRequest, pushRequestProtoType, snappyCompress, snappyUncompress } from './push-proto.js';

const require = createRequire(import.meta.url);

function optionalNativeSnappy(): { compressSync(input: Buffer): Buffer } | undefined {
  try {
    return require('snappy') as { compressSync(input: Buffer): Buffer };
  } catch {
    return undefined;
  }
}
const nativeSnappy = optionalNativeSnappy();

describe('decodePushRequest', () => {
  it('decodes what protobufjs reflection encodes from the schema, hash and all', () => {
    const type = pushRequestProtoType();
    const message = type.fromObject({
      streams: [
        {
          labels: '{job="varlogs"}',
          hash: '12345678901234',
          entries: [
            { timestamp: { seconds: '1700000000', nanos: 123456789 }, line: 'hello', structuredMetadata: [{ name: 'b', value: '2' }, { name: 'a', value: '1' }] },
            { timestamp: { seconds: '-1', nanos: 999999999 }, line: 'before the epoch' },
            { line: 'no timestamp' },
          ],
        },
      ],
    });
    const bytes = type.encode(message).finish();
    expect(decodePushRequest(bytes)).toEqual([
      {
        labels: '{job="varlogs"}',
        entries: [
          { ts: 1700000000123456789n, line: 'hello', metadata: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }] },
          { ts: -1n, line: 'before the epoch' },
          { ts: 0n, line: 'no timestamp' },
        ],
      },
    ]);
  });

  it('round-trips its own encoder, nanoseconds exact at the far end of int64 seconds', () => {
    const streams = [
      { labels: '{a="1"}', entries: [{ ts: 9_000_000_000_000_000_001n, line: 'far' }, { ts: -1_500_000_000n, line: 'negative' }] },
    ];
    expect(decodePushRequest(encodePushRequest(streams))).toEqual(streams);
  });

  it("decodes winston-loki's own generated encoder output", () => {
    const { logproto } = require('winston-loki/src/proto') as {
      logproto: { PushRequest: { create(value: unknown): unknown; encode(message: unknown): { finish(): Uint8Array } } };
    };
    const batch = {
      streams: [
        {
          labels: '{level="info",job="winston"}',
          entries: [
            { timestamp: { seconds: Math.floor(1700000000123 / 1000), nanos: (1700000000123 % 1000) * 1000000 }, line: 'from winston' },
          ],
        },
      ],
    };
    const bytes = logproto.PushRequest.encode(logproto.PushRequest.create(batch)).finish();
    const decoded = decodePushRequest(snappyUncompress(snappyCompress(bytes), 1 << 20));
    expect(decoded).toEqual([{ labels: '{level="info",job="winston"}', entries: [{ ts: 1700000000123000000n, line: 'from winston' }] }]);
  });

  it('skips unknown fields', () => {
    const writer = protobuf.Writer.create();
    writer.uint32((9 << 3) | 0).uint32(77); // unknown varint at the top level
    writer.uint32(10).fork();
    writer.uint32(10).string('{x="y"}');
    writer.uint32((15 << 3) | 2).string('ignored');
    writer.ldelim();
    expect(decodePushRequest(writer.finish())).toEqual([{ labels: '{x="y"}', entries: [] }]);
  });

  it('throws on truncated or malformed bytes, never hangs', () => {
    const good = encodePushRequest([{ labels: '{a="b"}', entries: [{ ts: 5n, line: 'line', metadata: [{ name: 'k', value: 'v' }] }] }]);
    for (let cut = 1; cut < good.length; cut++) {
      const truncated = good.subarray(0, cut);
      let outcome: string;
      try {
        decodePushRequest(truncated);
        outcome = 'decoded';
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        outcome = 'error';
      }
      expect(outcome).toBe('error');
    }
    expect(() => decodePushRequest(Uint8Array.from([0x0f]))).toThrow(Error);
  });

  it('decodes random mutations of a valid body into well-formed streams or refuses them with an Error', () => {
    const good = encodePushRequest([
      { labels: '{a="b"}', entries: [{ ts: 1700000000000000000n, line: 'x'.repeat(40), metadata: [{ name: 'k', value: 'v' }] }] },
    ]);
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    let refused = 0;
    let decoded = 0;
    for (let round = 0; round < 500; round++) {
      const mutated = Uint8Array.from(good);
      for (let k = 0; k < 3; k++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
      let streams: ReturnType<typeof decodePushRequest>;
      try {
        streams = decodePushRequest(mutated);
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message.length).toBeGreaterThan(0);
        refused++;
        continue;
      }
      decoded++;
      // What decodes is well-formed, and survives a second round trip unchanged.
      for (const stream of streams) {
        expect(typeof stream.labels).toBe('string');
        for (const entry of stream.entries) {
          expect(typeof entry.ts).toBe('bigint');
          expect(typeof entry.line).toBe('string');
          for (const pair of entry.metadata ?? []) expect([typeof pair.name, typeof pair.value]).toEqual(['string', 'string']);
        }
      }
      const again = decodePushRequest(encodePushRequest(streams.map((stream) => ({ labels: stream.labels as string, entries: stream.entries }))));
      expect(again).toEqual(streams);
    }
    // Both paths ran: the mutations were neither all harmless nor all fatal.
    expect(refused).toBeGreaterThan(0);
    expect(decoded).toBeGreaterThan(0);
    expect(refused + decoded).toBe(500);
  });
});

describe('snappy block codec', () => {
  it('round-trips and refuses corrupt or oversized blocks', () => {
    const data = Buffer.from('abcabcabcabc'.repeat(100));
    expect(Buffer.from(snappyUncompress(snappyCompress(data), 1 << 20)).equals(data)).toBe(true);
    expect(() => snappyUncompress(snappyCompress(data), 100)).toThrow(/too large/);
    expect(() => snappyUncompress(Uint8Array.from([5, 3, 1]), 1000)).toThrow('snappy: corrupt input');
    expect(() => snappyUncompress(Uint8Array.from([0x80, 0x80]), 1000)).toThrow('snappy: corrupt input');
  });

  // `snappy` is winston-loki's optional native dependency: absent on some platforms.
  it.skipIf(nativeSnappy === undefined)("reads the native snappy package's blocks, which winston-loki sends", () => {
    const native = nativeSnappy!;
    const data = Buffer.from('winston '.repeat(500));
    expect(Buffer.from(snappyUncompress(native.compressSync(data), 1 << 20)).equals(data)).toBe(true);
  });
});
