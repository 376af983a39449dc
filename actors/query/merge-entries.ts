// Merges entry iterators that are each sorted by timestamp into one sorted iterator. A stream's
// chunks overlap in time when entries arrived out of order, and a stream read from storage may
// have several chunks per time span (one per replica that cut differently).

import type { Entry } from '../../storage/model.js';
import type { Direction } from '../../logql/types.js';

interface Head {
  entry: Entry;
  readonly source: Iterator<Entry>;
  readonly order: number;
}

export function* mergeEntries(sources: Iterable<Entry>[], direction: Direction): Generator<Entry> {
  if (sources.length === 1) {
    yield* sources[0]!;
    return;
  }
  const before =
    direction === 'forward'
      ? (a: Head, b: Head) => a.entry.ts < b.entry.ts || (a.entry.ts === b.entry.ts && a.order < b.order)
      : (a: Head, b: Head) => a.entry.ts > b.entry.ts || (a.entry.ts === b.entry.ts && a.order < b.order);
  const heap: Head[] = [];
  sources.forEach((iterable, order) => {
    const source = iterable[Symbol.iterator]();
    const first = source.next();
    if (!first.done) push(heap, { entry: first.value, source, order }, before);
  });
  while (heap.length > 0) {
    const top = heap[0]!;
    yield top.entry;
    const next = top.source.next();
    if (next.done) {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        siftDown(heap, 0, before);
      }
    } else {
      top.entry = next.value;
      siftDown(heap, 0, before);
    }
  }
}

function push(heap: Head[], head: Head, before: (a: Head, b: Head) => boolean): void {
  heap.push(head);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function siftDown(heap: Head[], start: number, before: (a: Head, b: Head) => boolean): void {
  let i = start;
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let best = i;
    if (left < heap.length && before(heap[left]!, heap[best]!)) best = left;
    if (right < heap.length && before(heap[right]!, heap[best]!)) best = right;
    if (best === i) return;
    [heap[i], heap[best]] = [heap[best]!, heap[i]!];
    i = best;
  }
}

/** Drops entries equal in timestamp and line to one already yielded at the same timestamp. */
export function* dedupeEntries(sorted: Iterable<Entry>): Generator<Entry> {
  let currentTs: bigint | undefined;
  let seen = new Set<string>();
  for (const entry of sorted) {
    if (entry.ts !== currentTs) {
      currentTs = entry.ts;
      seen = new Set();
    }
    if (seen.has(entry.line)) continue;
    seen.add(entry.line);
    yield entry;
  }
}
