import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FsStore } from './fs-store.js';
import { storageErrorOf } from './testing/storage-error.js';

const roots: string[] = [];
function tempRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'norn-fs-'));
  roots.push(root);
  return root;
}
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('FsStore', () => {
  it('keeps every key under its root, whatever the key says', async () => {
    const outer = tempRoot();
    const root = path.join(outer, 'store');
    const store = new FsStore(root, { fsync: false });
    const escapes = ['../outside', 'a/../../outside', '/etc/passwd', '..', 'a/..', './a', 'a\\..\\..\\x', 'C:/x', 'a//b', 'a/'];
    for (const key of escapes) {
      const error = await storageErrorOf(store.put(key, Buffer.from('x')));
      expect(error.code, key).toBe('INVALID_KEY');
      expect(error.message, key).toContain(JSON.stringify(key));
    }
    expect(readdirSync(outer)).toEqual([]);
  });

  it('writes one file per key, atomically through a temp file that listing ignores', async () => {
    const root = tempRoot();
    const store = new FsStore(root);
    await store.put('t/fp/chunk', Buffer.from('payload'));
    expect(readdirSync(path.join(root, 't', 'fp'))).toEqual(['chunk']);
    // A temp file left by a crash mid-put is not an object.
    writeFileSync(path.join(root, 't', 'fp', '.chunk2.0123456789abcdef.tmp'), 'partial');
    expect(await store.list('t/')).toEqual([{ key: 't/fp/chunk', size: 7 }]);
    expect((await storageErrorOf(store.get('t/fp/.chunk2.0123456789abcdef.tmp'))).code).toBe('INVALID_KEY');
  });

  it('persists across instances on the same root', async () => {
    const root = tempRoot();
    await new FsStore(root).put('a/b', Buffer.from('kept'));
    const reopened = new FsStore(path.join(root, '.', ''));
    expect(Buffer.from(await reopened.get('a/b')).toString()).toBe('kept');
    expect(reopened.description).toBe(`fs:${root}`);
  });

  it('reports a key that is a directory as absent and a file/directory clash as an invalid key', async () => {
    const store = new FsStore(tempRoot(), { fsync: false });
    await store.put('a/b/c', Buffer.from('x'));
    expect((await storageErrorOf(store.get('a/b'))).code).toBe('OBJECT_NOT_FOUND');
    expect((await storageErrorOf(store.getRange('a/b', 0, 1))).code).toBe('OBJECT_NOT_FOUND');
    expect((await storageErrorOf(store.put('a/b', Buffer.from('y')))).code).toBe('INVALID_KEY');
    expect((await storageErrorOf(store.put('a/b/c/d', Buffer.from('y')))).code).toBe('INVALID_KEY');
    expect(Buffer.from(await store.get('a/b/c')).toString()).toBe('x');
  });

  it('lists nothing, without error, when the root does not exist yet', async () => {
    const store = new FsStore(path.join(tempRoot(), 'not', 'yet'));
    expect(await store.list('')).toEqual([]);
    expect(await store.list('t/index/')).toEqual([]);
  });
});
