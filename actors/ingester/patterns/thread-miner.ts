// Pattern mining on its own thread. The push path appends each stream's lines to a batch that is
// posted once per turn of the event loop, so a push pays for copying its lines, not for Drain.
// If the thread falls behind by more than `maxBacklogLines`, new lines are not mined (counted as
// dropped): patterns are a sample of the traffic, and a push must never wait for them. A thread
// that dies is replaced on the next batch; the patterns it held are gone, the node carries on.

import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Entry, Labels } from '../../../core/model.js';
import { workerEntry } from '../../../core/worker-entry.js';
import { NornError } from '../../../core/errors.js';
import type { PatternMiner, PatternQueryRange } from './miner.js';
import type { StreamPatterns } from './store.js';
import type { FromMiner, Observed, ToMiner } from './thread-protocol.js';

export interface ThreadMinerOptions {
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Lines posted but not yet mined beyond which new lines are dropped. */
  readonly maxBacklogLines?: number;
  /** Called with the number of lines dropped. */
  readonly onDropped?: (lines: number) => void;
}

const DEFAULT_MAX_BACKLOG_LINES = 200_000;

interface PendingQuery {
  readonly resolve: (patterns: StreamPatterns[]) => void;
  readonly reject: (error: Error) => void;
}

export class ThreadPatternMiner implements PatternMiner {
  private thread: Worker | undefined;
  private batch: Observed[] = [];
  /** The memory of the batch's encoded pushes, moved to the thread with it. */
  private transfers: ArrayBuffer[] = [];
  private batchLines = 0;
  private scheduled = false;
  private backlogLines = 0;
  private nextQueryId = 1;
  private readonly queries = new Map<number, PendingQuery>();
  private closed = false;
  private readonly now: () => number;
  private readonly maxBacklogLines: number;

  constructor(private readonly options: ThreadMinerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxBacklogLines = options.maxBacklogLines ?? DEFAULT_MAX_BACKLOG_LINES;
  }

  observe(tenant: string, labelString: string, labels: Labels, entries: readonly Entry[]): void {
    if (this.closed || entries.length === 0) return;
    if (this.backlogLines + this.batchLines + entries.length > this.maxBacklogLines) {
      this.options.onDropped?.(entries.length);
      return;
    }
    const timesMs = new Array<number>(entries.length);
    const lines = new Array<string>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      timesMs[i] = Number(entry.ts / 1_000_000n);
      lines[i] = entry.line;
    }
    this.add({ tenant, labelString, labels, timesMs, lines }, entries.length);
  }

  /**
   * A whole push in its binary form (as the WAL logs it), holding `lines` entries: the push thread
   * copies its bytes once instead of cloning every line, and the mining thread decodes it.
   */
  observePush(encoded: Uint8Array, lines: number, giveUp: boolean): void {
    if (this.closed || lines === 0) return;
    if (this.backlogLines + this.batchLines + lines > this.maxBacklogLines) {
      this.options.onDropped?.(lines);
      return;
    }
    // Posted bytes are moved, not copied (a copy of a push cost the push thread a few percent in
    // bench:push): the caller's memory when it gives it up, else a copy of exactly these bytes
    // (cloning a view would copy its whole underlying buffer).
    const owned = giveUp && encoded.buffer instanceof ArrayBuffer ? encoded : new Uint8Array(encoded);
    this.transfers.push(owned.buffer as ArrayBuffer);
    this.add({ encoded: owned, lines }, lines);
  }

  private add(item: Observed, lines: number): void {
    this.batch.push(item);
    this.batchLines += lines;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.postBatch());
    }
  }

  query(range: PatternQueryRange): Promise<StreamPatterns[]> {
    if (this.closed) return Promise.resolve([]);
    // The batch goes first: messages arrive in order, so the answer includes every line observed.
    this.postBatch();
    const id = this.nextQueryId++;
    return new Promise<StreamPatterns[]>((resolve, reject) => {
      this.queries.set(id, { resolve, reject });
      this.post({ kind: 'query', id, nowMs: this.now(), range });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.batch = [];
    this.transfers = [];
    const thread = this.thread;
    this.thread = undefined;
    this.failQueries('pattern miner closed');
    if (thread !== undefined) await thread.terminate();
  }

  private postBatch(): void {
    this.scheduled = false;
    if (this.batch.length === 0 || this.closed) return;
    const streams = this.batch;
    const transfers = this.transfers;
    this.backlogLines += this.batchLines;
    this.batch = [];
    this.transfers = [];
    this.batchLines = 0;
    this.post({ kind: 'observe', nowMs: this.now(), streams }, transfers);
  }

  private post(message: ToMiner, transfers: ArrayBuffer[] = []): void {
    this.threadNow().postMessage(message, transfers);
  }

  private threadNow(): Worker {
    if (this.thread !== undefined) return this.thread;
    const entry = workerEntry(import.meta.url, 'miner-thread');
    const thread = new Worker(entry.script, { eval: entry.eval, name: 'norn-pattern-miner' });
    thread.unref();
    thread.on('message', (message: FromMiner) => this.receive(message));
    const die = (reason: string): void => {
      if (this.thread !== thread) return;
      this.thread = undefined;
      this.backlogLines = 0;
      this.options.logger?.warn({ reason }, 'pattern miner thread stopped: patterns start over');
      this.failQueries(`pattern miner thread ${reason}`);
    };
    thread.on('error', (error) => die(`failed: ${error.message}`));
    thread.on('exit', (code) => die(`exited with code ${code}`));
    this.thread = thread;
    return thread;
  }

  private receive(message: FromMiner): void {
    if (message.kind === 'observed') {
      this.backlogLines = Math.max(0, this.backlogLines - message.lines);
      return;
    }
    const pending = this.queries.get(message.id);
    if (pending === undefined) return;
    this.queries.delete(message.id);
    if (message.kind === 'answer') pending.resolve(message.patterns);
    else pending.reject(new PatternMinerError(message.message));
  }

  private failQueries(reason: string): void {
    for (const pending of this.queries.values()) pending.reject(new PatternMinerError(reason));
    this.queries.clear();
  }
}

export class PatternMinerError extends NornError {
  constructor(message: string) {
    super('QUERY_WORKER_FAILED', message);
  }
}
