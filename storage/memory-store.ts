// An object store in a Map, for unit tests and single-process experiments. It copies bytes in
// and out so callers cannot mutate stored objects, and applies the same key rules as the others.

import { validateListPrefix, validateObjectKey, sortByKey } from './keys.js';
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore } from './object-store.js';
import { checkRange, sliceRange } from './range.js';

export class MemoryStore implements ObjectStore {
  readonly description = 'memory';
  private readonly objects = new Map<string, Uint8Array>();

  async put(key: string, data: Uint8Array): Promise<void> {
    validateObjectKey(key);
    this.objects.set(key, Uint8Array.prototype.slice.call(data));
  }

  async get(key: string): Promise<Uint8Array> {
    validateObjectKey(key);
    const data = this.objects.get(key);
    if (data === undefined) throw new ObjectNotFoundError(key);
    return Buffer.from(data);
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    validateObjectKey(key);
    checkRange(offset, length);
    const data = this.objects.get(key);
    if (data === undefined) throw new ObjectNotFoundError(key);
    return Buffer.from(sliceRange(data, offset, length));
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    validateListPrefix(prefix);
    const out: ObjectInfo[] = [];
    for (const [key, data] of this.objects) if (key.startsWith(prefix)) out.push({ key, size: data.length });
    return sortByKey(out);
  }

  async delete(key: string): Promise<void> {
    validateObjectKey(key);
    this.objects.delete(key);
  }

  /** Number of objects held (tests). */
  get size(): number {
    return this.objects.size;
  }
}
