// Live tailing fed by the ingesters: every line they accept that the query selects is pushed
// here as it is appended (actors/querier/live-tail.ts), whatever its timestamp, so lines that
// arrive late or with lagging timestamps are delivered too. The order of a start:
//   1. subscribe on the ingesters (from then on nothing accepted is missed),
//   2. send the historical batch, then catch up on what came between it and the subscription,
//   3. deliver the live lines, each held `delay_for` so late pushes can sort in before it.
// Replicas send each line once each, and the catch-up overlaps the live feed: a line goes out
// once (timestamp, labels and line remembered for a few minutes). A client too slow to take
// what comes (its socket holding more than `maxBufferedBytes`) gets the lines it missed listed in
// Loki's `dropped_entries` in the next message, instead of the process buffering without bound.

import type { WebSocket } from 'ws';
import type { LiveTail } from '../actors/querier/api.js';
import { labelsToString, type Entry, type Labels } from '../core/model.js';
import type { StreamResult } from '../logql/types.js';
import { renderTailMessage, type DroppedEntry } from './render.js';
import { catchUpQuery, countEntries, type TailRuntime, type TailSpec } from './tail.js';

/** How often held lines are looked at for sending. */
const FLUSH_INTERVAL_MS = 100;
const PING_INTERVAL_MS = 15_000;
/** Loki lists at most this many dropped entries in one message. */
const MAX_DROPPED_PER_MESSAGE = 1_000;
/** Lines sent are remembered this long (two generations of it) to send each once. */
const SEEN_GENERATION_MS = 120_000;

interface Held {
  readonly arrivedMs: number;
  readonly labels: Labels;
  readonly labelString: string;
  readonly entry: Entry;
}

export class LiveTailer {
  private seen = new Set<string>();
  private previousSeen = new Set<string>();
  private held: Held[] = [];
  private dropped: DroppedEntry[] = [];
  private live: LiveTail | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly spec: TailSpec,
    private readonly runtime: TailRuntime,
    private readonly cursor: bigint,
  ) {
    socket.on('close', () => void this.stop());
  }

  async start(initial: readonly StreamResult[]): Promise<void> {
    const { service } = this.runtime;
    try {
      this.live = await service.tail!(this.spec.tenant, this.spec.query, {
        onStreams: (streams) => this.hold(streams),
        onError: (error) => this.close(1011, error.message),
      });
      if (this.closed) return void this.live.close();
      this.sendFresh(initial);
      // Lines accepted between the historical batch and the subscription.
      const missed = await catchUpQuery(this.spec, this.runtime, this.cursor);
      if (this.closed) return;
      this.sendFresh(missed);
    } catch (error) {
      this.runtime.logger.warn({ err: error, tenant: this.spec.tenant }, 'live tail failed to start');
      this.close(1011, (error as Error).message ?? 'tail failed');
      return;
    }
    this.timers.push(
      setInterval(() => this.flush(), FLUSH_INTERVAL_MS),
      setInterval(() => this.socket.ping(), PING_INTERVAL_MS),
      setInterval(() => this.rotateSeen(), SEEN_GENERATION_MS),
      setTimeout(() => this.close(1000, 'reached tail max duration limit'), this.runtime.maxDurationMs),
    );
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    await this.live?.close().catch((error: unknown) => this.runtime.logger.warn({ err: error }, 'closing a live tail failed'));
  }

  private close(code: number, reason: string): void {
    void this.stop();
    // A close reason must fit a control frame (123 bytes).
    this.socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
  }

  /** Remembers a line as sent; false when it was sent already. */
  private firstTime(labelString: string, entry: Entry): boolean {
    const key = entry.ts.toString() + '\u0000' + labelString + '\u0000' + entry.line;
    if (this.seen.has(key) || this.previousSeen.has(key)) return false;
    this.seen.add(key);
    return true;
  }

  private rotateSeen(): void {
    this.previousSeen = this.seen;
    this.seen = new Set();
  }

  private hold(streams: readonly StreamResult[]): void {
    if (this.closed) return;
    const arrivedMs = Date.now();
    for (const stream of streams) {
      const labelString = labelsToString(stream.labels);
      for (const entry of stream.entries) {
        if (this.firstTime(labelString, entry)) this.held.push({ arrivedMs, labels: stream.labels, labelString, entry });
      }
    }
  }

  /** Sends lines not sent yet (the historical batch, the catch-up). */
  private sendFresh(streams: readonly StreamResult[]): void {
    const fresh: StreamResult[] = [];
    for (const stream of streams) {
      const labelString = labelsToString(stream.labels);
      const entries = stream.entries.filter((entry) => this.firstTime(labelString, entry));
      if (entries.length > 0) fresh.push({ labels: stream.labels, entries });
    }
    if (countEntries(fresh) > 0) this.deliver(fresh);
  }

  /** Sends the held lines whose `delay_for` has passed, oldest timestamp first. */
  private flush(): void {
    if (this.closed) return;
    // Lines dropped while the client was behind are reported as soon as it caught up.
    if (this.dropped.length > 0 && this.held.length === 0 && this.socket.bufferedAmount <= this.runtime.maxBufferedBytes) this.deliver([]);
    if (this.held.length === 0) return;
    const dueBefore = Date.now() - Number(this.spec.delayForNs / 1_000_000n);
    const due = this.held.filter((held) => held.arrivedMs <= dueBefore);
    if (due.length === 0) return;
    this.held = this.held.filter((held) => held.arrivedMs > dueBefore);
    due.sort((a, b) => (a.entry.ts < b.entry.ts ? -1 : a.entry.ts > b.entry.ts ? 1 : 0));
    const byStream = new Map<string, StreamResult>();
    for (const held of due) {
      let stream = byStream.get(held.labelString);
      if (stream === undefined) byStream.set(held.labelString, (stream = { labels: held.labels, entries: [] }));
      stream.entries.push(held.entry);
    }
    this.deliver([...byStream.values()]);
  }

  private deliver(streams: StreamResult[]): void {
    if (this.socket.bufferedAmount > this.runtime.maxBufferedBytes) {
      for (const stream of streams) {
        for (const entry of stream.entries) {
          if (this.dropped.length < MAX_DROPPED_PER_MESSAGE) this.dropped.push({ labels: stream.labels, ts: entry.ts });
        }
      }
      this.runtime.onDropped?.(countEntries(streams));
      return;
    }
    const dropped = this.dropped;
    this.dropped = [];
    this.socket.send(renderTailMessage(streams, this.spec.render, dropped));
  }
}
