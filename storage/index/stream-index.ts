// The stream index: label sets and chunk refs per tenant and UTC day, kept in the object store
// beside the chunks (layout in storage/README.md), so any process sharing the store, or this
// one after a restart, finds what was flushed.

import type { Labels } from '../../core/model.js';
import type { ObjectStore } from '../object-store.js';
import { IndexReader } from './index-reader.js';
import { IndexWriter } from './index-writer.js';
import type { ChunkRef, IndexedStream, StreamIndexOptions } from './types.js';

export class StreamIndex {
  private readonly reader: IndexReader;
  private readonly writer: IndexWriter;

  constructor(store: ObjectStore, options: StreamIndexOptions = {}) {
    this.reader = new IndexReader(store, options);
    this.writer = new IndexWriter(store, (day, labels, ref) => this.reader.noteIndexed(day, labels, ref), options.now);
  }

  /** Indexes a stored chunk under every day it covers. Idempotent. */
  addChunk(labels: Labels, ref: ChunkRef): Promise<void> {
    return this.writer.addChunk(labels, ref);
  }

  streams(tenant: string, from: bigint, through: bigint, filter?: (labels: Labels) => boolean): Promise<IndexedStream[]> {
    return this.reader.streams(tenant, from, through, filter);
  }

  labelNames(tenant: string, from: bigint, through: bigint): Promise<string[]> {
    return this.reader.labelNames(tenant, from, through);
  }

  labelValues(tenant: string, name: string, from: bigint, through: bigint): Promise<string[]> {
    return this.reader.labelValues(tenant, name, from, through);
  }

  /** Forgets one cached day, after the compactor in this process rewrote it. */
  invalidateDay(tenant: string, day: number): void {
    this.reader.invalidateDay(tenant, day);
  }

  /** Forgets cached listings so the next read lists the store again. */
  invalidate(tenant?: string): void {
    this.reader.invalidate(tenant);
  }
}
