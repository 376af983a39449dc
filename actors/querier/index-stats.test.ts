import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsToString, type Labels } from '../../core/model.js';
import { ChunkStore, FsStore, StorageError, type CorruptObject } from '../../storage/mod.js';
import { MemChunk } from '../../storage/chunk/mem-chunk.js';
import type { StoredChunk, StoredChunkRef, StoredStream } from './store-source.js';
import { figuresPerStream, overlapFactor, summarize, volumeGroups } from './index-stats.js';

const labels = (app: string): Labels => [
  { name: 'app', value: app },
  { name: 'job', value: 'j' },
];

function ref(from: bigint, through: bigint): StoredChunkRef {
  return { tenant: 't', fingerprint: '0000000000000001', from, through, checksum: '00000000', key: `t/x/${from}-${through}` };
}

function fetcher(figures: Record<string, { entries: number; bytes: number }>) {
  const fetched: string[] = [];
  const fetch = async (chunk: StoredChunkRef): Promise<StoredChunk> => {
    fetched.push(chunk.key);
    const found = figures[chunk.key]!;
    return { entryCount: found.entries, uncompressedBytes: found.bytes } as StoredChunk;
  };
  return { fetch, fetched };
}

const whole = { start: 0n, end: 1_000n };

describe('overlapFactor', () => {
  it('is the share of the chunk span inside the range', () => {
    expect(overlapFactor(10n, 19n, whole)).toBe(1);
    expect(overlapFactor(10n, 19n, { start: 15n, end: 100n })).toBe(0.5);
    expect(overlapFactor(10n, 19n, { start: 0n, end: 12n })).toBe(0.2);
    expect(overlapFactor(10n, 19n, { start: 20n, end: 30n })).toBe(0);
  });
});

describe('figuresPerStream', () => {
  it('counts a stored chunk an ingester still holds once, without fetching it', async () => {
    const stored: StoredStream[] = [{ labels: labels('a'), chunks: [ref(0n, 9n), ref(10n, 19n)] }];
    const { fetch, fetched } = fetcher({ 't/x/0-9': { entries: 4, bytes: 40 } });
    const inMemory = [
      {
        labels: labels('a'),
        chunks: [
          { from: 10n, through: 19n, entries: 5, bytes: 50, flushed: true },
          { from: 20n, through: 29n, entries: 6, bytes: 60, flushed: false },
        ],
      },
    ];
    const streams = await figuresPerStream(stored, inMemory, fetch, whole, 1);
    expect(fetched).toEqual(['t/x/0-9']);
    expect(summarize(streams)).toEqual({ streams: 1, chunks: 3, entries: 15, bytes: 150 });
  });

  it('divides what only the ingesters hold by the replication factor', async () => {
    const copy = { from: 0n, through: 9n, entries: 10, bytes: 100, flushed: false };
    const inMemory = [1, 2, 3].map(() => ({ labels: labels('b'), chunks: [copy] }));
    const { fetch } = fetcher({});
    expect(summarize(await figuresPerStream([], inMemory, fetch, whole, 3))).toEqual({ streams: 1, chunks: 1, entries: 10, bytes: 100 });
  });

  it('prorates chunks that cross the range edges', async () => {
    const inMemory = [{ labels: labels('c'), chunks: [{ from: 0n, through: 9n, entries: 10, bytes: 100, flushed: false }] }];
    const { fetch } = fetcher({});
    expect(summarize(await figuresPerStream([], inMemory, fetch, { start: 5n, end: 100n }, 1))).toEqual({
      streams: 1,
      chunks: 1,
      entries: 5,
      bytes: 50,
    });
  });
});

describe('figuresPerStream over a damaged chunk', () => {
  it('leaves the chunk out, reports it with its key, and counts the rest', async () => {
    const root = mkdtempSync(join(tmpdir(), 'norn-stats-'));
    try {
      const objects = new FsStore(root);
      const corrupt: CorruptObject[] = [];
      const store = new ChunkStore(objects, { cacheBytes: 0, onCorrupt: (found) => corrupt.push(found) });
      const put = async (app: string, from: bigint, lines: number) => {
        const chunk = new MemChunk();
        for (let i = 0; i < lines; i++) chunk.append({ ts: from + BigInt(i), line: `${app} line ${i}` });
        return store.putChunk('t', labels(app), chunk.encode());
      };
      await put('a', 100n, 4);
      const damaged = await put('a', 200n, 3);
      const onlyDamaged = await put('b', 300n, 2);
      for (const ref of [damaged, onlyDamaged]) {
        const bytes = Buffer.from(await objects.get(ref.key));
        bytes[bytes.length - 1]! ^= 0xff; // one flipped bit: the checksum no longer matches
        await objects.put(ref.key, bytes);
      }
      const stored = await store.index.streams('t', 0n, 1_000n);
      const streams = await figuresPerStream(stored, [], (ref) => store.getChunk(ref), whole, 1);
      const byApp = Object.fromEntries(streams.map((stream) => [labelsToString(stream.labels), stream]));
      expect(Object.keys(byApp)).toEqual([labelsToString(labels('a'))]);
      expect(byApp[labelsToString(labels('a'))]).toMatchObject({ chunks: 1, entries: 4 });
      expect(summarize(streams)).toMatchObject({ streams: 1, chunks: 1, entries: 4 });
      expect(corrupt.map((found) => [found.kind, found.key, found.error.code]).sort()).toEqual(
        [['chunk', damaged.key, 'CORRUPT_CHUNK'], ['chunk', onlyDamaged.key, 'CORRUPT_CHUNK']].sort(),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('still fails on a store that cannot be read', async () => {
    const stored: StoredStream[] = [{ labels: labels('a'), chunks: [ref(0n, 9n)] }];
    const fetch = async (): Promise<StoredChunk> => {
      throw new StorageError('STORAGE_UNAVAILABLE', 'down');
    };
    await expect(figuresPerStream(stored, [], fetch, whole, 1)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });
});

describe('volumeGroups', () => {
  const streams = [
    { labels: labels('a'), chunks: 1, entries: 1, bytes: 10 },
    { labels: labels('b'), chunks: 1, entries: 1, bytes: 30 },
    { labels: [{ name: 'app', value: 'a' }, { name: 'env', value: 'x' }, { name: 'job', value: 'j' }], chunks: 1, entries: 1, bytes: 5 },
  ];

  it('groups by target labels, else by the selector labels, largest first', () => {
    expect(volumeGroups(streams, ['job'], { limit: 10, targetLabels: ['app'], aggregateBy: 'series' })).toEqual([
      { metric: { app: 'b' }, bytes: 30 },
      { metric: { app: 'a' }, bytes: 15 },
    ]);
    expect(volumeGroups(streams, ['job'], { limit: 10, targetLabels: [], aggregateBy: 'series' })).toEqual([{ metric: { job: 'j' }, bytes: 45 }]);
    expect(volumeGroups(streams, ['job'], { limit: 1, targetLabels: ['app'], aggregateBy: 'series' })).toEqual([{ metric: { app: 'b' }, bytes: 30 }]);
  });

  it('groups per label name with aggregateBy=labels', () => {
    expect(volumeGroups(streams, ['job'], { limit: 10, targetLabels: [], aggregateBy: 'labels' })).toEqual([
      { metric: { app: '' }, bytes: 45 },
      { metric: { job: '' }, bytes: 45 },
      { metric: { env: '' }, bytes: 5 },
    ]);
  });
});
