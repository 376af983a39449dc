// The block encodings behind a chunk's encoding byte. The byte values are Loki's chunkenc
// numbering (none 0, gzip 1, snappy 4), so a chunk dump reads the same way in both worlds;
// brotli, which Loki does not offer, takes 0x80, outside Loki's range.
//
// gzip runs on node:zlib's synchronous calls: test/bench/codec.ts measured it several times faster
// than fflate in both directions on 256 KiB blocks of real logs (figures in README.md). Ingesters
// make these same calls on compression threads (compress-pool.ts), so the bytes do not depend on
// where a block was compressed.

import { createRequire } from 'node:module';
import { brotliCompressSync, brotliDecompressSync, constants as zlib, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib';
import { StorageError } from '../object-store.js';

export type Encoding = 'none' | 'gzip' | 'snappy' | 'brotli';

export const ENCODINGS: readonly Encoding[] = ['none', 'gzip', 'snappy', 'brotli'];

const ENCODING_BYTES: Readonly<Record<Encoding, number>> = { none: 0, gzip: 1, snappy: 4, brotli: 0x80 };

/**
 * Quality 5 with a 256 KiB window (one block): on loghub chunks in Norn's column layout it stores
 * 17% fewer bytes than gzip -5 (9.1x against 7.6x, index included) and compresses about 0.6x as
 * fast; quality 4 compresses like gzip -5 but stores only 11% fewer (README.md).
 */
export const BROTLI_QUALITY = 5;
const BROTLI_WINDOW_BITS = 18;

/**
 * Level 5: on loghub blocks it keeps 98% of level 6's ratio (6.9x vs 7.05x) and compresses about
 * 1.5x faster; level 1 is faster still but loses 15% of the ratio (6.0x). See README.md.
 */
export const GZIP_LEVEL = 5;

export function encodingByte(encoding: Encoding): number {
  return ENCODING_BYTES[encoding];
}

export function encodingFromByte(byte: number): Encoding | undefined {
  for (const encoding of ENCODINGS) if (ENCODING_BYTES[encoding] === byte) return encoding;
  return undefined;
}

export function isEncoding(value: unknown): value is Encoding {
  return typeof value === 'string' && (ENCODINGS as readonly string[]).includes(value);
}

export interface BlockCodec {
  readonly encoding: Encoding;
  compress(raw: Uint8Array): Buffer;
  /** Inflates to exactly `uncompressedLength` bytes or throws CORRUPT_CHUNK. */
  decompress(data: Uint8Array, uncompressedLength: number): Buffer;
}

interface SnappyJs {
  compress(input: Buffer): Buffer;
  uncompress(input: Buffer, maxLength?: number): Buffer;
}

// snappyjs is CommonJS without type declarations; loading it through require keeps its shape
// declared here instead of in an ambient module declaration others would have to agree on.
const snappy = createRequire(import.meta.url)('snappyjs') as SnappyJs;

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function checkLength(encoding: Encoding, out: Buffer, expected: number): Buffer {
  if (out.length !== expected) {
    throw new StorageError(
      'CORRUPT_CHUNK',
      `corrupt chunk: ${encoding} block inflated to ${out.length} bytes, metas say ${expected}`,
    );
  }
  return out;
}

function inflateError(encoding: Encoding, cause: unknown): StorageError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new StorageError('CORRUPT_CHUNK', `corrupt chunk: cannot decompress ${encoding} block: ${reason}`, { cause });
}

/**
 * `maxOutputLength` bounds a forged block's inflation instead of trusting it. `chunkSize` one
 * byte above the expected length lets node:zlib inflate into a single buffer: with its default
 * 16 KiB steps it inflates a 256 KiB block into 16 buffers and then copies them into one (5% of
 * a scan worker's time in bench:query), and with exactly the length it allocates a spare buffer
 * of that size once the first is full.
 */
function inflateOptions(uncompressedLength: number): { maxOutputLength: number; chunkSize: number } {
  return { maxOutputLength: Math.max(1, uncompressedLength), chunkSize: Math.max(64, uncompressedLength + 1) };
}

const GZIP_HEADER = 10;
const GZIP_TRAILER = 8;

/**
 * A gzip member with the plain 10-byte header zlib writes (no name, comment or extra field) is
 * inflated raw, skipping gzip's CRC-32 of the output: the block's CRC32C already vouches for the
 * compressed bytes, and inflating verified bytes is deterministic. The trailer's length is still
 * checked. Anything else goes through gunzip.
 */
function isPlainGzip(data: Uint8Array): boolean {
  return data.length >= GZIP_HEADER + GZIP_TRAILER && data[0] === 0x1f && data[1] === 0x8b && data[2] === 8 && data[3] === 0;
}

const gzipCodec: BlockCodec = {
  encoding: 'gzip',
  compress: (raw) => gzipSync(raw, { level: GZIP_LEVEL }),
  decompress(data, uncompressedLength) {
    let out: Buffer;
    try {
      const options = inflateOptions(uncompressedLength);
      if (isPlainGzip(data)) {
        const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        out = inflateRawSync(view.subarray(GZIP_HEADER, view.length - GZIP_TRAILER), options);
        const trailerSize = view.readUInt32LE(view.length - 4);
        if (trailerSize !== out.length % 2 ** 32) {
          throw new Error(`gzip trailer says ${trailerSize} bytes, inflated ${out.length}`);
        }
      } else {
        out = gunzipSync(data, options);
      }
    } catch (cause) {
      throw inflateError('gzip', cause);
    }
    return checkLength('gzip', out, uncompressedLength);
  },
};

const snappyCodec: BlockCodec = {
  encoding: 'snappy',
  compress: (raw) => snappy.compress(asBuffer(raw)),
  decompress(data, uncompressedLength) {
    let out: Buffer;
    try {
      out = snappy.uncompress(asBuffer(data), uncompressedLength);
    } catch (cause) {
      throw inflateError('snappy', cause);
    }
    return checkLength('snappy', out, uncompressedLength);
  },
};

const brotliCodec: BlockCodec = {
  encoding: 'brotli',
  compress: (raw) =>
    brotliCompressSync(raw, {
      params: {
        [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
        [zlib.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
        [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    }),
  decompress(data, uncompressedLength) {
    let out: Buffer;
    try {
      out = brotliDecompressSync(data, inflateOptions(uncompressedLength));
    } catch (cause) {
      throw inflateError('brotli', cause);
    }
    return checkLength('brotli', out, uncompressedLength);
  },
};

const noneCodec: BlockCodec = {
  encoding: 'none',
  compress: (raw) => Buffer.from(raw),
  decompress(data, uncompressedLength) {
    return checkLength('none', asBuffer(data), uncompressedLength);
  },
};

const CODECS: Readonly<Record<Encoding, BlockCodec>> = { none: noneCodec, gzip: gzipCodec, snappy: snappyCodec, brotli: brotliCodec };

export function codecFor(encoding: Encoding): BlockCodec {
  return CODECS[encoding];
}
