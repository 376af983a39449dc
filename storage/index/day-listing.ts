// One tenant-day of the index as a listing shows it: which streams have a labels object, which
// chunk refs each stream has, and which compacted generations exist. Built from keys alone; the
// reader then merges the newest compacted generation in (`mergeCompacted`), so a day reads as
// the union of its compacted object and every flush that came after it, deduplicated by ref.

import { chunkKey, parseIndexKey } from '../keys.js';
import type { Labels } from '../../core/model.js';
import type { ObjectInfo } from '../object-store.js';
import type { CompactedDay } from './compacted-object.js';
import type { ChunkRef } from './types.js';

export interface DayStream {
  hasLabels: boolean;
  /** The stream's labels, when the compacted object holds them (no labels object to read). */
  labels?: Labels;
  /** Chunk refs by chunk key. */
  readonly refs: Map<string, ChunkRef>;
}

export class DayListing {
  readonly streams = new Map<string, DayStream>();
  /** Compacted generations listed, ascending. */
  readonly generations: number[] = [];

  constructor(
    readonly tenant: string,
    readonly day: number,
  ) {}

  static fromObjects(tenant: string, day: number, objects: readonly ObjectInfo[]): DayListing {
    const listing = new DayListing(tenant, day);
    for (const { key } of objects) {
      const parsed = parseIndexKey(tenant, day, key);
      if (parsed === undefined) continue; // not ours: ignore rather than fail the read
      if (parsed.kind === 'stream') listing.stream(parsed.fingerprint).hasLabels = true;
      else if (parsed.kind === 'compacted') listing.generations.push(parsed.generation);
      else listing.addRef({ ...parsed.chunk, key: chunkKey(parsed.chunk) });
    }
    listing.generations.sort((a, b) => a - b);
    return listing;
  }

  /** The newest compacted generation, or undefined when the day was never compacted. */
  get newestGeneration(): number | undefined {
    return this.generations.at(-1);
  }

  /** Adds a compacted generation's streams and refs (a ref listed twice stays one ref). */
  mergeCompacted(compacted: CompactedDay): void {
    for (const stream of compacted.streams.values()) {
      const target = this.stream(stream.fingerprint);
      target.labels = stream.labels;
      for (const ref of stream.refs.values()) target.refs.set(ref.key, ref);
    }
  }

  addRef(ref: ChunkRef): void {
    this.stream(ref.fingerprint).refs.set(ref.key, ref);
  }

  stream(fingerprint: string): DayStream {
    let stream = this.streams.get(fingerprint);
    if (stream === undefined) {
      stream = { hasLabels: false, refs: new Map() };
      this.streams.set(fingerprint, stream);
    }
    return stream;
  }
}
