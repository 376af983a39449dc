// Builds checkpoint records from an ingester's memory: every chunk not yet in object storage,
// as push requests of bounded size, one tenant per request.
//
// The checkpoint writer consumes this lazily with appends running in between, so each chunk is
// read whole in one synchronous step (a head block cannot change under its iterator), and each
// stream's chunk list is copied before it is walked (a retired chunk spliced out of the live
// array would make an index walk skip its neighbour, which may be unflushed).

import type { Entry } from '../../../core/model.js';
import type { Ingester } from '../ingester.js';
import type { IngesterPushRequest } from '../protocol.js';
import type { IngesterStream } from '../stream.js';
import type { StreamPush } from '../protocol.js';

export const DEFAULT_SNAPSHOT_RECORD_BYTES = 1024 * 1024;

/** Rough MessagePack size of an entry: its map with "ts" (int64) and "line" keys, plus the line. */
const ENTRY_OVERHEAD_BYTES = 24;

const PART_OVERHEAD_BYTES = 48;

const ALL_TIME = { from: -(2n ** 63n), through: 2n ** 63n - 1n, direction: 'forward' } as const;

export interface SnapshotOptions {
  /** Target size of one record; a single entry larger than this gets a record of its own. */
  readonly maxRecordBytes?: number;
}

/** Iterable of push requests holding every unflushed entry of `ingester`, for `Wal.checkpoint`. */
export function ingesterSnapshot(ingester: Pick<Ingester, 'tenants'>, options: SnapshotOptions = {}): Iterable<IngesterPushRequest> {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_SNAPSHOT_RECORD_BYTES;
  return {
    *[Symbol.iterator]() {
      for (const [tenant, streams] of ingester.tenants) {
        yield* tenantRecords(tenant, streams.streams.values(), maxRecordBytes);
      }
    },
  };
}

function* tenantRecords(tenant: string, streams: Iterable<IngesterStream>, maxRecordBytes: number): Generator<IngesterPushRequest> {
  let parts: StreamPush[] = [];
  let recordBytes = 0;
  for (const stream of streams) {
    for (const slot of stream.unflushed()) {
      const entries = Array.from(slot.chunk.iterate(ALL_TIME));
      let current: Entry[] = [];
      // The stream's labels travel once per part (label string and label pairs).
      const partBytes = stream.labelString.length * 2 + PART_OVERHEAD_BYTES;
      const push = (): void => {
        if (current.length > 0) parts.push({ labelString: stream.labelString, labels: stream.labels, entries: current });
        current = [];
      };
      for (const entry of entries) {
        const size = entrySize(entry) + (current.length === 0 ? partBytes : 0);
        if (recordBytes > 0 && recordBytes + size > maxRecordBytes) {
          push();
          yield { tenant, streams: parts };
          parts = [];
          recordBytes = 0;
        }
        current.push(entry);
        recordBytes += size;
      }
      push();
    }
  }
  if (parts.length > 0) yield { tenant, streams: parts };
}

function entrySize(entry: Entry): number {
  let size = entry.line.length + ENTRY_OVERHEAD_BYTES;
  if (entry.metadata !== undefined) {
    for (const label of entry.metadata) size += label.name.length + label.value.length + 4;
  }
  return size;
}
