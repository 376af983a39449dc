// Answers which streams (and their chunks) a tenant has in a time range. Each UTC day is one
// listing of `<tenant>/index/<day>/`, reused for listCacheTtlMs. A range longer than a few days
// first lists the tenant's day markers, so `start=0` costs the days that hold data, not every
// day since 1970. Label sets are immutable per fingerprint, so they are cached without expiry
// (bounded by count). A day the compactor has merged (storage/README.md, "Compaction") reads as
// its newest compacted generation plus every per-flush object listed beside it, deduplicated by
// ref: a flush that lands during or after a compaction is seen, and a ref is never counted twice.
//
// A damaged index object (CORRUPT_INDEX: not JSON or gzip, labels that do not hash to the key's
// fingerprint, a compacted object that disagrees with its key) is reported to `onCorrupt` and
// skipped, so one bad object does not fail every read of its tenant and day:
//   - a labels object: the labels are read from another day's object of the same stream when
//     there is one, else the stream (and its chunks) is left out; so is a stream whose labels
//     object is missing altogether;
//   - a compacted generation: the day reads as the per-flush objects still listed beside it
//     (flushes since, and those it merged until the compactor's cleanup delay deletes them);
//     older generations are not read, since they may hold refs removed since (retention,
//     deletes). The compactor cannot compact that day again until the object is deleted.

import {
  dayOf,
  indexDayMarkersPrefix,
  indexCompactedKey,
  indexDayPrefix,
  indexStreamKey,
  parseIndexDayMarkerKey,
  validateTenantId,
} from '../keys.js';
import { LruCache } from '../lru.js';
import { labelsToString, type Labels } from '../../core/model.js';
import { StorageError, type ObjectStore } from '../object-store.js';
import { DayListing } from './day-listing.js';
import { readCompactedDay } from './compacted-read.js';
import { decodeLabelsObject } from './labels-object.js';
import { overlaps, type ChunkRef, type CorruptObject, type IndexedStream, type StreamIndexOptions } from './types.js';

interface Cached<T> {
  readonly expiresAt: number;
  /** When the listing it holds was read from the store (older than `expiresAt - ttl` when stale). */
  readonly readAt: number;
  readonly value: Promise<T>;
}

/** Ranges spanning at most this many days list each day without consulting the day markers. */
const DIRECT_DAYS = 3;

export class IndexReader {
  private readonly ttlMs: number;
  private readonly concurrency: number;
  private readonly now: () => number;
  private readonly days = new Map<string, Cached<DayListing>>();
  private readonly catalogs = new Map<string, Cached<Set<number>>>();
  private readonly labels: LruCache<string, Labels>;
  private readonly onCorrupt: (found: CorruptObject) => void;
  private readonly staleMaxAgeMs: number;
  private readonly onStale: (what: string, error: unknown) => void;

  constructor(
    private readonly store: ObjectStore,
    options: StreamIndexOptions = {},
  ) {
    this.ttlMs = options.listCacheTtlMs ?? 5_000;
    this.concurrency = Math.max(1, options.readConcurrency ?? 16);
    this.now = options.now ?? Date.now;
    this.labels = new LruCache(options.labelsCacheSize ?? 100_000);
    this.onCorrupt = options.onCorrupt ?? (() => undefined);
    this.staleMaxAgeMs = Math.max(0, options.staleListingMaxAgeMs ?? 0);
    this.onStale = options.onStaleListing ?? (() => undefined);
  }

  /** Streams with at least one chunk overlapping [from, through), optionally filtered by labels. */
  async streams(
    tenant: string,
    from: bigint,
    through: bigint,
    filter?: (labels: Labels) => boolean,
  ): Promise<IndexedStream[]> {
    validateTenantId(tenant);
    if (from >= through) return [];
    const days = await this.daysWithData(tenant, from, through);
    const listings = await Promise.all(days.map((day) => this.listing(tenant, day)));
    // fingerprint -> overlapping refs by key, the first day they were listed under, and the days
    // whose listing holds the labels.
    const found = new Map<string, { refs: Map<string, ChunkRef>; refDay: number; labelDays: number[]; labels?: Labels }>();
    for (const listing of listings) {
      for (const [fp, stream] of listing.streams) {
        for (const ref of stream.refs.values()) {
          if (!overlaps(ref.from, ref.through, from, through)) continue;
          let entry = found.get(fp);
          if (entry === undefined) {
            entry = { refs: new Map(), refDay: listing.day, labelDays: [] };
            found.set(fp, entry);
          }
          entry.refs.set(ref.key, ref);
        }
        const entry = found.get(fp);
        if (entry !== undefined && stream.hasLabels && !entry.labelDays.includes(listing.day)) entry.labelDays.push(listing.day);
        if (entry !== undefined && stream.labels !== undefined) entry.labels = stream.labels;
      }
    }
    const fingerprints = [...found.keys()];
    const labelSets = await mapLimit(fingerprints, this.concurrency, (fp) => {
      const entry = found.get(fp)!;
      return this.labelsOf(tenant, fp, entry.refDay, entry.labelDays, entry.labels);
    });
    const out: IndexedStream[] = [];
    fingerprints.forEach((fp, i) => {
      const labels = labelSets[i];
      if (labels === undefined) return; // no readable labels object: reported, left out
      if (filter !== undefined && !filter(labels)) return;
      const chunks = [...found.get(fp)!.refs.values()].sort((a, b) =>
        a.from < b.from ? -1 : a.from > b.from ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
      );
      out.push({ labels, fingerprint: fp, chunks });
    });
    return out.sort((a, b) => compareStrings(labelsToString(a.labels), labelsToString(b.labels)));
  }

  async labelNames(tenant: string, from: bigint, through: bigint): Promise<string[]> {
    const names = new Set<string>();
    for (const stream of await this.streams(tenant, from, through)) for (const { name } of stream.labels) names.add(name);
    return [...names].sort(compareStrings);
  }

  async labelValues(tenant: string, name: string, from: bigint, through: bigint): Promise<string[]> {
    const values = new Set<string>();
    for (const stream of await this.streams(tenant, from, through)) {
      for (const label of stream.labels) if (label.name === name) values.add(label.value);
    }
    return [...values].sort(compareStrings);
  }

  /** A write by this process: visible at once instead of after the list cache expires. */
  noteIndexed(day: number, labels: Labels, ref: ChunkRef): void {
    this.labels.set(`${ref.tenant}/${ref.fingerprint}`, labels);
    // Patched in when the listing settles, so a listing in flight during the write (which may
    // or may not have seen it) is corrected before any later read uses it.
    this.days.get(`${ref.tenant}/${day}`)?.value.then(
      (listing) => {
        listing.addRef(ref);
        listing.stream(ref.fingerprint).hasLabels = true;
      },
      () => undefined,
    );
    this.catalogs.get(ref.tenant)?.value.then(
      (catalog) => catalog.add(day),
      () => undefined,
    );
  }

  /** Drops cached listings (all, or one tenant's) so the next call lists again. */
  invalidate(tenant?: string): void {
    if (tenant === undefined) {
      this.days.clear();
      this.catalogs.clear();
      return;
    }
    for (const key of [...this.days.keys()]) if (key.startsWith(tenant + '/')) this.days.delete(key);
    this.catalogs.delete(tenant);
  }

  private async daysWithData(tenant: string, from: bigint, through: bigint): Promise<number[]> {
    const first = dayOf(from);
    const last = dayOf(through - 1n);
    if (last - first < DIRECT_DAYS) {
      const days: number[] = [];
      for (let day = first; day <= last; day++) days.push(day);
      return days;
    }
    const catalog = await this.cached(this.catalogs, tenant, indexDayMarkersPrefix(tenant), () =>
      this.store.list(indexDayMarkersPrefix(tenant)).then((objects) => {
        const days = new Set<number>();
        for (const { key } of objects) {
          const day = parseIndexDayMarkerKey(tenant, key);
          if (day !== undefined) days.add(day);
        }
        return days;
      }),
    );
    return [...catalog].filter((day) => day >= first && day <= last).sort((a, b) => a - b);
  }

  /** Drops one cached day, after this process rewrote it (the compactor removed refs). */
  invalidateDay(tenant: string, day: number): void {
    this.days.delete(`${tenant}/${day}`);
    this.catalogs.delete(tenant);
  }

  private listing(tenant: string, day: number): Promise<DayListing> {
    return this.cached(this.days, `${tenant}/${day}`, indexDayPrefix(tenant, day), () => this.loadListing(tenant, day));
  }

  /**
   * Lists the day and merges its newest compacted generation in. A generation is deleted only a
   * grace period after a newer one was written, so one that vanished between the listing and the
   * read was superseded: list again.
   */
  private async loadListing(tenant: string, day: number): Promise<DayListing> {
    for (let attempt = 1; ; attempt++) {
      const listing = DayListing.fromObjects(tenant, day, await this.store.list(indexDayPrefix(tenant, day)));
      const newest = listing.newestGeneration;
      if (newest === undefined) return listing;
      try {
        listing.mergeCompacted(await readCompactedDay(this.store, tenant, day, newest));
        return listing;
      } catch (error) {
        if (isCorruptIndex(error)) {
          this.onCorrupt({ kind: 'index', key: indexCompactedKey(tenant, day, newest), error });
          return listing; // the per-flush objects alone (see the top of this file)
        }
        if ((error as { code?: unknown }).code !== 'OBJECT_NOT_FOUND' || attempt >= 3) throw error;
      }
    }
  }

  /**
   * Reuses a value for the TTL and shares it while in flight. A failure is not cached, unless a
   * listing read within `staleMaxAgeMs` can answer instead: it then serves until the TTL is out
   * again (one try of the store per TTL) or it grows too old.
   */
  private cached<T>(cache: Map<string, Cached<T>>, key: string, what: string, load: () => Promise<T>): Promise<T> {
    const now = this.now();
    const hit = cache.get(key);
    if (hit !== undefined && hit.expiresAt > now) return hit.value;
    const fallback = hit !== undefined && now - hit.readAt <= this.staleMaxAgeMs ? hit : undefined;
    const value = load().catch(async (error: unknown) => {
      if (fallback === undefined || !isUnavailable(error)) {
        if (cache.get(key) === entry) cache.delete(key);
        throw error;
      }
      const stale = await fallback.value;
      this.onStale(what, error);
      if (cache.get(key) === entry) {
        cache.set(key, { expiresAt: Math.min(this.now() + this.ttlMs, fallback.readAt + this.staleMaxAgeMs), readAt: fallback.readAt, value: fallback.value });
      }
      return stale;
    });
    const entry: Cached<T> = { expiresAt: now + this.ttlMs, readAt: now, value };
    cache.set(key, entry);
    return value;
  }

  /** The stream's labels; undefined (reported) when no labels object of it is readable. */
  private async labelsOf(tenant: string, fp: string, refDay: number, days: readonly number[], known?: Labels): Promise<Labels | undefined> {
    const cacheKey = `${tenant}/${fp}`;
    const cached = this.labels.get(cacheKey);
    if (cached !== undefined) return cached;
    if (known !== undefined) {
      this.labels.set(cacheKey, known);
      return known;
    }
    if (days.length === 0) {
      const error = new StorageError('CORRUPT_INDEX', `index of tenant ${tenant} has chunks of stream ${fp} but no labels object`);
      this.onCorrupt({ kind: 'index', key: indexStreamKey(tenant, refDay, fp), error });
      return undefined;
    }
    for (const day of days) {
      const key = indexStreamKey(tenant, day, fp);
      try {
        const labels = decodeLabelsObject(await this.store.get(key), fp, key);
        this.labels.set(cacheKey, labels);
        return labels;
      } catch (error) {
        if (!isCorruptIndex(error)) throw error;
        this.onCorrupt({ kind: 'index', key, error });
      }
    }
    return undefined;
  }
}

function isCorruptIndex(error: unknown): error is StorageError {
  return error instanceof StorageError && error.code === 'CORRUPT_INDEX';
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The store could not be reached or answered 5xx: a listing read before still says what it held. */
function isUnavailable(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'STORAGE_UNAVAILABLE';
}
