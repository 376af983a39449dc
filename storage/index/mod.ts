export { StreamIndex } from './stream-index.js';
export { IndexReader } from './index-reader.js';
export { IndexWriter } from './index-writer.js';
export { overlaps } from './types.js';
export type { ChunkRef, CorruptObject, IndexedStream, StreamIndexOptions } from './types.js';
export { IndexCompactor } from './index-compactor.js';
export type { CompactionResult, DayIndex, IndexCompactorOptions, RemovalResult } from './index-compactor.js';
export type { CompactedDay, CompactedStream } from './compacted-object.js';
