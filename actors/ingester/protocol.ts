// The messages gateways and ingesters exchange on the bus (subjects in bus/subjects.ts).

import type { Entry, Labels } from '../../core/model.js';
import type { StreamPatterns } from './patterns/store.js';
import type { QueryStats, SelectLogsParams, SelectSamplesParams, StreamResult } from '../../logql/types.js';
import type { SampleBatch } from '../select/sample-batch.js';

/** A stream as the distributor sends it: labels already validated and canonical. */
export interface StreamPush {
  readonly labelString: string;
  readonly labels: Labels;
  readonly entries: Entry[];
}

/** gateway -> ingester: this ingester's share of one client push. */
export interface IngesterPushRequest {
  readonly tenant: string;
  readonly streams: StreamPush[];
}

/**
 * gateway -> ingester across processes: the same share in its binary form (protocol-codec.ts). Each
 * stream is encoded once for all its replicas, and the ingester logs these bytes to its WAL as
 * they came. In one process the plain form is sent, by reference.
 */
export interface EncodedIngesterPushRequest {
  readonly tenant: string;
  readonly encoded: Uint8Array;
}

/** ingester -> gateway: the push reached memory (and the WAL); refused entries are listed. */
export interface IngesterPushReply {
  readonly errors: string[];
}

export interface LabelQuery {
  readonly tenant: string;
  readonly start: bigint;
  readonly end: bigint;
  /** Optional stream selector narrowing the streams considered. */
  readonly query?: string;
}

export type IngesterQueryRequest =
  | { readonly kind: 'logs'; readonly params: SelectLogsParams }
  | { readonly kind: 'samples'; readonly params: SelectSamplesParams }
  | { readonly kind: 'labelNames'; readonly params: LabelQuery }
  | { readonly kind: 'labelValues'; readonly params: LabelQuery & { readonly name: string } }
  | { readonly kind: 'series'; readonly params: LabelQuery & { readonly matchers: readonly string[] } }
  | { readonly kind: 'indexStats'; readonly params: LabelQuery & { readonly query: string } }
  /** The oldest timestamp held of the selected streams in the range (`oldestEntry`; none: absent). */
  | { readonly kind: 'oldestEntry'; readonly params: LabelQuery & { readonly query: string } }
  | { readonly kind: 'patterns'; readonly params: PatternQuery };

/** Patterns mined from a selector's streams, counted per step over [startMs, endMs). */
export interface PatternQuery {
  readonly tenant: string;
  readonly query: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly stepMs: number;
}

/** What one chunk in memory holds, read from its metadata (never decompressed). */
export interface ChunkFigures {
  /** First and last timestamp, ns (inclusive): with the stream, the chunk's identity in the store. */
  readonly from: bigint;
  readonly through: bigint;
  readonly entries: number;
  /** Uncompressed (serialized entry) bytes, the figure stored chunks record for every block too. */
  readonly bytes: number;
  /** Already in object storage (kept in memory for the retain period). */
  readonly flushed: boolean;
}

/** One stream's chunks overlapping the asked range. */
export interface StreamChunkFigures {
  readonly labels: Labels;
  readonly chunks: ChunkFigures[];
}

/**
 * One frame of a streamed query reply; a reply is any number of frames, each under the bus's
 * payload limit. Log and sample replies end with a frame carrying the scan's `stats`.
 */
export interface IngesterQueryFrame {
  readonly patterns?: StreamPatterns[];
  readonly streams?: StreamResult[];
  /** Samples in bulk arrays (`actors/select/sample-batch.ts`); one series may span frames. */
  readonly sampleBatches?: SampleBatch[];
  readonly values?: string[];
  readonly series?: Labels[];
  readonly chunkFigures?: StreamChunkFigures[];
  /** ns: the answer to `oldestEntry`; null when nothing is held (absent: not understood). */
  readonly oldestEntry?: bigint | null;
  readonly stats?: Partial<QueryStats>;
}

/** gateway or operator -> ingester: control requests. */
export type IngesterControlRequest = { readonly kind: 'flush' };

/**
 * How an ingester's refusal of a new stream over the tenant's limit begins (Loki's words); the
 * distributor answers such a push with 429, which clients retry, instead of 400.
 */
export const STREAM_LIMIT_PREFIX = 'Maximum active stream limit exceeded';

/**
 * A live tail on an ingester: every line it accepts for `tenant` that `query` (a log query)
 * selects is published to `subject` as a TailFrame, until `ttlMs` passes without a renewal (the
 * tailing gateway renews; a gateway that died stops costing anything within the TTL).
 */
export type IngesterTailRequest =
  | { readonly kind: 'subscribe'; readonly id: string; readonly tenant: string; readonly query: string; readonly subject: string; readonly ttlMs: number }
  | { readonly kind: 'unsubscribe'; readonly id: string };

export interface IngesterTailReply {
  readonly tails: number;
}

/** Lines one push brought to a tail, after the query's pipeline. */
export interface TailFrame {
  readonly ingester: string;
  readonly streams: StreamResult[];
}

