import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Entry } from '../../core/model.js';
import { BlockCompressionError, type BlockCompressor } from './block-compressor.js';
import { compressBlock } from './block-sections.js';
import type { ChunkFormat } from './chunk-format.js';
import { CompressPool, CompressWorkerError } from './compress-pool.js';
import { codecFor, type Encoding } from './encoding.js';
import { MemChunk, type MemChunkOptions } from './mem-chunk.js';

const T0 = 1_700_000_000_000_000_000n;
const ALL = { from: -(2n ** 63n), through: 2n ** 63n - 1n, direction: 'forward' as const };

function entries(count: number): Entry[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: T0 + BigInt(i) * 1_000n,
    line: `level=info msg="request served" path=/api/v1/items/${i % 97} status=${200 + (i % 3)} took=${i % 13}ms`,
    ...(i % 5 === 0 ? { metadata: [{ name: 'trace_id', value: `t${i}` }] } : {}),
  }));
}

function build(lines: readonly Entry[], encoding: Encoding, options: MemChunkOptions = {}): MemChunk {
  const chunk = new MemChunk({ blockSizeBytes: 4096, targetSizeBytes: 1 << 24, encoding }, options);
  for (const entry of lines) chunk.append(entry);
  return chunk;
}

/** A compressor that fails its first `failures` calls, then compresses as the codec does. */
function flaky(failures: number): BlockCompressor & { calls: number } {
  const compressor = {
    calls: 0,
    supports: () => true,
    compress(format: ChunkFormat, encoding: Encoding, raw: Buffer): Promise<Buffer> {
      compressor.calls++;
      if (compressor.calls <= failures) return Promise.reject(new Error('worker exited with code 1'));
      return Promise.resolve(compressBlock(format, codecFor(encoding), raw));
    },
  };
  return compressor;
}

const pool = new CompressPool({ threads: 2 });

describe('background block compression', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(() => pool.close());

  for (const encoding of ['gzip', 'brotli', 'snappy'] as const) {
    it(`compresses ${encoding} blocks on compression threads to the bytes the inline codec writes`, async () => {
      const lines = entries(600);
      const inline = build(lines, encoding);
      const background = build(lines, encoding, { compressor: pool });
      expect(inline.blockCount).toBeGreaterThan(3);
      expect(background.blockCount).toBe(inline.blockCount);
      expect(background.pendingBlocks).toBe(background.blockCount);
      await background.compressed();
      expect(background.pendingBlocks).toBe(0);
      expect(background.compressedBytes).toBe(inline.compressedBytes);
      expect(Buffer.from(background.encode()).equals(Buffer.from(inline.encode()))).toBe(true);
    });
  }

  it('reads blocks while they are still compressing', () => {
    const lines = entries(300);
    const chunk = build(lines, 'gzip', { compressor: pool });
    expect(chunk.pendingBlocks).toBeGreaterThan(0);
    const read = [...chunk.iterate(ALL)];
    expect(read.map((entry) => entry.line)).toEqual(lines.map((entry) => entry.line));
    expect(read[5]!.metadata).toEqual([{ name: 'trace_id', value: 't5' }]);
    const backward = [...chunk.iterate({ ...ALL, direction: 'backward', mustContain: [Buffer.from('items/3 ')] })];
    expect(backward.map((entry) => entry.ts)).toEqual(lines.filter((entry) => entry.line.includes('items/3 ')).map((entry) => entry.ts).reverse());
  });

  it('counts a pending block in the chunk size, never as less than its compressed size would be', async () => {
    const chunk = build(entries(300), 'gzip', { compressor: pool });
    const pendingEstimate = chunk.compressedBytes;
    await chunk.compressed();
    expect(pendingEstimate).toBeGreaterThan(0);
    expect(chunk.compressedBytes).toBeGreaterThan(0);
    expect(chunk.compressedBytes).toBeLessThan(chunk.uncompressedBytes);
  });

  it('keeps a block whose compression failed raw and readable, reports it, and retries it', async () => {
    vi.useFakeTimers();
    const compressor = flaky(2);
    const failures: BlockCompressionError[] = [];
    const lines = entries(60);
    const chunk = new MemChunk({ blockSizeBytes: 4096, targetSizeBytes: 1 << 24, encoding: 'gzip' }, { compressor, onCompressionError: (error) => failures.push(error) });
    for (const entry of lines) chunk.append(entry);
    expect(chunk.blockCount).toBe(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(BlockCompressionError);
    expect(failures[0]!.code).toBe('BLOCK_COMPRESSION');
    expect(failures[0]!.attempt).toBe(1);
    expect(failures[0]!.message).toContain('gzip compression of a cut block failed (attempt 1): worker exited with code 1');
    expect((failures[0]!.cause as Error).message).toBe('worker exited with code 1');
    expect(chunk.pendingBlocks).toBe(1);
    expect([...chunk.iterate(ALL)]).toHaveLength(lines.length);

    await vi.advanceTimersByTimeAsync(100);
    expect(failures).toHaveLength(2);
    expect(failures[1]!.attempt).toBe(2);
    expect(chunk.pendingBlocks).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(compressor.calls).toBe(3);
    expect(chunk.pendingBlocks).toBe(0);
    expect([...chunk.iterate(ALL)].map((entry) => entry.line)).toEqual(lines.map((entry) => entry.line));
    expect(Buffer.from(chunk.encode()).equals(Buffer.from(build(lines, 'gzip').encode()))).toBe(true);
  });

  it('encodes a chunk whose blocks never compressed in the background: encode compresses them inline', async () => {
    const compressor = flaky(Number.POSITIVE_INFINITY);
    const failures: BlockCompressionError[] = [];
    const lines = entries(300);
    const chunk = build(lines, 'gzip', { compressor, onCompressionError: (error) => failures.push(error) });
    await Promise.resolve();
    await Promise.resolve();
    expect(failures.length).toBeGreaterThan(0);
    const encoded = chunk.encode();
    expect(chunk.pendingBlocks).toBe(0);
    await chunk.compressed();
    expect(Buffer.from(encoded).equals(Buffer.from(build(lines, 'gzip').encode()))).toBe(true);
    const decoded = MemChunk.decode(encoded);
    expect([...decoded.iterate(ALL)].map((entry) => entry.line)).toEqual(lines.map((entry) => entry.line));
  });

  it('compresses blocks of no encoding inline even with a compressor', () => {
    const chunk = build(entries(300), 'none', { compressor: pool });
    expect(chunk.blockCount).toBeGreaterThan(0);
    expect(chunk.pendingBlocks).toBe(0);
  });
});

/** A compression thread that exits on a 13-byte block and gzips the rest as the codec does. */
const DIES_ON_13 = {
  eval: true,
  script: `const { parentPort } = require('node:worker_threads'); const zlib = require('node:zlib');
parentPort.on('message', ({ id, raw }) => {
  if (raw.length === 13) process.exit(3);
  const out = zlib.gzipSync(raw, { level: 5 }); const data = new Uint8Array(out); parentPort.postMessage({ id, data }, [data.buffer]);
});`,
};

describe('the compression pool', () => {
  it('fails the blocks of a thread that exits with a clear error, and starts a new thread for the next', async () => {
    const dying = new CompressPool({ threads: 1, entry: DIES_ON_13 });
    try {
      const raw = Buffer.from('level=info msg=hello '.repeat(500));
      await expect(dying.compress('norn-v1', 'gzip', Buffer.alloc(13))).rejects.toThrow(new CompressWorkerError('compression thread exited with code 3'));
      const data = await dying.compress('norn-v1', 'gzip', raw);
      expect(data.equals(codecFor('gzip').compress(raw))).toBe(true);
    } finally {
      await dying.close();
    }
  });

  it('keeps a chunk whose compression thread died whole: raw and readable, reported, then compressed', async () => {
    const dying = new CompressPool({ threads: 1, entry: DIES_ON_13 });
    const failures: BlockCompressionError[] = [];
    try {
      // A 13-byte block: one entry whose serialized column block is 13 bytes long.
      const chunk = new MemChunk({ blockSizeBytes: 1, targetSizeBytes: 1 << 20, encoding: 'gzip' }, { compressor: dying, onCompressionError: (error) => failures.push(error) });
      chunk.append({ ts: 1n, line: 'eightbyt' });
      expect(chunk.blockCount).toBe(1);
      expect(chunk.blocks[0]!.uncompressedLength).toBe(13);
      await vi.waitFor(() => expect(failures).toHaveLength(1));
      expect(failures[0]!.message).toContain('gzip compression of a cut block failed (attempt 1): compression thread exited with code 3');
      expect(chunk.pendingBlocks).toBe(1);
      expect([...chunk.iterate(ALL)]).toEqual([{ ts: 1n, line: 'eightbyt' }]);
      const encoded = chunk.encode();
      expect(chunk.pendingBlocks).toBe(0);
      expect([...MemChunk.decode(encoded).iterate(ALL)]).toEqual([{ ts: 1n, line: 'eightbyt' }]);
    } finally {
      await dying.close();
    }
  });

  it('fails a block the thread cannot compress with the thread\'s reason', async () => {
    await expect(pool.compress('norn-v1', 'bogus' as Encoding, Buffer.from('x'))).rejects.toThrow('compression thread failed on a block: unknown chunk encoding: bogus');
    const raw = Buffer.from('still works '.repeat(100));
    expect((await pool.compress('norn-v1', 'gzip', raw)).equals(codecFor('gzip').compress(raw))).toBe(true);
    await expect(pool.compress('norn-v9' as ChunkFormat, 'gzip', raw)).rejects.toThrow('compression thread failed on a block: unknown chunk format: norn-v9');
  });
});
