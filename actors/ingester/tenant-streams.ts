// One tenant's streams in an ingester's memory, found by their canonical label string.

import { fingerprint, type Entry, type Labels } from '../../core/model.js';
import type { IngesterConfig } from './config.js';
import type { LimitsConfig } from '../../core/limits.js';
import { IngesterStream } from './stream.js';

/** A stream as the distributor sends it: labels already validated and canonical. */
export interface StreamPush {
  readonly labelString: string;
  readonly labels: Labels;
  readonly entries: Entry[];
}

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
    private readonly limits: Pick<LimitsConfig, 'maxStreamsPerTenant'>,
  ) {}

  push(pushes: readonly StreamPush[], nowMs: number): TenantPushResult {
    const errors: string[] = [];
    let appended = 0;
    let bytes = 0;
    let createdStreams = 0;
    for (const push of pushes) {
      let stream = this.streams.get(push.labelString);
      if (stream === undefined) {
        if (this.streams.size >= this.limits.maxStreamsPerTenant) {
          errors.push(
            `Maximum active stream limit exceeded, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: '${this.tenant}'`,
          );
          continue;
        }
        stream = this.create(push.labelString, push.labels);
        createdStreams++;
      }
      const result = stream.append(push.entries, nowMs);
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
    const stream = new IngesterStream(this.tenant, labels, labelString, fingerprint(labelString), this.config);
    this.streams.set(labelString, stream);
    return stream;
  }
}
