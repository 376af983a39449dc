// Cuts query answers into frames that fit one bus message. Sizes are upper estimates of the
// MessagePack encoding (strings counted in UTF-8 bytes), so a frame built under a budget below
// the bus's `max_payload` always fits; a single item larger than the budget gets a frame of its
// own, and the bus then refuses it with its payload error rather than cutting a line.

import type { Entry } from '../../core/model.js';
import type { StreamResult } from '../../logql/types.js';
import { labelsBytes } from './sample-batch.js';

/** The part of a bus message's `max_payload` a frame's items may fill (the rest: keys, stats, headers). */
export function frameBudget(maxPayloadBytes: number): number {
  return Math.max(1024, Math.floor(maxPayloadBytes * 0.9) - 4096);
}

/** Groups items into frames of at most `budgetBytes` by `sizeOf`. */
export function* framesOf<T>(items: Iterable<T>, sizeOf: (item: T) => number, budgetBytes: number): Generator<T[]> {
  let frame: T[] = [];
  let size = 0;
  for (const item of items) {
    const itemSize = sizeOf(item);
    if (frame.length > 0 && size + itemSize > budgetBytes) {
      yield frame;
      frame = [];
      size = 0;
    }
    frame.push(item);
    size += itemSize;
  }
  if (frame.length > 0) yield frame;
}

export function entryBytes(entry: Entry): number {
  let size = 32 + Buffer.byteLength(entry.line);
  if (entry.metadata !== undefined) size += labelsBytes(entry.metadata);
  return size;
}

/** Streams cut into pieces of at most `budgetBytes` each, so one huge stream still fits in frames. */
export function* splitStreams(streams: Iterable<StreamResult>, budgetBytes: number): Generator<{ stream: StreamResult; bytes: number }> {
  for (const stream of streams) {
    const fixed = labelsBytes(stream.labels) + 16;
    let entries: Entry[] = [];
    let size = fixed;
    for (const entry of stream.entries) {
      const bytes = entryBytes(entry);
      if (entries.length > 0 && size + bytes > budgetBytes) {
        yield { stream: { labels: stream.labels, entries }, bytes: size };
        entries = [];
        size = fixed;
      }
      entries.push(entry);
      size += bytes;
    }
    if (entries.length > 0) yield { stream: { labels: stream.labels, entries }, bytes: size };
  }
}
