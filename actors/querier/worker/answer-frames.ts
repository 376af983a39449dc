// A sub-query's answer cut into bus frames and put back together. A 5,000-line log result or a
// day of many series at a fine step is far larger than one message may be, so the querier sends
// it in pieces under the bus's `max_payload` (sizes are upper estimates of the MessagePack
// encoding, as the ingesters' frames are), cutting a long stream or series between entries or
// points; the gateway joins the pieces back into exactly the answer the querier computed.

import type { Entry, Labels } from '../../../core/model.js';
import type { Point, QueryResponse, SeriesResult, StreamResult, VectorSample } from '../../../logql/types.js';
import { frameBudget } from '../../select/frames.js';
import { labelsBytes } from '../../select/sample-batch.js';
import type { QueryJobFrame } from './protocol.js';

/** A point is a map of two numbers: header, two one-letter keys, two 9-byte numbers, with room. */
const POINT_BYTES = 28;
/** A stream or series wrapper: map header, keys, array headers. */
const ITEM_OVERHEAD_BYTES = 32;

function entryBytes(entry: Entry): number {
  let size = 40 + Buffer.byteLength(entry.line);
  if (entry.metadata !== undefined) size += labelsBytes(entry.metadata);
  if (entry.parsed !== undefined) size += labelsBytes(entry.parsed);
  return size;
}

interface Piece<T> {
  readonly item: T;
  /** This piece goes on the previous piece's item. */
  readonly continues: boolean;
  readonly bytes: number;
}

/** Cuts each item's list (entries, points) into pieces of at most `budget` bytes. */
function* pieces<T, E>(
  items: readonly T[],
  labelsOf: (item: T) => Labels,
  listOf: (item: T) => readonly E[],
  sizeOf: (element: E) => number,
  rebuild: (item: T, list: E[]) => T,
  budget: number,
): Generator<Piece<T>> {
  for (const item of items) {
    const fixed = ITEM_OVERHEAD_BYTES + labelsBytes(labelsOf(item));
    let list: E[] = [];
    let size = fixed;
    let continues = false;
    for (const element of listOf(item)) {
      const bytes = sizeOf(element);
      if (list.length > 0 && size + bytes > budget) {
        yield { item: rebuild(item, list), continues, bytes: size };
        continues = true;
        list = [];
        size = fixed;
      }
      list.push(element);
      size += bytes;
    }
    if (list.length > 0 || !continues) yield { item: rebuild(item, list), continues, bytes: size };
  }
}

/**
 * Groups pieces into frames of at most `budget` bytes. A piece that continues its item always
 * opens a frame (it was cut because the frame was full), so a frame says so of its first one.
 */
function* grouped<T>(all: Iterable<Piece<T>>, budget: number): Generator<{ items: T[]; continues: boolean }> {
  let items: T[] = [];
  let continues = false;
  let size = 0;
  for (const piece of all) {
    if (items.length > 0 && (piece.continues || size + piece.bytes > budget)) {
      yield { items, continues };
      items = [];
      size = 0;
    }
    if (items.length === 0) continues = piece.continues;
    items.push(piece.item);
    size += piece.bytes;
  }
  if (items.length > 0) yield { items, continues };
}

/** The frames that carry `response` within `maxPayloadBytes` each, `done` last. */
export function* answerFrames(response: QueryResponse, maxPayloadBytes: number): Generator<QueryJobFrame> {
  const budget = frameBudget(maxPayloadBytes);
  const { data, stats } = response;
  switch (data.resultType) {
    case 'streams': {
      const all = pieces<StreamResult, Entry>(data.result, (s) => s.labels, (s) => s.entries, entryBytes, (s, entries) => ({ labels: s.labels, entries }), budget);
      for (const frame of grouped(all, budget)) yield { kind: 'streams', streams: frame.items, ...(frame.continues ? { continues: true } : {}) };
      yield { kind: 'done', resultType: 'streams', stats };
      return;
    }
    case 'matrix': {
      const all = pieces<SeriesResult, Point>(data.result, (s) => s.metric, (s) => s.points, () => POINT_BYTES, (s, points) => ({ metric: s.metric, points }), budget);
      for (const frame of grouped(all, budget)) yield { kind: 'series', series: frame.items, ...(frame.continues ? { continues: true } : {}) };
      yield { kind: 'done', resultType: 'matrix', stats };
      return;
    }
    case 'vector': {
      let samples: VectorSample[] = [];
      let size = 0;
      for (const sample of data.result) {
        const bytes = ITEM_OVERHEAD_BYTES + labelsBytes(sample.metric) + POINT_BYTES;
        if (samples.length > 0 && size + bytes > budget) {
          yield { kind: 'vector', samples };
          samples = [];
          size = 0;
        }
        samples.push(sample);
        size += bytes;
      }
      if (samples.length > 0) yield { kind: 'vector', samples };
      yield { kind: 'done', resultType: 'vector', stats };
      return;
    }
    case 'scalar':
      yield { kind: 'done', resultType: 'scalar', stats, scalar: data.result };
  }
}

/** Joins frames back into the answer; `add` takes each frame in order, `result` after `done`. */
export class AnswerAssembler {
  private readonly streams: StreamResult[] = [];
  private readonly series: SeriesResult[] = [];
  private readonly samples: VectorSample[] = [];
  private finished: QueryResponse | undefined;

  add(frame: QueryJobFrame): void {
    switch (frame.kind) {
      case 'working':
        return;
      case 'streams':
        appendPieces(this.streams, frame.streams, frame.continues === true, (a, b) => ({ labels: a.labels, entries: a.entries.concat(b.entries) }));
        return;
      case 'series':
        appendPieces(this.series, frame.series, frame.continues === true, (a, b) => ({ metric: a.metric, points: a.points.concat(b.points) }));
        return;
      case 'vector':
        for (const sample of frame.samples) this.samples.push(sample);
        return;
      case 'done':
        this.finished = { data: this.data(frame), stats: frame.stats };
    }
  }

  /** The whole answer, once `done` arrived; undefined before. */
  get result(): QueryResponse | undefined {
    return this.finished;
  }

  private data(done: Extract<QueryJobFrame, { kind: 'done' }>): QueryResponse['data'] {
    switch (done.resultType) {
      case 'streams':
        return { resultType: 'streams', result: this.streams };
      case 'matrix':
        return { resultType: 'matrix', result: this.series };
      case 'vector':
        return { resultType: 'vector', result: this.samples };
      case 'scalar':
        return { resultType: 'scalar', result: done.scalar ?? { t: 0, v: 0 } };
    }
  }
}

function appendPieces<T>(into: T[], items: readonly T[], continues: boolean, join: (a: T, b: T) => T): void {
  items.forEach((item, i) => {
    if (i === 0 && continues && into.length > 0) into[into.length - 1] = join(into[into.length - 1]!, item);
    else into.push(item);
  });
}
