// One stream in an ingester's memory: its chunks, newest last, and the ordering rules.
//
// Out-of-order entries are accepted within half the max chunk age of the newest entry the
// stream has seen (Loki's rule); older ones are refused with Loki's "entry too far behind".
// An entry equal in timestamp, line and structured metadata to one at the newest timestamp is a
// client retry and is dropped silently, as Loki does; one that differs only in metadata is a
// line of its own and is kept.

import { MemChunk, type MemChunkOptions } from '../../storage/chunk/mod.js';
import { internLabelSet } from '../../core/intern.js';
import { overlaps } from '../../storage/mod.js';
import { formatNs, type Entry, type Labels } from '../../core/model.js';
import type { IngesterConfig } from './config.js';
import { entryKey } from '../select/merge-entries.js';

/**
 * One chunk of a stream and where it is in its life: open, closed, flushing, flushed. Only the
 * owning `IngesterStream` changes that state (appends, `dueForFlush`, `markFlushed`,
 * `flushAbandoned`); everyone else reads it.
 */
export interface ChunkSlot {
  readonly chunk: MemChunk;
  /** Closed chunks take no more appends and wait for their flush. */
  readonly closed: boolean;
  /** Wall-clock ms of the last append, for the idle rule. */
  readonly lastAppendMs: number;
  /** Wall-clock ms when the chunk reached storage (or another ingester); undefined while unflushed. */
  readonly flushedMs: number | undefined;
  /** Set while a flush of this chunk is in flight, so two sweeps never flush it twice. */
  readonly flushing: boolean;
}

type Slot = { -readonly [K in keyof ChunkSlot]: ChunkSlot[K] };

export interface AppendResult {
  readonly appended: number;
  readonly bytes: number;
  /** Loki's message for this stream's refused entries; undefined when all were taken. */
  readonly error: string | undefined;
}

export type FlushReason = 'full' | 'idle' | 'age' | 'forced';

export class IngesterStream {
  private readonly slots: Slot[] = [];
  private newestTs = -1n;
  /**
   * The entries at `newestTs`, to spot retries. Usually one or two, compared pairwise; past
   * NEWEST_LIST_LIMIT their `entryKey`s go in a set. No key is built (a copy and a hash of the
   * line) for the common entry that is simply newer than all before it.
   */
  private newestEntries: Entry[] = [];
  private newestKeys: Set<string> | undefined;

  constructor(
    readonly tenant: string,
    readonly labels: Labels,
    readonly labelString: string,
    readonly fingerprint: string,
    private readonly config: IngesterConfig,
    /** How new chunks compress their cut blocks (the ingester's: in the background). */
    private readonly chunkOptions: MemChunkOptions = {},
  ) {}

  get newestTimestamp(): bigint {
    return this.newestTs;
  }

  /** Appends what the stream takes; with `accepted`, also lists there the entries it took (tails). */
  append(entries: readonly Entry[], nowMs: number, accepted?: Entry[]): AppendResult {
    const windowNs = BigInt(Math.floor(this.config.maxChunkAgeMs / 2)) * 1_000_000n;
    const rejections: string[] = [];
    let appended = 0;
    let bytes = 0;
    const newestBefore = this.newestEntries;
    for (const entry of entries) {
      if (entry.ts === this.newestTs && this.isNewestRetry(entry)) continue;
      if (this.newestTs >= 0n && entry.ts < this.newestTs - windowNs) {
        rejections.push(ignoredEntry(entry.ts, tooFarBehind(entry.ts, this.newestTs - windowNs)));
        continue;
      }
      const head = this.headFor(entry, nowMs);
      head.chunk.append(entry);
      head.lastAppendMs = nowMs;
      if (entry.ts > this.newestTs) {
        this.newestTs = entry.ts;
        this.newestEntries = [entry];
        this.newestKeys = undefined;
      } else if (entry.ts === this.newestTs) {
        this.addNewest(entry);
      }
      appended++;
      bytes += entry.line.length;
      accepted?.push(entry);
    }
    if (this.newestEntries !== newestBefore || this.newestEntries.length !== newestBefore.length) this.compactNewest();
    const error =
      rejections.length === 0
        ? undefined
        : `${rejections.join('\n')}\nuser '${this.tenant}', total ignored: ${rejections.length} out of ${entries.length} for stream: ${this.labelString}`;
    return { appended, bytes, error };
  }

  /**
   * The kept newest entries share their metadata with the head block's (interned) copy, so the
   * decoded push they came in, with its own metadata arrays, is not held for every stream.
   */
  private compactNewest(): void {
    const list = this.newestEntries;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      if (entry.metadata !== undefined && !Object.isFrozen(entry.metadata)) {
        list[i] = entry.metadata.length === 0 ? { ts: entry.ts, line: entry.line } : { ts: entry.ts, line: entry.line, metadata: internLabelSet(entry.metadata) };
      }
    }
  }

  private isNewestRetry(entry: Entry): boolean {
    if (this.newestKeys !== undefined) return this.newestKeys.has(entryKey(entry));
    for (const seen of this.newestEntries) if (sameEntry(seen, entry)) return true;
    return false;
  }

  private addNewest(entry: Entry): void {
    if (this.newestKeys !== undefined) {
      this.newestKeys.add(entryKey(entry));
      return;
    }
    this.newestEntries.push(entry);
    if (this.newestEntries.length > NEWEST_LIST_LIMIT) {
      this.newestKeys = new Set(this.newestEntries.map(entryKey));
      this.newestEntries = [];
    }
  }

  /** Chunks due for a flush now; each one returned is closed and marked as flushing. */
  dueForFlush(nowMs: number, force: boolean): Array<{ slot: ChunkSlot; reason: FlushReason }> {
    const due: Array<{ slot: ChunkSlot; reason: FlushReason }> = [];
    const maxAgeNs = BigInt(this.config.maxChunkAgeMs) * 1_000_000n;
    for (const slot of this.slots) {
      if (slot.flushedMs !== undefined || slot.flushing || slot.chunk.entryCount === 0) continue;
      let reason: FlushReason | undefined;
      if (force) reason = 'forced';
      else if (slot.closed) reason = 'full';
      else if (nowMs - slot.lastAppendMs >= this.config.chunkIdleMs) reason = 'idle';
      else if (slot.chunk.maxTs - slot.chunk.minTs >= maxAgeNs) reason = 'age';
      if (reason === undefined) continue;
      slot.closed = true;
      slot.flushing = true;
      due.push({ slot, reason });
    }
    return due;
  }

  /**
   * The chunk reached storage, or another ingester took it in a handoff: it is closed for
   * appends and kept only for the retain period, for reads.
   */
  markFlushed(chunk: ChunkSlot, nowMs: number): void {
    const slot = this.own(chunk);
    slot.closed = true;
    slot.flushing = false;
    slot.flushedMs = nowMs;
  }

  /** A flush in flight gave up (shutdown): the chunk is unflushed again, for a later flush or handoff. */
  flushAbandoned(chunk: ChunkSlot): void {
    this.own(chunk).flushing = false;
  }

  /** Non-empty chunks with entries in [from, through), oldest first. */
  chunksIn(from: bigint, through: bigint): ChunkSlot[] {
    return this.slots.filter((slot) => slot.chunk.entryCount > 0 && overlaps(slot.chunk.minTs, slot.chunk.maxTs, from, through));
  }

  /** Non-empty chunks not yet in storage, oldest first: what a handoff or checkpoint must carry. */
  unflushed(): ChunkSlot[] {
    return this.slots.filter((slot) => slot.flushedMs === undefined && slot.chunk.entryCount > 0);
  }

  /** Every chunk in memory, oldest first (a copy: retiring a chunk never disturbs a walk over it). */
  allChunks(): ChunkSlot[] {
    return [...this.slots];
  }

  get chunkCount(): number {
    return this.slots.length;
  }

  /** Drops flushed chunks once their retain period is over. */
  dropRetired(nowMs: number): void {
    for (let i = this.slots.length - 1; i >= 0; i--) {
      const slot = this.slots[i]!;
      if (slot.flushedMs !== undefined && nowMs - slot.flushedMs >= this.config.retainFlushedMs) {
        this.slots.splice(i, 1);
      }
    }
  }

  /** No chunks left in memory: the stream can be forgotten. */
  get isEmpty(): boolean {
    return this.slots.length === 0;
  }

  get unflushedEntries(): number {
    let count = 0;
    for (const slot of this.slots) if (slot.flushedMs === undefined) count += slot.chunk.entryCount;
    return count;
  }

  private own(chunk: ChunkSlot): Slot {
    const slot = this.slots.find((candidate) => candidate === chunk);
    if (slot === undefined) throw new Error(`chunk is not one of stream ${this.labelString}'s`);
    return slot;
  }

  private headFor(entry: Entry, nowMs: number): Slot {
    const head = this.slots[this.slots.length - 1];
    if (head !== undefined && !head.closed && !head.flushing && head.flushedMs === undefined) {
      if (head.chunk.entryCount === 0 || head.chunk.hasSpaceFor(entry)) return head;
      head.closed = true;
    }
    const slot: Slot = {
      chunk: new MemChunk({
        blockSizeBytes: this.config.blockSizeBytes,
        targetSizeBytes: this.config.targetChunkBytes,
        encoding: this.config.chunkEncoding,
        format: this.config.chunkFormat,
      }, this.chunkOptions),
      closed: false,
      lastAppendMs: nowMs,
      flushedMs: undefined,
      flushing: false,
    };
    this.slots.push(slot);
    return slot;
  }
}

const NEWEST_LIST_LIMIT = 8;

/** Equal line and metadata (timestamps already equal); no metadata and empty metadata are equal. */
function sameEntry(a: Entry, b: Entry): boolean {
  if (a.line !== b.line) return false;
  const am = a.metadata ?? [];
  const bm = b.metadata ?? [];
  if (am.length !== bm.length) return false;
  for (let i = 0; i < am.length; i++) if (am[i]!.name !== bm[i]!.name || am[i]!.value !== bm[i]!.value) return false;
  return true;
}

function ignoredEntry(ts: bigint, reason: string): string {
  return `entry with timestamp ${formatNs(ts)} ignored, reason: '${reason}',`;
}

export function tooFarBehind(ts: bigint, oldest: bigint): string {
  return `entry too far behind, entry timestamp is: ${formatRfc3339(ts)}, oldest acceptable timestamp is: ${formatRfc3339(oldest)}`;
}

function formatRfc3339(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
