// The storage layer: object stores, the chunk format, keys, the stream index and the chunk store.

export { ObjectNotFoundError, StorageError } from './object-store.js';
export { FsStore } from './fs-store.js';
export { MemoryStore } from './memory-store.js';
export { S3Store, parseS3Endpoint } from './s3-store.js';
export { ChunkStore } from './chunk-store.js';
export { LruCache } from './lru.js';
export {
  InvalidTenantIdError,
  MAX_TENANT_ID_LENGTH,
  chunkKey,
  compareKeys,
  dayName,
  dayOf,
  dayStart,
  daysBetween,
  formatTimestamp,
  INDEX_TENANTS_PREFIX,
  indexChunkRefKey,
  indexCompactedKey,
  indexDayMarkerKey,
  indexDayMarkersPrefix,
  indexDayPrefix,
  indexStreamKey,
  indexTenantMarkerKey,
  objectKeyProblem,
  parseChunkKey,
  parseDayName,
  parseIndexDayMarkerKey,
  parseIndexKey,
  parseIndexTenantMarkerKey,
  parseTimestamp,
  sortByKey,
  tenantIdProblem,
  validateListPrefix,
  validateObjectKey,
  validateTenantId,
} from './keys.js';
export {
  CHUNK_FORMATS,
  CURRENT_CHUNK_FORMAT,
  DEFAULT_CHUNK_CONFIG,
  DecodedChunk,
  ENCODINGS,
  MemChunk,
  crc32c,
  crc32cHex,
  decodeChunk,
  isEncoding,
  newScanStats,
} from './chunk/mod.js';
export { IndexCompactor, IndexReader, IndexWriter, StreamIndex, overlaps } from './index/mod.js';

export type { ObjectInfo, ObjectStore, StorageErrorCode } from './object-store.js';
export type { FsStoreOptions } from './fs-store.js';
export type { S3Endpoint, S3StoreOptions } from './s3-store.js';
export type { ChunkMeta, ChunkStoreOptions } from './chunk-store.js';
export type { ChunkKeyParts, IndexEntryKey } from './keys.js';
export type {
  BlockMeta,
  ChunkConfig,
  ChunkReader,
  Direction,
  Encoding,
  IterateOptions,
  ScanStats,
} from './chunk/mod.js';
export type { ChunkRef, CorruptObject, IndexedStream, StreamIndexOptions } from './index/mod.js';
export type { CompactedDay, CompactedStream, CompactionResult, DayIndex, IndexCompactorOptions, RemovalResult } from './index/mod.js';
