// What the HTTP edge (gateway/) and the NATS producer endpoint need from the write path. The
// edge decodes and encodes; the distributor validates, places and replicates.

import type { Entry } from '../../core/model.js';
import type { OtlpLogsRequest } from './otlp-api.js';

/** A stream as a client pushed it, before validation. */
export interface PushStreamInput {
  /** Loki's label string `{a="b"}` (protobuf) or a label map (JSON). */
  readonly labels: string | Readonly<Record<string, string>>;
  readonly entries: Entry[];
}

export interface PushService {
  /**
   * Validate, place on the ring and replicate to a quorum. Resolves when every valid stream is
   * acknowledged by a quorum. Rejects with a coded error carrying `status`:
   * 400 (some streams invalid: the valid ones were still written; message is Loki's),
   * 429 (rate limited), 5xx (no quorum: the client should retry).
   */
  push(tenant: string, streams: readonly PushStreamInput[]): Promise<void>;
  /**
   * OTLP logs (`/otlp/v1/logs`): mapped to streams with the tenant's `otlp_config`, then
   * pushed as `push` does, with the same errors; a partial refusal carries `rejectedEntries`.
   */
  pushOtlp?(tenant: string, request: OtlpLogsRequest): Promise<void>;
}
