// Yields the entries of several sources in global timestamp order. Blocks usually do not
// overlap (in-order ingestion), so sources are opened lazily, in time order, only when their
// first entry could be next; with one open source and nothing pending that could interleave,
// the merge just drains it. Overlapping blocks (out-of-order appends) go through a binary heap
// keyed by (timestamp, source order), so equal timestamps keep append order forward and the
// exact reverse backward.

import type { Entry } from '../../core/model.js';
import type { EntryCursor } from './block-cursor.js';
import type { ScanPlan } from './scan-plan.js';
import type { EntrySource } from './sources.js';

interface Head {
  entry: Entry;
  readonly cursor: EntryCursor;
  readonly source: EntrySource;
}

export function* mergeSources(sources: readonly EntrySource[], plan: ScanPlan): Generator<Entry, void, undefined> {
  const forward = plan.direction === 'forward';
  const stats = plan.stats;
  const pending: EntrySource[] = [];
  const empty = plan.from >= plan.through;
  for (const source of sources) {
    if (empty || source.maxt < plan.from || source.mint >= plan.through) {
      if (stats !== undefined) stats.blocksSkipped++;
    } else {
      pending.push(source);
    }
  }
  // Pending sources sorted so the next one to open is last (cheap pop).
  pending.sort(forward
    ? (a, b) => (a.mint > b.mint ? -1 : a.mint < b.mint ? 1 : b.order - a.order)
    : (a, b) => (a.maxt < b.maxt ? -1 : a.maxt > b.maxt ? 1 : a.order - b.order));
  // `before(a, b)`: a is yielded before b.
  const before = forward
    ? (a: Head, b: Head) => a.entry.ts < b.entry.ts || (a.entry.ts === b.entry.ts && a.source.order < b.source.order)
    : (a: Head, b: Head) => a.entry.ts > b.entry.ts || (a.entry.ts === b.entry.ts && a.source.order > b.source.order);
  // Could a pending source hold an entry that comes before (or ties with) `ts`?
  const mayPrecede = forward
    ? (source: EntrySource, ts: bigint) => source.mint <= ts
    : (source: EntrySource, ts: bigint) => source.maxt >= ts;
  // Is the pending source entirely after everything the open source can still yield?
  const entirelyAfter = forward
    ? (next: EntrySource, open: EntrySource) => next.mint > open.maxt
    : (next: EntrySource, open: EntrySource) => next.maxt < open.mint;

  const heap: Head[] = [];
  for (;;) {
    while (pending.length > 0 && (heap.length === 0 || mayPrecede(pending[pending.length - 1]!, heap[0]!.entry.ts))) {
      const source = pending.pop()!;
      const cursor = source.open(plan);
      const entry = cursor.next();
      if (entry !== undefined) heapPush(heap, { entry, cursor, source }, before);
    }
    if (heap.length === 0) return;
    const top = heap[0]!;
    if (heap.length === 1 && (pending.length === 0 || entirelyAfter(pending[pending.length - 1]!, top.source))) {
      heap.pop();
      for (let entry: Entry | undefined = top.entry; entry !== undefined; entry = top.cursor.next()) {
        if (stats !== undefined) stats.entriesReturned++;
        yield entry;
      }
      continue;
    }
    if (stats !== undefined) stats.entriesReturned++;
    yield top.entry;
    const next = top.cursor.next();
    if (next === undefined) {
      heapPop(heap, before);
    } else {
      top.entry = next;
      siftDown(heap, 0, before);
    }
  }
}

function heapPush(heap: Head[], item: Head, before: (a: Head, b: Head) => boolean): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function heapPop(heap: Head[], before: (a: Head, b: Head) => boolean): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  heap[0] = last;
  siftDown(heap, 0, before);
}

function siftDown(heap: Head[], i: number, before: (a: Head, b: Head) => boolean): void {
  const n = heap.length;
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let best = i;
    if (left < n && before(heap[left]!, heap[best]!)) best = left;
    if (right < n && before(heap[right]!, heap[best]!)) best = right;
    if (best === i) return;
    [heap[i], heap[best]] = [heap[best]!, heap[i]!];
    i = best;
  }
}
