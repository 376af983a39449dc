// One stream in an ingester's memory: its chunks, newest last, and the ordering rules.
//
// Out-of-order entries are accepted within half the max chunk age of the newest entry the
// stream has seen (Loki's rule); older ones are refused with Loki's "entry too far behind".
// An entry equal in timestamp and line to the newest one is a client retry and is dropped
// silently, as Loki does.

import { MemChunk } from '../../storage/chunk/mod.js';
import type { Entry, Labels } from '../../core/model.js';
import type { IngesterConfig } from './config.js';

export interface ChunkSlot {
  readonly chunk: MemChunk;
  /** Closed chunks take no more appends and wait for their flush. */
  closed: boolean;
  /** Wall-clock ms of the last append, for the idle rule. */
  lastAppendMs: number;
  /** Wall-clock ms when the chunk reached storage; undefined while unflushed. */
  flushedMs: number | undefined;
  /** Set while a flush of this chunk is in flight, so two sweeps never flush it twice. */
  flushing: boolean;
}

export interface AppendResult {
  readonly appended: number;
  readonly bytes: number;
  /** Loki's message for this stream's refused entries; undefined when all were taken. */
  readonly error: string | undefined;
}

export type FlushReason = 'full' | 'idle' | 'age' | 'forced';

export class IngesterStream {
  readonly chunks: ChunkSlot[] = [];
  private newestTs = -1n;
  private newestLine = '';

  constructor(
    readonly tenant: string,
    readonly labels: Labels,
    readonly labelString: string,
    readonly fingerprint: string,
    private readonly config: IngesterConfig,
  ) {}

  get newestTimestamp(): bigint {
    return this.newestTs;
  }

  append(entries: readonly Entry[], nowMs: number): AppendResult {
    const windowNs = BigInt(Math.floor(this.config.maxChunkAgeMs / 2)) * 1_000_000n;
    const rejections: string[] = [];
    let appended = 0;
    let bytes = 0;
    for (const entry of entries) {
      if (entry.ts === this.newestTs && entry.line === this.newestLine) continue;
      if (this.newestTs >= 0n && entry.ts < this.newestTs - windowNs) {
        rejections.push(ignoredEntry(entry.ts, tooFarBehind(entry.ts, this.newestTs - windowNs)));
        continue;
      }
      const head = this.headFor(entry, nowMs);
      head.chunk.append(entry);
      head.lastAppendMs = nowMs;
      if (entry.ts > this.newestTs) {
        this.newestTs = entry.ts;
        this.newestLine = entry.line;
      }
      appended++;
      bytes += entry.line.length;
    }
    const error =
      rejections.length === 0
        ? undefined
        : `${rejections.join('\n')}\nuser '${this.tenant}', total ignored: ${rejections.length} out of ${entries.length} for stream: ${this.labelString}`;
    return { appended, bytes, error };
  }

  /** Chunks due for a flush now, closing each one it returns. */
  dueForFlush(nowMs: number, force: boolean): Array<{ slot: ChunkSlot; reason: FlushReason }> {
    const due: Array<{ slot: ChunkSlot; reason: FlushReason }> = [];
    const maxAgeNs = BigInt(this.config.maxChunkAgeMs) * 1_000_000n;
    for (const slot of this.chunks) {
      if (slot.flushedMs !== undefined || slot.flushing || slot.chunk.entryCount === 0) continue;
      let reason: FlushReason | undefined;
      if (force) reason = 'forced';
      else if (slot.closed) reason = 'full';
      else if (nowMs - slot.lastAppendMs >= this.config.chunkIdleMs) reason = 'idle';
      else if (slot.chunk.maxTs - slot.chunk.minTs >= maxAgeNs) reason = 'age';
      if (reason === undefined) continue;
      slot.closed = true;
      due.push({ slot, reason });
    }
    return due;
  }

  /** Drops flushed chunks once their retain period is over. */
  dropRetired(nowMs: number): void {
    for (let i = this.chunks.length - 1; i >= 0; i--) {
      const slot = this.chunks[i]!;
      if (slot.flushedMs !== undefined && nowMs - slot.flushedMs >= this.config.retainFlushedMs) {
        this.chunks.splice(i, 1);
      }
    }
  }

  /** No chunks left in memory: the stream can be forgotten. */
  get isEmpty(): boolean {
    return this.chunks.length === 0;
  }

  get unflushedEntries(): number {
    let count = 0;
    for (const slot of this.chunks) if (slot.flushedMs === undefined) count += slot.chunk.entryCount;
    return count;
  }

  private headFor(entry: Entry, nowMs: number): ChunkSlot {
    const head = this.chunks[this.chunks.length - 1];
    if (head !== undefined && !head.closed && !head.flushing && head.flushedMs === undefined) {
      if (head.chunk.entryCount === 0 || head.chunk.hasSpaceFor(entry)) return head;
      head.closed = true;
    }
    const slot: ChunkSlot = {
      chunk: new MemChunk({
        blockSizeBytes: this.config.blockSizeBytes,
        targetSizeBytes: this.config.targetChunkBytes,
        encoding: this.config.chunkEncoding,
      }),
      closed: false,
      lastAppendMs: nowMs,
      flushedMs: undefined,
      flushing: false,
    };
    this.chunks.push(slot);
    return slot;
  }
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

/** Go's time.Time %v form, used by Loki's per-entry messages. */
export function formatNs(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  const nanos = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${nanos ? '.' + nanos : ''} +0000 UTC`;
}
