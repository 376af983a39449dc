// Where the ingester's pattern mining runs. Mining (Drain over every accepted line) costs as much
// CPU as the rest of a push, so by default it runs on its own thread: the push path only hands
// the lines over, and pushes are acknowledged without waiting for it. `inline` keeps it on the
// calling thread (tests, single-core hosts); `off` answers no patterns, as a Loki without its
// pattern ingester.

import type { Entry, Labels } from '../../../core/model.js';
import { PatternStore, type StreamPatterns } from './store.js';

export interface PatternQueryRange {
  readonly tenant: string;
  readonly selector: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
}

export interface PatternMiner {
  /** Hands over a stream's newly accepted entries; never blocks the push for the mining. */
  observe(tenant: string, labelString: string, labels: Labels, entries: readonly Entry[]): void;
  /**
   * `observe` for every stream of a push given in its binary form (../protocol-codec.ts) with
   * its entry count, offered by miners that would otherwise copy each line off the push thread.
   * `giveUp`: the caller never reads these bytes again and they are alone in their buffer, so
   * the miner may take that memory (it is then empty for the caller).
   */
  observePush?(encoded: Uint8Array, lines: number, giveUp: boolean): void;
  /** The patterns of the matching streams, counted per step, including every line observed so far. */
  query(range: PatternQueryRange): Promise<StreamPatterns[]>;
  close(): Promise<void>;
}

/** Mines on the calling thread. */
export class InlinePatternMiner implements PatternMiner {
  readonly store: PatternStore;

  constructor(now: () => number = Date.now) {
    this.store = new PatternStore(now);
  }

  observe(tenant: string, labelString: string, labels: Labels, entries: readonly Entry[]): void {
    this.store.observe(tenant, labelString, labels, entries);
  }

  query(range: PatternQueryRange): Promise<StreamPatterns[]> {
    return Promise.resolve(this.store.query(range.tenant, range.selector, range.startMs, range.endMs, range.stepMs));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Mines nothing; queries answer no patterns. */
export class DisabledPatternMiner implements PatternMiner {
  observe(): void {}
  query(): Promise<StreamPatterns[]> {
    return Promise.resolve([]);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
