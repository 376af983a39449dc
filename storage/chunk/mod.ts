export { MemChunk, DEFAULT_CHUNK_CONFIG } from './mem-chunk.js';
export { DecodedChunk, decodeChunk } from './decoded-chunk.js';
export { CHUNK_MAGIC, CHUNK_FORMAT_VERSION, MAX_BLOCK_UNCOMPRESSED } from './chunk-format.js';
export { ENCODINGS, GZIP_LEVEL, codecFor, encodingByte, encodingFromByte, isEncoding } from './encoding.js';
export { crc32c, crc32cHex } from './crc32c.js';
export { newScanStats } from './scan.js';
export type { ChunkConfig } from './mem-chunk.js';
export type { BlockCodec, Encoding } from './encoding.js';
export type { BlockMeta, ChunkReader, Direction, IterateOptions, ScanStats } from './scan.js';
