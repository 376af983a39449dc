// The filesystem object store, the embedded default: one file per key under a root directory.
// A put writes a temporary file beside its target and renames it over, so a reader sees the old
// object or the new one, never a torn one, and a crash leaves at most an ignored temp file.

import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { sortByKey, validateListPrefix, validateObjectKey } from './keys.js';
import { ObjectNotFoundError, StorageError, type ObjectInfo, type ObjectStore } from './object-store.js';
import { checkRange } from './range.js';

/** Temp files are named `.<name>.<16 hex>.tmp`; keys with such a segment are refused. */
const TEMP_FILE = /^\..*\.[0-9a-f]{16}\.tmp$/;

export interface FsStoreOptions {
  /** fsync each object (and its directory) before a put resolves. Default true. */
  readonly fsync?: boolean;
}

export class FsStore implements ObjectStore {
  readonly root: string;
  readonly description: string;
  private readonly fsync: boolean;

  constructor(root: string, options: FsStoreOptions = {}) {
    this.root = path.resolve(root);
    this.description = `fs:${this.root}`;
    this.fsync = options.fsync ?? true;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.pathOf(key);
    const dir = path.dirname(file);
    const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      await mkdir(dir, { recursive: true });
      if (this.fsync) {
        const handle = await open(temp, 'w');
        try {
          await handle.writeFile(data);
          await handle.sync();
        } finally {
          await handle.close();
        }
      } else {
        await writeFile(temp, data);
      }
      await rename(temp, file);
      if (this.fsync) await syncDirectory(dir);
    } catch (cause) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw this.failure('put', key, cause);
    }
  }

  async get(key: string): Promise<Uint8Array> {
    const file = this.pathOf(key);
    try {
      return await readFile(file);
    } catch (cause) {
      throw this.failure('get', key, cause);
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    const file = this.pathOf(key);
    checkRange(offset, length);
    try {
      const handle = await open(file, 'r');
      try {
        const info = await handle.stat();
        if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
        const size = info.size;
        const start = Math.min(offset, size);
        const buf = Buffer.alloc(Math.min(length, size - start));
        let read = 0;
        while (read < buf.length) {
          const { bytesRead } = await handle.read(buf, read, buf.length - read, start + read);
          if (bytesRead === 0) break;
          read += bytesRead;
        }
        return buf.subarray(0, read);
      } finally {
        await handle.close();
      }
    } catch (cause) {
      throw this.failure('getRange', key, cause);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    validateListPrefix(prefix);
    // Walk only the deepest directory the prefix names in full.
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? '' : prefix.slice(0, slash);
    const out: ObjectInfo[] = [];
    try {
      await this.walk(base, prefix, out);
    } catch (cause) {
      throw this.failure('list', prefix, cause);
    }
    return sortByKey(out);
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await unlink(file);
    } catch (cause) {
      const code = errnoCode(cause);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw this.failure('delete', key, cause);
    }
  }

  private async walk(dirKey: string, prefix: string, out: ObjectInfo[]): Promise<void> {
    const dir = dirKey === '' ? this.root : path.join(this.root, ...dirKey.split('/'));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (cause) {
      const code = errnoCode(cause);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw cause;
    }
    for (const entry of entries) {
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) {
        // Descend only where keys can still match the prefix.
        if (prefix.startsWith(key + '/') || (key + '/').startsWith(prefix)) await this.walk(key, prefix, out);
      } else if (entry.isFile() && !TEMP_FILE.test(entry.name) && key.startsWith(prefix)) {
        try {
          out.push({ key, size: (await stat(path.join(dir, entry.name))).size });
        } catch (cause) {
          if (errnoCode(cause) !== 'ENOENT') throw cause; // deleted while listing
        }
      }
    }
  }

  /** Validates the key and maps it under the root; a resolved path outside the root is refused. */
  private pathOf(key: string): string {
    validateObjectKey(key);
    const segments = key.split('/');
    if (segments.some((segment) => TEMP_FILE.test(segment))) {
      throw new StorageError('INVALID_KEY', `invalid object key ${JSON.stringify(key)}: reserved temp-file name`);
    }
    const file = path.resolve(this.root, ...segments);
    if (!file.startsWith(this.root + path.sep)) {
      throw new StorageError('INVALID_KEY', `invalid object key ${JSON.stringify(key)}: escapes the store root`);
    }
    return file;
  }

  private failure(op: string, key: string, cause: unknown): StorageError {
    if (cause instanceof StorageError) return cause;
    const code = errnoCode(cause);
    if (op !== 'put' && (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR')) {
      return new ObjectNotFoundError(key, { cause });
    }
    if (op === 'put' && (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST')) {
      return new StorageError('INVALID_KEY', `${op} ${key}: a file and a directory would share the path`, { cause });
    }
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new StorageError('STORAGE_UNAVAILABLE', `${this.description}: ${op} ${key}: ${reason}`, { cause });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}
