// Messages between the ingester and its pattern-mining thread. A push the ingester already holds
// in its binary form (../protocol-codec.ts, what its WAL logs) travels as those bytes, one copy
// and no per-line work on the push thread, and is decoded on the mining thread; other lines
// travel as plain arrays (structured clone copies them once), timestamps as ms numbers.

import type { Labels } from '../../../core/model.js';
import type { PatternQueryRange } from './miner.js';
import type { StreamPatterns } from './store.js';

export interface ObservedStream {
  readonly tenant: string;
  readonly labelString: string;
  readonly labels: Labels;
  readonly timesMs: number[];
  readonly lines: string[];
}

/** A whole push in its binary form, in a buffer of its own (a view's whole buffer would be copied). */
export interface ObservedPush {
  readonly encoded: Uint8Array;
  /** Its entries, as the ingester counted them for the backlog. */
  readonly lines: number;
}

export type Observed = ObservedStream | ObservedPush;

export type ToMiner =
  | { readonly kind: 'observe'; readonly nowMs: number; readonly streams: Observed[] }
  | { readonly kind: 'query'; readonly id: number; readonly nowMs: number; readonly range: PatternQueryRange };

export type FromMiner =
  | { readonly kind: 'observed'; readonly lines: number }
  | { readonly kind: 'answer'; readonly id: number; readonly patterns: StreamPatterns[] }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };
