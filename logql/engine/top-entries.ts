// Keeps the first `limit` entries in a direction across many streams in bounded memory: a heap
// with the worst kept entry on top, so a stream read in order can stop at its first entry that
// could no longer make the cut. Optionally drops exact duplicates (same ts, labels and line).

import type { Entry, Labels } from '../../core/model.js';
import type { Direction, StreamResult } from '../types.js';
import { Heap } from './heap.js';

export interface Kept {
  readonly ts: bigint;
  readonly key: string;
  readonly labels: Labels;
  readonly line: string;
  /** The entry's structured metadata and parsed labels (both also in `labels`), when known. */
  readonly metadata?: Labels;
  readonly parsed?: Labels;
}

export type OfferResult = 'kept' | 'duplicate' | 'rejected';

export class TopEntries {
  private readonly heap: Heap<Kept>;
  /**
   * The kept entries by timestamp, when dropping duplicates: a duplicate shares its timestamp, so
   * only entries of the same instant are compared (most instants hold one), and no key string of
   * labels and line is built per entry (that cost the engine a fifth of a `limit` query).
   */
  private readonly seen: Map<bigint, Kept[]> | undefined;
  private readonly forward: boolean;

  constructor(private readonly limit: number, direction: Direction, dedupe: boolean) {
    this.forward = direction === 'forward';
    // `before` puts the worst entry on top: the latest for forward, the earliest for backward.
    this.heap = new Heap<Kept>((a, b) => this.beats(b.ts, b.key, b.line, a));
    this.seen = dedupe ? new Map() : undefined;
  }

  get full(): boolean {
    return this.heap.size >= this.limit;
  }

  /** The time of the worst entry kept once `limit` are kept (no entry beyond it can be kept); else undefined. */
  get boundary(): bigint | undefined {
    return this.limit > 0 && this.full ? this.heap.peek()!.ts : undefined;
  }

  /** True when no entry at `ts` can be kept any more; a stream in direction order may stop. */
  exhaustedAt(ts: bigint): boolean {
    if (this.limit <= 0) return true;
    if (!this.full) return false;
    const worst = this.heap.peek()!;
    return this.forward ? ts > worst.ts : ts < worst.ts;
  }

  offer(ts: bigint, key: string, labels: Labels, line: string, categories?: { readonly metadata?: Labels; readonly parsed?: Labels }): OfferResult {
    if (this.limit <= 0) return 'rejected';
    const worst = this.full ? this.heap.peek()! : undefined;
    // What cannot beat the worst kept entry goes, duplicate or not.
    if (worst !== undefined && !this.beats(ts, key, line, worst)) return 'rejected';
    const seen = this.seen;
    const same = seen?.get(ts);
    if (same !== undefined) for (const kept of same) if (kept.key === key && kept.line === line) return 'duplicate';
    const item: Kept = categories === undefined ? { ts, key, labels, line } : { ts, key, labels, line, metadata: categories.metadata, parsed: categories.parsed };
    if (worst !== undefined) {
      if (seen !== undefined) this.forget(seen, worst);
      this.heap.replaceTop(item);
    } else {
      this.heap.push(item);
    }
    if (seen !== undefined) {
      // The instant's list may be the one just read, unless forgetting the worst emptied it.
      const list = seen.get(ts);
      if (list === undefined) seen.set(ts, [item]);
      else list.push(item);
    }
    return 'kept';
  }

  private forget(seen: Map<bigint, Kept[]>, item: Kept): void {
    const list = seen.get(item.ts)!;
    if (list.length === 1) seen.delete(item.ts);
    else list.splice(list.indexOf(item), 1);
  }

  /** Whether an entry with these fields comes before `kept`: earlier (forward) or later (backward), then by labels, then line. */
  private beats(ts: bigint, key: string, line: string, kept: Kept): boolean {
    if (kept.ts !== ts) return this.forward ? kept.ts > ts : kept.ts < ts;
    if (kept.key !== key) return kept.key > key;
    return kept.line > line;
  }

  get size(): number {
    return this.heap.size;
  }

  /** The kept entries grouped into streams (sorted by labels), entries in direction order. */
  streams(): StreamResult[] {
    return groupStreams(this.ordered());
  }

  /** The kept entries, in direction order; equal timestamps by stream, then line. */
  ordered(): Kept[] {
    const items = this.heap.drain();
    const forward = this.forward;
    items.sort((a, b) => {
      if (a.ts !== b.ts) return (a.ts < b.ts) === forward ? -1 : 1;
      if (a.key !== b.key) return a.key < b.key ? -1 : 1;
      return a.line < b.line ? -1 : a.line > b.line ? 1 : 0;
    });
    return items;
  }
}

/** Entries (in direction order) grouped into streams sorted by labels. */
export function groupStreams(items: readonly Kept[]): StreamResult[] {
  const byKey = new Map<string, { labels: Labels; entries: Entry[] }>();
  for (const item of items) {
    let stream = byKey.get(item.key);
    if (stream === undefined) {
      stream = { labels: item.labels, entries: [] };
      byKey.set(item.key, stream);
    }
    if (item.metadata === undefined && item.parsed === undefined) stream.entries.push({ ts: item.ts, line: item.line });
    else {
      stream.entries.push({
        ts: item.ts,
        line: item.line,
        ...(item.metadata !== undefined ? { metadata: item.metadata } : {}),
        ...(item.parsed !== undefined ? { parsed: item.parsed } : {}),
      });
    }
  }
  return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
}
