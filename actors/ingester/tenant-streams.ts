// One tenant's streams in an ingester's memory, found by their canonical label string.

import { fingerprint, type Entry, type Labels } from '../../core/model.js';
import { internLabels } from '../../core/intern.js';
import type { IngesterConfig } from './config.js';
import { limitsFor, type LimitsConfig } from '../../core/limits.js';
import { IngesterStream } from './stream.js';
import type { MemChunkOptions } from '../../storage/chunk/mod.js';
import { STREAM_LIMIT_PREFIX, type StreamPush } from './protocol.js';
import type { AcceptedStream } from './tails.js';

export interface TenantPushResult {
  readonly appended: number;
  readonly bytes: number;
  readonly createdStreams: number;
  /** Loki-worded reasons for refused entries or streams; the rest was taken. */
  readonly errors: string[];
}

export class TenantStreams {
  readonly streams = new Map<string, IngesterStream>();

  constructor(
    readonly tenant: string,
    private readonly config: IngesterConfig,
    /** All tenants' limits: this tenant's are looked up at each push, so an override applies live. */
    private readonly limits: LimitsConfig,
    private readonly chunkOptions: MemChunkOptions = {},
  ) {}

  /** With `accepted`, the entries each stream took are listed there, per stream (live tails). */
  push(pushes: readonly StreamPush[], nowMs: number, accepted?: AcceptedStream[]): TenantPushResult {
    const errors: string[] = [];
    let appended = 0;
    let bytes = 0;
    let createdStreams = 0;
    for (const push of pushes) {
      let stream = this.streams.get(push.labelString);
      if (stream === undefined) {
        // 0 is "no limit", as in Loki.
        const limit = limitsFor(this.limits, this.tenant).maxStreamsPerTenant;
        if (limit > 0 && this.streams.size >= limit) {
          errors.push(streamLimitMessage(push.labelString, this.tenant));
          continue;
        }
        stream = this.create(push.labelString, push.labels);
        createdStreams++;
      }
      const taken: Entry[] | undefined = accepted !== undefined ? [] : undefined;
      const result = stream.append(push.entries, nowMs, taken);
      if (taken !== undefined && taken.length > 0) accepted!.push({ labels: stream.labels, entries: taken });
      appended += result.appended;
      bytes += result.bytes;
      if (result.error !== undefined) errors.push(result.error);
    }
    return { appended, bytes, createdStreams, errors };
  }

  /** Forgets streams whose chunks are all flushed and retired. */
  dropEmpty(): number {
    let dropped = 0;
    for (const [key, stream] of this.streams) {
      if (stream.isEmpty) {
        this.streams.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  private create(labelString: string, labels: Labels): IngesterStream {
    // Interned: streams repeat label names and many values, and decoding gave each its own copy.
    const stream = new IngesterStream(this.tenant, internLabels(labels), labelString, fingerprint(labelString), this.config, this.chunkOptions);
    this.streams.set(labelString, stream);
    return stream;
  }
}


export function streamLimitMessage(labelString: string, tenant: string): string {
  return `${STREAM_LIMIT_PREFIX} when trying to create stream ${labelString}, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: '${tenant}'`;
}
