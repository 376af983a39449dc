// Live tailing over a websocket (`/loki/api/v1/tail`): one historical batch (the newest `limit`
// entries since `start`), then the live lines. A query service that offers `tail` feeds them
// from the ingesters as they are accepted (live-tailer.ts). For one that does not, the Tailer
// here polls every interval for entries in [cursor, now - delay_for), forward; a cursor
// (timestamp + the entries already sent at that timestamp) makes each entry go out once, and
// entries that arrive with a timestamp older than the cursor are not sent.

import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { QueryService } from '../actors/querier/api.js';
import type { QueryParams, StreamResult } from '../logql/types.js';
import { labelsToString, type Entry } from '../core/model.js';
import { badRequest } from './errors.js';
import type { Clock } from './query-params.js';
import { renderTailMessage, type RenderOptions } from './render.js';

export interface TailSpec {
  readonly tenant: string;
  readonly query: string;
  readonly start: bigint;
  readonly limit: number;
  readonly delayForNs: bigint;
  readonly render: RenderOptions;
}

export interface TailRuntime {
  readonly service: QueryService;
  readonly now: Clock;
  readonly logger: Logger;
  readonly pollIntervalMs: number;
  readonly maxDurationMs: number;
  /** Bytes queued on a client's socket past which lines are dropped (live tails) or polls wait. */
  readonly maxBufferedBytes: number;
  /** Counts lines a slow client could not take (they are listed in `dropped_entries`). */
  readonly onDropped?: (lines: number) => void;
}

/** Entries fetched per poll; a fuller poll is followed at once by the next one. */
const POLL_BATCH = 1000;
/** Quiet tails still send a ping this often, so proxies do not drop an idle connection. */
const PING_INTERVAL_MS = 15_000;

function entryKey(stream: StreamResult, entry: Entry): string {
  return entry.ts.toString() + '\u0000' + labelsToString(stream.labels) + '\u0000' + entry.line;
}

function params(spec: TailSpec, start: bigint, end: bigint, limit: number, direction: 'forward' | 'backward'): QueryParams {
  return { tenant: spec.tenant, query: spec.query, start, end, step: 0n, interval: 0n, limit, direction, kind: 'range' };
}

async function fetchStreams(runtime: TailRuntime, query: QueryParams): Promise<StreamResult[]> {
  const response = await runtime.service.query(query);
  if (response.data.resultType !== 'streams') throw badRequest('tail requires a log query, not a metric query');
  return response.data.result;
}

/** The historical batch, fetched before the websocket upgrade so query errors answer as HTTP. */
export async function historicalBatch(spec: TailSpec, runtime: TailRuntime): Promise<{ streams: StreamResult[]; end: bigint }> {
  const end = runtime.now() - spec.delayForNs;
  if (end <= spec.start) return { streams: [], end: spec.start };
  const streams = await fetchStreams(runtime, params(spec, spec.start, end, spec.limit, 'backward'));
  // Tail sends oldest first.
  const ascending = streams.map((stream) => ({
    labels: stream.labels,
    entries: [...stream.entries].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0)),
  }));
  return { streams: ascending, end };
}

export function countEntries(streams: readonly StreamResult[]): number {
  return streams.reduce((sum, stream) => sum + stream.entries.length, 0);
}

/** Catch-up reads stop after this many batches: they cover the moments a tail takes to start. */
const MAX_CATCH_UP_BATCHES = 100;

/**
 * Everything from `cursor` to now, forward, in batches: what was accepted between a tail's
 * historical batch and its live subscription. Batches overlap at their boundary timestamp; the
 * caller sends each line once.
 */
export async function catchUpQuery(spec: TailSpec, runtime: TailRuntime, cursor: bigint): Promise<StreamResult[]> {
  const out: StreamResult[] = [];
  let start = cursor;
  const end = runtime.now() + 1n;
  for (let batch = 0; batch < MAX_CATCH_UP_BATCHES && start < end; batch++) {
    const streams = await fetchStreams(runtime, params(spec, start, end, POLL_BATCH, 'forward'));
    out.push(...streams);
    if (countEntries(streams) < POLL_BATCH) break;
    let newest = start;
    for (const stream of streams) for (const entry of stream.entries) if (entry.ts > newest) newest = entry.ts;
    start = newest > start ? newest : start + 1n;
  }
  return out;
}

export class Tailer {
  private cursor: bigint;
  private seenAtCursor = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly spec: TailSpec,
    private readonly runtime: TailRuntime,
    cursor: bigint,
  ) {
    this.cursor = cursor;
    socket.on('close', () => this.stop());
    this.deadline = setTimeout(() => this.close(1000, 'reached tail max duration limit'), runtime.maxDurationMs);
    this.pinger = setInterval(() => socket.ping(), PING_INTERVAL_MS);
  }

  start(initial: readonly StreamResult[]): void {
    if (countEntries(initial) > 0) this.send(initial);
    this.schedule(this.runtime.pollIntervalMs);
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    clearInterval(this.pinger);
  }

  private close(code: number, reason: string): void {
    this.stop();
    // A close reason must fit a control frame (123 bytes).
    this.socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
  }

  private send(streams: readonly StreamResult[]): void {
    this.socket.send(renderTailMessage(streams, this.spec.render));
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.poll().then(
        (full) => this.schedule(full ? 0 : this.runtime.pollIntervalMs),
        (error: unknown) => {
          this.runtime.logger.warn({ err: error, tenant: this.spec.tenant }, 'tail query failed');
          this.close(1011, (error as Error).message ?? 'tail query failed');
        },
      );
    }, delayMs);
  }

  /** One poll; true when it filled a batch and more may be waiting. */
  private async poll(): Promise<boolean> {
    if (this.closed || this.socket.bufferedAmount > this.runtime.maxBufferedBytes) return false;
    const end = this.runtime.now() - this.spec.delayForNs;
    if (end <= this.cursor) return false;
    const streams = await fetchStreams(this.runtime, params(this.spec, this.cursor, end, POLL_BATCH, 'forward'));
    if (this.closed) return false;
    const fetched = countEntries(streams);
    const fresh: StreamResult[] = [];
    let newestFetched = this.cursor;
    for (const stream of streams) {
      const entries = stream.entries.filter((entry) => entry.ts > this.cursor || !this.seenAtCursor.has(entryKey(stream, entry)));
      for (const entry of stream.entries) if (entry.ts > newestFetched) newestFetched = entry.ts;
      if (entries.length > 0) fresh.push({ labels: stream.labels, entries });
    }
    if (fetched < POLL_BATCH) {
      // Everything before `end` has been seen.
      this.cursor = end;
      this.seenAtCursor = new Set();
    } else if (newestFetched > this.cursor) {
      // A full batch may have cut the newest timestamp short: resume there, skipping what was sent.
      const seen = new Set<string>();
      for (const stream of streams) for (const entry of stream.entries) if (entry.ts === newestFetched) seen.add(entryKey(stream, entry));
      this.cursor = newestFetched;
      this.seenAtCursor = seen;
    } else if (fresh.length > 0) {
      for (const stream of fresh) for (const entry of stream.entries) this.seenAtCursor.add(entryKey(stream, entry));
    } else {
      // A full batch of one timestamp, all sent already: step past it rather than loop on it.
      this.cursor += 1n;
      this.seenAtCursor = new Set();
    }
    if (fresh.length > 0) this.send(fresh);
    return fetched >= POLL_BATCH;
  }
}
