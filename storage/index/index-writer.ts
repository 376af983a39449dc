// Records a flushed chunk in the index: for every UTC day the chunk covers, a marker saying the
// day has data (`days/<day>`, once per day), the stream's labels (`streams/<fp>`, once per day
// and stream) and then an empty object whose key is the chunk ref
// (`chunks/<fp>/<from>-<through>-<checksum>`). Markers and labels go first, so a reader that sees
// a ref also finds its day and can always resolve its labels. Keys are derived from content only, so replicas flushing the same
// chunk write the same objects and the writes are idempotent.
//
// Before its first chunk of a tenant, a process also writes `~index/tenants/<tenant>`, so the
// compactor finds every tenant without listing every chunk. For a finished UTC day (before
// today) the marker and labels are written with every chunk rather than once: the compactor
// deletes a day's labels objects once it has merged them, and an emptied day's marker, so a
// late flush into such a day must bring them back.

import { dayOf, daysBetween, indexChunkRefKey, indexDayMarkerKey, indexStreamKey, indexTenantMarkerKey } from '../keys.js';
import { fingerprint, labelsToString, type Labels } from '../../core/model.js';
import { StorageError, type ObjectStore } from '../object-store.js';
import { encodeLabelsObject } from './labels-object.js';
import type { ChunkRef } from './types.js';

const EMPTY = new Uint8Array(0);
/** Day markers and (day, stream) labels objects this process already wrote. */
const WRITTEN_MEMORY = 100_000;

export class IndexWriter {
  private readonly written = new Set<string>();

  constructor(
    private readonly store: ObjectStore,
    private readonly onIndexed: (day: number, labels: Labels, ref: ChunkRef) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async addChunk(labels: Labels, ref: ChunkRef): Promise<void> {
    const actual = fingerprint(labelsToString(labels));
    if (actual !== ref.fingerprint) {
      throw new StorageError('INVALID_KEY', `chunk ${ref.key} has fingerprint ${ref.fingerprint}, its labels ${actual}`);
    }
    const tenantMemo = `tenant/${ref.tenant}`;
    if (!this.written.has(tenantMemo)) {
      await this.store.put(indexTenantMarkerKey(ref.tenant), EMPTY);
      this.remember(tenantMemo);
    }
    const today = dayOf(BigInt(this.now()) * 1_000_000n);
    await Promise.all(
      daysBetween(ref.from, ref.through).map(async (day) => {
        const finished = day < today;
        const dayMemo = `${ref.tenant}/${day}`;
        if (finished || !this.written.has(dayMemo)) {
          await this.store.put(indexDayMarkerKey(ref.tenant, day), EMPTY);
          this.remember(dayMemo);
        }
        const streamMemo = `${ref.tenant}/${day}/${ref.fingerprint}`;
        if (finished || !this.written.has(streamMemo)) {
          await this.store.put(indexStreamKey(ref.tenant, day, ref.fingerprint), encodeLabelsObject(labels));
          this.remember(streamMemo);
        }
        await this.store.put(indexChunkRefKey(day, ref), EMPTY);
        this.onIndexed(day, labels, ref);
      }),
    );
  }

  private remember(memo: string): void {
    this.written.add(memo);
    if (this.written.size > WRITTEN_MEMORY) {
      const oldest = this.written.values().next().value;
      if (oldest !== undefined) this.written.delete(oldest);
    }
  }
}
