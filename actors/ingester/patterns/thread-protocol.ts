// Messages between the ingester and its pattern-mining thread. Lines travel as plain arrays
// (structured clone copies them once); timestamps as ms numbers, all the miner needs.

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

export type ToMiner =
  | { readonly kind: 'observe'; readonly nowMs: number; readonly streams: ObservedStream[] }
  | { readonly kind: 'query'; readonly id: number; readonly nowMs: number; readonly range: PatternQueryRange };

export type FromMiner =
  | { readonly kind: 'observed'; readonly lines: number }
  | { readonly kind: 'answer'; readonly id: number; readonly patterns: StreamPatterns[] }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };
