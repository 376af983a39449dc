// Index maintenance for the compactor: merges a tenant-day's per-flush objects into one
// compacted generation, removes chunk refs from a day (retention, deletion), and deletes what a
// generation superseded once every reader's cached listing has moved past it.
//
// Order is what keeps readers whole (they read the newest generation plus every per-flush object
// listed beside it):
//   1. write generation n+1 (everything generation n held, plus the per-flush refs listed, minus
//      refs being removed) before deleting anything;
//   2. when removing refs, delete their per-flush objects at once (or the union would bring them
//      back); a reader that listed in between still sees them, which the chunk's delete delay allows;
//   3. delete older generations, merged per-flush objects and labels objects only `cleanupDelayMs`
//      after generation n+1 was written, so a reader whose listing predates n+1 can still read;
//      a day left without refs goes entirely then, its day marker last.
// A flush landing mid-compaction is not in n+1 but stays a per-flush object, merged next time.

import { fingerprint, labelsToString, type Labels } from '../../core/model.js';
import {
  INDEX_TENANTS_PREFIX,
  MAX_GENERATION,
  daysBetween,
  indexChunkRefKey,
  indexCompactedKey,
  indexDayMarkerKey,
  indexDayMarkersPrefix,
  indexDayPrefix,
  indexStreamKey,
  parseIndexDayMarkerKey,
  parseIndexTenantMarkerKey,
  validateTenantId,
} from '../keys.js';
import { StorageError, type ObjectStore } from '../object-store.js';
import { encodeCompactedDay, type CompactedDay, type CompactedStream } from './compacted-object.js';
import { readCompactedDay } from './compacted-read.js';
import { DayListing } from './day-listing.js';
import { mapLimit, SerialQueues } from './concurrency.js';
import { decodeLabelsObject } from './labels-object.js';
import type { ChunkRef } from './types.js';

export interface IndexCompactorOptions {
  /**
   * How long objects a new generation supersedes stay readable (ms). Must exceed every reader's
   * list cache TTL plus a slow read, or a reader holding an older listing finds them gone.
   */
  readonly cleanupDelayMs: number;
  readonly now?: () => number;
  /** Called after this process rewrote a day, so its own caches can drop the day. */
  readonly onChanged?: (tenant: string, day: number) => void;
  /**
   * Called with how many per-flush objects a new generation took in: compaction's, and also a
   * removal's, which writes the day's pending objects into its generation along the way.
   */
  readonly onMerged?: (count: number) => void;
  /** Concurrent labels-object reads while compacting one day (default 16). */
  readonly readConcurrency?: number;
}

/** One tenant-day as the store holds it now. */
export interface DayIndex {
  readonly tenant: string;
  readonly day: number;
  /** Every compacted generation listed, ascending. */
  readonly generations: readonly number[];
  /** The newest generation's content, when the day was compacted. */
  readonly compacted: CompactedDay | undefined;
  /** Per-flush chunk-ref objects listed, by chunk key. */
  readonly flushed: ReadonlyMap<string, ChunkRef>;
  /** Fingerprints with a per-flush labels object. */
  readonly labelsObjects: ReadonlySet<string>;
}

export interface CompactionResult {
  /** The generation written, or undefined when nothing new had to be merged. */
  readonly written: number | undefined;
  /** Per-flush chunk-ref objects merged into the new generation. */
  readonly merged: number;
  /** Superseded objects deleted (older generations, merged per-flush objects, labels objects). */
  readonly deleted: number;
}

export interface RemovalResult {
  /** Refs that were in the day and are not any more. */
  readonly removed: ChunkRef[];
  readonly written: number | undefined;
  /** Per-flush chunk-ref objects (not removed ones) the new generation took in. */
  readonly merged: number;
  /** The day holds no chunk refs now: its objects and day marker go after the cleanup delay. */
  readonly emptied: boolean;
}

type Stream = { labels: Labels | undefined; refs: Map<string, ChunkRef> };

/** Settled tenant-days remembered (a year of days for a few hundred tenants; a few MiB). */
const SETTLED_MEMORY = 100_000;

export class IndexCompactor {
  private readonly now: () => number;
  private readonly concurrency: number;
  private readonly locks = new SerialQueues();
  /**
   * Days found fully compacted (one generation, nothing else listed), by the generation: while a
   * listing shows just that, there is nothing to merge or delete and the generation is not read.
   */
  private readonly settled = new Map<string, number>();

  constructor(
    private readonly store: ObjectStore,
    private readonly options: IndexCompactorOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.concurrency = Math.max(1, options.readConcurrency ?? 16);
  }

  /** Tenants that have written index entries (their `~index/tenants/` markers). */
  async tenants(): Promise<string[]> {
    const tenants = new Set<string>();
    for (const { key } of await this.store.list(INDEX_TENANTS_PREFIX)) {
      const tenant = parseIndexTenantMarkerKey(key);
      if (tenant !== undefined) tenants.add(tenant);
    }
    return [...tenants].sort();
  }

  /** Days holding index entries (their day markers), ascending. */
  async days(tenant: string): Promise<number[]> {
    const days = new Set<number>();
    for (const { key } of await this.store.list(indexDayMarkersPrefix(tenant))) {
      const day = parseIndexDayMarkerKey(tenant, key);
      if (day !== undefined) days.add(day);
    }
    return [...days].sort((a, b) => a - b);
  }

  async loadDay(tenant: string, day: number): Promise<DayIndex> {
    validateTenantId(tenant);
    for (let attempt = 1; ; attempt++) {
      const listing = DayListing.fromObjects(tenant, day, await this.store.list(indexDayPrefix(tenant, day)));
      const flushed = new Map<string, ChunkRef>();
      const labelsObjects = new Set<string>();
      for (const [fp, stream] of listing.streams) {
        if (stream.hasLabels) labelsObjects.add(fp);
        for (const ref of stream.refs.values()) flushed.set(ref.key, ref);
      }
      const newest = listing.newestGeneration;
      try {
        const compacted = newest === undefined ? undefined : await readCompactedDay(this.store, tenant, day, newest);
        return { tenant, day, generations: listing.generations, compacted, flushed, labelsObjects };
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'OBJECT_NOT_FOUND' || attempt >= 3) throw error;
      }
    }
  }

  /** What one listing of the day shows, without reading anything: its newest generation and how many per-flush refs. */
  async peekDay(tenant: string, day: number): Promise<{ generation: number | undefined; flushed: number }> {
    const listing = DayListing.fromObjects(tenant, day, await this.store.list(indexDayPrefix(tenant, day)));
    let flushed = 0;
    for (const stream of listing.streams.values()) flushed += stream.refs.size;
    return { generation: listing.newestGeneration, flushed };
  }

  /** Every chunk ref the day holds: the newest generation's and the per-flush ones, by key. */
  static refsOf(index: DayIndex): Map<string, ChunkRef> {
    const refs = new Map(index.flushed);
    for (const stream of index.compacted?.streams.values() ?? []) for (const [key, ref] of stream.refs) refs.set(key, ref);
    return refs;
  }

  /**
   * Merges the day's per-flush objects into a new generation when any are not in the newest one;
   * otherwise deletes what the newest generation superseded once the cleanup delay has passed.
   */
  compactDay(tenant: string, day: number): Promise<CompactionResult> {
    return this.locks.run(`${tenant}/${day}`, async () => {
      const memo = `${tenant}/${day}`;
      const settled = this.settled.get(memo);
      if (settled !== undefined) {
        const listing = DayListing.fromObjects(tenant, day, await this.store.list(indexDayPrefix(tenant, day)));
        if (listing.streams.size === 0 && listing.generations.length === 1 && listing.generations[0] === settled) {
          return { written: undefined, merged: 0, deleted: 0 };
        }
        this.settled.delete(memo);
      }
      const index = await this.loadDay(tenant, day);
      const known = IndexCompactor.refsOf({ ...index, flushed: new Map() });
      const pending = [...index.flushed.keys()].filter((key) => !known.has(key));
      if (pending.length > 0) {
        const streams = await this.mergedStreams(index);
        const merged = pending.filter((key) => streams.get(index.flushed.get(key)!.fingerprint)?.labels !== undefined).length;
        // Refs of a stream with no labels anywhere cannot be merged; writing a generation
        // without them every run would only churn.
        if (merged > 0) {
          const written = await this.writeGeneration(index, streams);
          this.options.onMerged?.(merged);
          this.options.onChanged?.(tenant, day);
          return { written, merged, deleted: 0 };
        }
      }
      return { written: undefined, merged: 0, deleted: await this.cleanUp(index) };
    });
  }

  /**
   * Removes chunk refs from a day: writes a generation without them, then deletes their
   * per-flush objects; a day left without refs is deleted by a later `compactDay`, once the
   * cleanup delay has passed (objects first, the day marker last). The chunk objects stay:
   * deleting them is the caller's (after its delay, and only when no day references them).
   */
  removeChunkRefs(tenant: string, day: number, refs: Iterable<string | { readonly key: string }>): Promise<RemovalResult> {
    const keys = new Set([...refs].map((ref) => (typeof ref === 'string' ? ref : ref.key)));
    return this.locks.run(`${tenant}/${day}`, async () => {
      const index = await this.loadDay(tenant, day);
      const all = IndexCompactor.refsOf(index);
      const removed = [...keys].flatMap((key) => {
        const ref = all.get(key);
        return ref === undefined ? [] : [ref];
      });
      if (removed.length === 0) return { removed, written: undefined, merged: 0, emptied: all.size === 0 };
      const streams = await this.mergedStreams(index);
      const known = IndexCompactor.refsOf({ ...index, flushed: new Map() });
      const merged = [...index.flushed.values()].filter(
        (ref) => !known.has(ref.key) && !keys.has(ref.key) && streams.get(ref.fingerprint)?.labels !== undefined,
      ).length;
      for (const ref of removed) streams.get(ref.fingerprint)?.refs.delete(ref.key);
      const written = await this.writeGeneration(index, streams);
      if (merged > 0) this.options.onMerged?.(merged);
      await Promise.all(removed.filter((ref) => index.flushed.has(ref.key)).map((ref) => this.store.delete(indexChunkRefKey(day, ref))));
      const emptied = all.size === removed.length;
      this.settled.delete(`${tenant}/${day}`);
      this.options.onChanged?.(tenant, day);
      return { removed, written, merged, emptied };
    });
  }

  /**
   * Which of `refs` (one tenant's) some day's index still references: a chunk spanning midnight
   * is indexed under each day it covers, and may be deleted only when every day let go of it.
   */
  async referenced(tenant: string, refs: readonly ChunkRef[]): Promise<Set<string>> {
    const days = new Map<number, Promise<Map<string, ChunkRef>>>();
    const out = new Set<string>();
    for (const ref of refs) {
      for (const day of daysBetween(ref.from, ref.through)) {
        if (!days.has(day)) days.set(day, this.loadDay(tenant, day).then(IndexCompactor.refsOf));
        if ((await days.get(day)!).has(ref.key)) out.add(ref.key);
      }
    }
    return out;
  }

  /**
   * The day's streams with labels and refs, as the next generation will hold them: the newest
   * generation plus the flushes, labels read from labels objects where the generation has none.
   */
  async streamsOf(index: DayIndex): Promise<Map<string, { labels: Labels | undefined; refs: Map<string, ChunkRef> }>> {
    return this.mergedStreams(index);
  }

  private async mergedStreams(index: DayIndex): Promise<Map<string, Stream>> {
    const streams = new Map<string, Stream>();
    for (const stream of index.compacted?.streams.values() ?? []) {
      streams.set(stream.fingerprint, { labels: stream.labels, refs: new Map(stream.refs) });
    }
    for (const ref of index.flushed.values()) {
      let stream = streams.get(ref.fingerprint);
      if (stream === undefined) {
        stream = { labels: undefined, refs: new Map() };
        streams.set(ref.fingerprint, stream);
      }
      stream.refs.set(ref.key, ref);
    }
    const unlabelled = [...streams].filter(([fp, stream]) => stream.labels === undefined && index.labelsObjects.has(fp));
    await mapLimit(unlabelled, this.concurrency, async ([fp, stream]) => {
      const key = indexStreamKey(index.tenant, index.day, fp);
      stream.labels = decodeLabelsObject(await this.store.get(key), fp, key);
    });
    return streams;
  }

  /**
   * Writes the next generation. A stream with no labels anywhere (no labels object listed, not
   * in the newest generation: a damaged index) is left out; its refs stay per-flush objects.
   */
  private async writeGeneration(index: DayIndex, streams: Map<string, Stream>): Promise<number> {
    const generation = (index.generations.at(-1) ?? 0) + 1;
    if (generation > MAX_GENERATION) throw new StorageError('CORRUPT_INDEX', `index of ${index.tenant} day ${index.day} ran out of generations`);
    const content = new Map<string, CompactedStream>();
    for (const [fp, stream] of streams) {
      if (stream.labels === undefined) continue;
      if (fingerprint(labelsToString(stream.labels)) !== fp) throw new StorageError('CORRUPT_INDEX', `stream ${fp} has labels of another fingerprint`);
      content.set(fp, { fingerprint: fp, labels: stream.labels, refs: stream.refs });
    }
    const compacted: CompactedDay = { tenant: index.tenant, day: index.day, generation, createdAtMs: this.now(), streams: content };
    await this.store.put(indexCompactedKey(index.tenant, index.day, generation), encodeCompactedDay(compacted));
    return generation;
  }

  /** Deletes what the newest generation superseded, once it is older than the cleanup delay. */
  private async cleanUp(index: DayIndex): Promise<number> {
    const newest = index.compacted;
    if (newest === undefined || this.now() - newest.createdAtMs < this.options.cleanupDelayMs) return 0;
    const { tenant, day } = index;
    const doomed: string[] = index.generations.filter((g) => g < newest.generation).map((g) => indexCompactedKey(tenant, day, g));
    for (const ref of index.flushed.values()) {
      if (newest.streams.get(ref.fingerprint)?.refs.has(ref.key) === true) doomed.push(indexChunkRefKey(day, ref));
    }
    for (const fp of index.labelsObjects) if (newest.streams.has(fp)) doomed.push(indexStreamKey(tenant, day, fp));
    const empty = index.flushed.size === 0 && [...newest.streams.values()].every((stream) => stream.refs.size === 0);
    await mapLimit(doomed, this.concurrency, (key) => this.store.delete(key));
    // An emptied day goes entirely: its generation, then its day marker last (a crash between
    // the two leaves a marked empty day, which the next run finishes).
    if (empty) {
      await this.store.delete(indexCompactedKey(tenant, day, newest.generation));
      await this.store.delete(indexDayMarkerKey(tenant, day));
      doomed.push('generation');
    }
    if (doomed.length > 0) this.options.onChanged?.(tenant, day);
    else if (!empty && index.generations.length === 1 && index.flushed.size === 0 && index.labelsObjects.size === 0) {
      this.rememberSettled(`${tenant}/${day}`, newest.generation);
    }
    return doomed.length;
  }

  private rememberSettled(memo: string, generation: number): void {
    this.settled.set(memo, generation);
    if (this.settled.size > SETTLED_MEMORY) this.settled.delete(this.settled.keys().next().value!);
  }
}
