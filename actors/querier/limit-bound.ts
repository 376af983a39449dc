// How far a log query's later store groups need to read. Groups hold different streams, and
// each returns its own best `limit` entries; once the groups returned so far hold `limit`
// distinct entries, no entry beyond the worst of them can reach the answer, so later groups
// scan only up to it (backward: from it on; forward: up to it). Without this a query with a
// limit read `limit` entries per group however few the answer needs: small groups, which keep
// the scan workers evenly busy, multiplied that.
//
// Entries count as distinct by time and line only, whatever their labels: the engine's final
// merge drops copies by labels, time and line, so this never counts more distinct entries than
// it will keep, and the boundary is never tighter than the answer's.

import { TopEntries } from '../../logql/engine/top-entries.js';
import type { SelectLogsParams, StreamResult } from '../../logql/types.js';

export class LimitBound {
  private readonly top: TopEntries;

  constructor(private readonly params: SelectLogsParams) {
    this.top = new TopEntries(params.limit, params.direction, true);
  }

  /** Takes in a group's answer. */
  add(streams: readonly StreamResult[]): void {
    for (const stream of streams) for (const entry of stream.entries) this.top.offer(entry.ts, '', NO_LABELS, entry.line);
  }

  /** The query's parameters for the next group: its range cut at the boundary, once there is one. */
  narrowed(): SelectLogsParams {
    const boundary = this.top.boundary;
    const params = this.params;
    if (boundary === undefined) return params;
    // Entries at the boundary itself may still tie their way in.
    if (params.direction === 'backward') return boundary > params.start ? { ...params, start: boundary } : params;
    return boundary + 1n < params.end ? { ...params, end: boundary + 1n } : params;
  }
}

const NO_LABELS = Object.freeze([]);
