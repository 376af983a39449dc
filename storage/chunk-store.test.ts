import { describe, expect, it } from 'vitest';
import { ChunkStore } from './chunk-store.js';
import { MemChunk } from './chunk/mem-chunk.js';
import { MemoryStore } from './memory-store.js';
import { labelsFromRecord, type Entry } from '../core/model.js';

const T0 = 1_700_000_000_000_000_000n;
const labels = labelsFromRecord({ app: 'api' });

function chunkOf(lines: string[], start = T0): MemChunk {
  const chunk = new MemChunk();
  lines.forEach((line, i) => chunk.append({ ts: start + BigInt(i), line }));
  return chunk;
}

class CountingStore extends MemoryStore {
  gets = 0;
  override async get(key: string) {
    this.gets++;
    return super.get(key);
  }
}

describe('ChunkStore', () => {
  it('stores a chunk under its content key, indexes it, and reads it back', async () => {
    const objects = new MemoryStore();
    const store = new ChunkStore(objects);
    const chunk = chunkOf(['one', 'two', 'three']);
    const ref = await store.putChunk('acme', labels, chunk.encode(), { from: chunk.minTs, through: chunk.maxTs });
    expect(ref.key).toMatch(/^acme\/[0-9a-f]{16}\/17979cfe362a0000-17979cfe362a0002-[0-9a-f]{8}$/);
    expect(ref.from).toBe(T0);
    expect(ref.through).toBe(T0 + 2n);

    // A restarted process finds it through the index alone.
    const restarted = new ChunkStore(objects);
    const streams = await restarted.index.streams('acme', T0, T0 + 10n);
    expect(streams.map((s) => s.chunks)).toEqual([[ref]]);
    const decoded = await restarted.getChunk(streams[0]!.chunks[0]!);
    const lines = [...decoded.iterate({ from: T0, through: T0 + 10n, direction: 'forward' })].map((e: Entry) => e.line);
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('writes the same key for the same content (replicas), another for different content', async () => {
    const objects = new MemoryStore();
    const store = new ChunkStore(objects);
    const a = await store.putChunk('t', labels, chunkOf(['x', 'y']).encode());
    const b = await new ChunkStore(objects).putChunk('t', labels, chunkOf(['x', 'y']).encode());
    const c = await store.putChunk('t', labels, chunkOf(['x', 'z']).encode());
    expect(b).toEqual(a);
    expect(c.key).not.toBe(a.key);
    expect((await objects.list('t/')).filter((o) => !o.key.startsWith('t/index/')).length).toBe(2);
  });

  it('refuses meta that disagrees with the chunk, corrupt bytes, empty chunks and bad tenants', async () => {
    const store = new ChunkStore(new MemoryStore());
    const bytes = chunkOf(['a']).encode();
    await expect(store.putChunk('t', labels, bytes, { from: T0, through: T0 + 5n })).rejects.toMatchObject({ code: 'CORRUPT_CHUNK' });
    await expect(store.putChunk('t', labels, bytes.subarray(0, 10))).rejects.toMatchObject({ code: 'CORRUPT_CHUNK' });
    await expect(store.putChunk('t', labels, new MemChunk().encode())).rejects.toMatchObject({ code: 'CORRUPT_CHUNK' });
    await expect(store.putChunk('..', labels, bytes)).rejects.toMatchObject({ code: 'INVALID_KEY' });
  });

  it('verifies the checksum in the ref when reading', async () => {
    const objects = new MemoryStore();
    const ref = await new ChunkStore(objects).putChunk('t', labels, chunkOf(['a']).encode());
    await objects.put(ref.key, chunkOf(['b']).encode());
    await expect(new ChunkStore(objects).getChunk(ref)).rejects.toThrow(/has checksum .* expected/);
    await objects.delete(ref.key);
    await expect(new ChunkStore(objects).getChunk(ref)).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
  });

  it('caches decoded chunks, shares concurrent reads, and bounds the cache in bytes', async () => {
    const objects = new CountingStore();
    const writer = new ChunkStore(objects);
    const refs = [];
    for (let i = 0; i < 4; i++) refs.push(await writer.putChunk('t', labels, chunkOf([`chunk ${i}`], T0 + BigInt(i) * 10n).encode()));
    const size = (await objects.get(refs[0]!.key)).length;
    objects.gets = 0;
    const reader = new ChunkStore(objects, { cacheBytes: size * 2 });
    const [a, b] = await Promise.all([reader.getChunk(refs[0]!), reader.getChunk(refs[0]!)]);
    expect(a).toBe(b);
    expect(objects.gets).toBe(1);
    await reader.getChunk(refs[0]!);
    expect(objects.gets).toBe(1);
    await reader.getChunk(refs[1]!);
    await reader.getChunk(refs[2]!); // evicts refs[0]
    await reader.getChunk(refs[0]!);
    expect(objects.gets).toBe(4);
  });
});
