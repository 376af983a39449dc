// One tenant-day of the index as a listing shows it: which streams have a labels object and
// which chunk refs each stream has. Built from keys alone; no object is read.

import { chunkKey, parseIndexKey } from '../keys.js';
import type { ObjectInfo } from '../object-store.js';
import type { ChunkRef } from './types.js';

export interface DayStream {
  hasLabels: boolean;
  /** Chunk refs by chunk key. */
  readonly refs: Map<string, ChunkRef>;
}

export class DayListing {
  readonly streams = new Map<string, DayStream>();

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
      else listing.addRef({ ...parsed.chunk, key: chunkKey(parsed.chunk) });
    }
    return listing;
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
