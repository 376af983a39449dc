// The behaviour every ObjectStore must show, as a vitest suite parameterized by a factory.
// object-stores.test.ts runs it against the memory, filesystem and S3 (real s3rver) stores.

import { describe, expect, it } from 'vitest';
import { ObjectNotFoundError, StorageError, type ObjectStore } from '../object-store.js';

export interface ContractFixture {
  /** A fresh, empty store. */
  create(): Promise<ObjectStore>;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

async function expectCode(promise: Promise<unknown>, code: string): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe(code);
  return error as StorageError;
}

export function objectStoreContract(name: string, fixture: ContractFixture): void {
  describe(`ObjectStore contract: ${name}`, () => {
    it('puts and gets an object whole', async () => {
      const store = await fixture.create();
      await store.put('t/a/b', bytes('hello'));
      expect(text(await store.get('t/a/b'))).toBe('hello');
    });

    it('overwrites an object', async () => {
      const store = await fixture.create();
      await store.put('t/k', bytes('one'));
      await store.put('t/k', bytes('second value'));
      expect(text(await store.get('t/k'))).toBe('second value');
      expect(await store.list('t/')).toEqual([{ key: 't/k', size: 12 }]);
    });

    it('stores empty and binary objects exactly', async () => {
      const store = await fixture.create();
      const binary = new Uint8Array(70_000).map((_, i) => (i * 131 + 7) & 0xff);
      await store.put('t/empty', new Uint8Array(0));
      await store.put('t/binary', binary);
      expect((await store.get('t/empty')).length).toBe(0);
      expect(Buffer.from(await store.get('t/binary')).equals(Buffer.from(binary))).toBe(true);
    });

    it('stores a view of a larger buffer without the bytes around it', async () => {
      const store = await fixture.create();
      const backing = bytes('xxxxPAYLOADyyyy');
      await store.put('t/view', backing.subarray(4, 11));
      expect(text(await store.get('t/view'))).toBe('PAYLOAD');
    });

    it('is not affected by later mutation of the put buffer', async () => {
      const store = await fixture.create();
      const data = bytes('abc');
      await store.put('t/m', data);
      data[0] = 0x7a;
      expect(text(await store.get('t/m'))).toBe('abc');
    });

    it('reads ranges, cut short at the end, empty past it', async () => {
      const store = await fixture.create();
      await store.put('t/r', bytes('0123456789'));
      expect(text(await store.getRange('t/r', 0, 4))).toBe('0123');
      expect(text(await store.getRange('t/r', 3, 4))).toBe('3456');
      expect(text(await store.getRange('t/r', 8, 10))).toBe('89');
      expect((await store.getRange('t/r', 10, 5)).length).toBe(0);
      expect((await store.getRange('t/r', 25, 5)).length).toBe(0);
      expect((await store.getRange('t/r', 2, 0)).length).toBe(0);
    });

    it('rejects invalid ranges', async () => {
      const store = await fixture.create();
      await store.put('t/r', bytes('0123456789'));
      await expect(store.getRange('t/r', -1, 2)).rejects.toBeInstanceOf(RangeError);
      await expect(store.getRange('t/r', 0, 1.5)).rejects.toBeInstanceOf(RangeError);
    });

    it('throws ObjectNotFoundError for absent objects', async () => {
      const store = await fixture.create();
      const error = await expectCode(store.get('t/missing'), 'OBJECT_NOT_FOUND');
      expect(error).toBeInstanceOf(ObjectNotFoundError);
      expect(error.message).toContain('t/missing');
      await expectCode(store.getRange('t/missing', 0, 4), 'OBJECT_NOT_FOUND');
      await expectCode(store.getRange('t/missing', 0, 0), 'OBJECT_NOT_FOUND');
    });

    it('treats a key prefix of other objects as absent', async () => {
      const store = await fixture.create();
      await store.put('t/dir/leaf', bytes('x'));
      await expectCode(store.get('t/dir'), 'OBJECT_NOT_FOUND');
    });

    it('lists by prefix in key order with sizes', async () => {
      const store = await fixture.create();
      for (const key of ['b/2', 'a/1/x', 'a/10', 'a/1/y', 'a/2', 'ab/3']) await store.put(key, bytes(key));
      expect(await store.list('a/')).toEqual([
        { key: 'a/1/x', size: 5 },
        { key: 'a/1/y', size: 5 },
        { key: 'a/10', size: 4 },
        { key: 'a/2', size: 3 },
      ]);
      expect((await store.list('a/1')).map((o) => o.key)).toEqual(['a/1/x', 'a/1/y', 'a/10']);
      expect((await store.list('a')).map((o) => o.key)).toEqual(['a/1/x', 'a/1/y', 'a/10', 'a/2', 'ab/3']);
      expect((await store.list('')).map((o) => o.key)).toEqual(['a/1/x', 'a/1/y', 'a/10', 'a/2', 'ab/3', 'b/2']);
      expect(await store.list('c/')).toEqual([]);
      expect(await store.list('a/1/x')).toEqual([{ key: 'a/1/x', size: 5 }]);
    });

    it('lists more objects than one S3 page holds', async () => {
      const store = await fixture.create();
      const keys = Array.from({ length: 1_050 }, (_, i) => `p/${String(i).padStart(5, '0')}`);
      for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, bytes('v'))));
      const listed = await store.list('p/');
      expect(listed.map((o) => o.key)).toEqual(keys);
    });

    it('deletes objects; deleting an absent object is not an error', async () => {
      const store = await fixture.create();
      await store.put('t/d', bytes('x'));
      await store.delete('t/d');
      await expectCode(store.get('t/d'), 'OBJECT_NOT_FOUND');
      await store.delete('t/d');
      await store.delete('t/never');
      expect(await store.list('t/')).toEqual([]);
    });

    it('handles keys with the characters tenant IDs and chunk keys use', async () => {
      const store = await fixture.create();
      const key = "Te_n.a-n!t*'()/0123456789abcdef/0000000000000001-0000000000000002-deadbeef";
      await store.put(key, bytes('chunk'));
      expect(text(await store.get(key))).toBe('chunk');
      expect((await store.list("Te_n.a-n!t*'()/")).map((o) => o.key)).toEqual([key]);
    });

    it('refuses keys that could escape their prefix', async () => {
      const store = await fixture.create();
      for (const key of ['', '/abs', 'a//b', 'a/', 'a/../b', '../x', 'a/./b', '.', '..', 'a\\b', 'a/b/..', 'nul\0']) {
        await expectCode(store.put(key, bytes('x')), 'INVALID_KEY');
        await expectCode(store.get(key), 'INVALID_KEY');
        await expectCode(store.delete(key), 'INVALID_KEY');
      }
      await expectCode(store.list('../'), 'INVALID_KEY');
      await expectCode(store.list('/'), 'INVALID_KEY');
      await expectCode(store.list('a/../'), 'INVALID_KEY');
    });

    it('serves concurrent puts and gets', async () => {
      const store = await fixture.create();
      const keys = Array.from({ length: 40 }, (_, i) => `c/${i}`);
      await Promise.all(keys.map((k) => store.put(k, bytes(k.repeat(100)))));
      const values = await Promise.all(keys.map((k) => store.get(k)));
      expect(values.map(text)).toEqual(keys.map((k) => k.repeat(100)));
    });

    it('has a description', async () => {
      const store = await fixture.create();
      expect(store.description.length).toBeGreaterThan(0);
    });
  });
}
