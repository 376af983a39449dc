// Object storage: where flushed chunks and the index live. Three backends implement it:
// filesystem (the embedded default), S3 through the MinIO client, and memory (unit tests).
// Keys are `/`-separated paths built only by `storage/keys.ts`.

import { NornError } from '../core/errors.js';

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
}

export interface ObjectStore {
  /** Write (or overwrite) an object whole. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** Read an object whole; ObjectNotFoundError when absent. */
  get(key: string): Promise<Uint8Array>;
  /** Read `length` bytes from `offset`; ObjectNotFoundError when absent. */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Remove an object; absent objects are not an error. */
  delete(key: string): Promise<void>;
  /** Human-readable name for logs, e.g. `fs:/var/lib/norn` or `s3:bucket`. */
  readonly description: string;
}

export type StorageErrorCode = 'OBJECT_NOT_FOUND' | 'INVALID_KEY' | 'STORAGE_UNAVAILABLE' | 'CORRUPT_CHUNK' | 'CORRUPT_INDEX' | 'BLOCK_COMPRESSION';

/** A storage failure; its code's meaning is written beside it in core/errors.ts. */
export class StorageError extends NornError {
  declare readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export class ObjectNotFoundError extends StorageError {
  constructor(key: string, options?: { cause?: unknown }) {
    super('OBJECT_NOT_FOUND', `object not found: ${key}`, options);
  }
}
