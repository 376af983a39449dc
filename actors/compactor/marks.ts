// Chunks waiting to be deleted, kept durably in the object store so a restarted (or another)
// compactor still deletes them: one marker object per batch,
//
//   ~compactor/marks/<deletable-at ms, 16 hex>-<8 hex random>
//   {"format":1,"createdAtMs":...,"deletableAtMs":...,"chunks":["<tenant>/<fp>/<from>-<through>-<crc>", ...]}
//
// `~` is outside Loki's tenant charset, so no tenant's keys can share the prefix, and the key
// sorts by the time its chunks become deletable. The sweeper deletes a chunk only when no day of
// the index references it any more (a chunk spanning midnight is indexed under both days; a
// replica may flush the same chunk again), then the marker. A sweep cut short repeats safely.

import { randomBytes } from 'node:crypto';
import { ObjectNotFoundError, type ObjectStore } from '../../storage/object-store.js';
import { chunkKey, parseChunkKey } from '../../storage/keys.js';
import type { IndexCompactor } from '../../storage/index/index-compactor.js';
import type { ChunkRef } from '../../storage/index/types.js';

export const MARKS_PREFIX = '~compactor/marks/';
const MARK_NAME = /^([0-9a-f]{16})-[0-9a-f]{8}$/;
/** Chunks per marker object: a day of a busy tenant is split into several. */
const CHUNKS_PER_MARKER = 10_000;
const FORMAT = 1;

export interface SweepResult {
  readonly chunksDeleted: number;
  readonly bytesDeleted: number;
  readonly markersDeleted: number;
  /** Marked chunks some day's index references again, so they were kept. */
  readonly kept: number;
}

interface Marker {
  readonly createdAtMs: number;
  readonly deletableAtMs: number;
  readonly chunks: readonly string[];
}

export class DeletionMarks {
  constructor(
    private readonly store: ObjectStore,
    private readonly index: IndexCompactor,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records chunks to delete once `delayMs` has passed. Write it before their refs leave the index. */
  async mark(chunkKeys: readonly string[], delayMs: number): Promise<void> {
    const keys = [...new Set(chunkKeys)];
    const now = this.now();
    for (let i = 0; i < keys.length; i += CHUNKS_PER_MARKER) {
      const marker: Marker = { createdAtMs: now, deletableAtMs: now + delayMs, chunks: keys.slice(i, i + CHUNKS_PER_MARKER) };
      const name = `${Math.max(0, marker.deletableAtMs).toString(16).padStart(16, '0')}-${randomBytes(4).toString('hex')}`;
      await this.store.put(MARKS_PREFIX + name, Buffer.from(JSON.stringify({ format: FORMAT, ...marker })));
    }
  }

  /** Marker objects waiting, and how many of them may be swept now. */
  async count(): Promise<{ markers: number; due: number }> {
    const markers = await this.markers();
    return { markers: markers.length, due: markers.filter((m) => m.deletableAtMs <= this.now()).length };
  }

  /**
   * Deletes the chunks of every due marker that no index entry references, then the marker.
   * `proceed` is asked before each marker: a compactor that lost its lease stops.
   */
  async sweep(proceed: () => boolean = () => true): Promise<SweepResult> {
    let chunksDeleted = 0;
    let bytesDeleted = 0;
    let markersDeleted = 0;
    let kept = 0;
    for (const { key, deletableAtMs } of await this.markers()) {
      if (deletableAtMs > this.now() || !proceed()) break;
      let marker: Marker;
      try {
        marker = JSON.parse(Buffer.from(await this.store.get(key)).toString('utf8')) as Marker;
      } catch (error) {
        if (error instanceof ObjectNotFoundError) continue;
        throw error;
      }
      const byTenant = new Map<string, ChunkRef[]>();
      for (const name of Array.isArray(marker.chunks) ? marker.chunks : []) {
        const parts = typeof name === 'string' ? parseChunkKey(name) : undefined;
        if (parts === undefined) continue; // not a chunk key: never delete what we cannot name
        const list = byTenant.get(parts.tenant) ?? [];
        list.push({ ...parts, key: chunkKey(parts) });
        byTenant.set(parts.tenant, list);
      }
      for (const [tenant, refs] of byTenant) {
        const referenced = await this.index.referenced(tenant, refs);
        kept += referenced.size;
        const doomed = refs.filter((ref) => !referenced.has(ref.key));
        const sizes = await this.sizes(tenant, doomed);
        for (const ref of doomed) {
          const size = sizes.get(ref.key);
          if (size === undefined) continue; // already gone: a sweep cut short, or another delete
          await this.store.delete(ref.key);
          chunksDeleted++;
          bytesDeleted += size;
        }
      }
      await this.store.delete(key);
      markersDeleted++;
    }
    return { chunksDeleted, bytesDeleted, markersDeleted, kept };
  }

  private async markers(): Promise<Array<{ key: string; deletableAtMs: number }>> {
    const out: Array<{ key: string; deletableAtMs: number }> = [];
    for (const { key } of await this.store.list(MARKS_PREFIX)) {
      const match = MARK_NAME.exec(key.slice(MARKS_PREFIX.length));
      if (match !== null) out.push({ key, deletableAtMs: parseInt(match[1]!, 16) });
    }
    return out.sort((a, b) => a.deletableAtMs - b.deletableAtMs);
  }

  /** Stored sizes of the chunks that still exist, one listing per stream. */
  private async sizes(tenant: string, refs: readonly ChunkRef[]): Promise<Map<string, number>> {
    const wanted = new Set(refs.map((ref) => ref.key));
    const sizes = new Map<string, number>();
    for (const fp of new Set(refs.map((ref) => ref.fingerprint))) {
      for (const object of await this.store.list(`${tenant}/${fp}/`)) if (wanted.has(object.key)) sizes.set(object.key, object.size);
    }
    return sizes;
  }
}
