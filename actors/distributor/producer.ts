// NATS-attached producers: a batch published (as a request) on `norn.push.<tenant>` goes
// through the same distributor as an HTTP push, and the reply tells the producer whether it
// was acknowledged by a quorum. A producer that gets no reply retries the same batch; replicas
// drop the exact duplicates and queries dedupe the rest.
//
// Payload (msgpack): { streams: [{ labels: '{app="x"}' | { app: 'x' }, entries: [{ ts, line, metadata? }] }] }
// where ts is a bigint of nanoseconds, or a decimal string of nanoseconds.

import { labelsFromRecord, type Entry } from '../../core/model.js';
import { NornError } from '../../core/errors.js';
import type { PushService, PushStreamInput } from './api.js';
import { ValidationError } from './validation.js';

export interface ProducerReply {
  readonly ok: boolean;
  /** HTTP-equivalent status: 204 ok, 400 invalid, 429 rate limited, 5xx retry. */
  readonly status: number;
  readonly error?: string;
}

function toEntry(raw: unknown): Entry {
  if (raw === null || typeof raw !== 'object') throw new ValidationError('each entry must be an object with ts and line');
  const { ts, line, metadata } = raw as { ts?: unknown; line?: unknown; metadata?: unknown };
  let timestamp: bigint;
  if (typeof ts === 'bigint') timestamp = ts;
  else if (typeof ts === 'string' && /^\d+$/.test(ts)) timestamp = BigInt(ts);
  else if (typeof ts === 'number' && Number.isSafeInteger(ts)) timestamp = BigInt(ts);
  else throw new ValidationError('entry ts must be nanoseconds since the epoch (bigint or decimal string)');
  if (typeof line !== 'string') throw new ValidationError('entry line must be a string');
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object') throw new ValidationError('entry metadata must be a map of strings');
    return { ts: timestamp, line, metadata: labelsFromRecord(metadata as Record<string, string>) };
  }
  return { ts: timestamp, line };
}

function toStreams(payload: unknown): PushStreamInput[] {
  const streams = (payload as { streams?: unknown } | null)?.streams;
  if (!Array.isArray(streams)) throw new ValidationError('producer batch must be { streams: [...] }');
  return streams.map((stream: unknown) => {
    const { labels, entries } = (stream ?? {}) as { labels?: unknown; entries?: unknown };
    if (typeof labels !== 'string' && (labels === null || typeof labels !== 'object')) {
      throw new ValidationError('stream labels must be a label string or a map');
    }
    if (!Array.isArray(entries)) throw new ValidationError('stream entries must be an array');
    return { labels: labels as PushStreamInput['labels'], entries: entries.map(toEntry) };
  });
}

export async function answerProducer(push: PushService, tenant: string | null, payload: unknown): Promise<ProducerReply> {
  try {
    if (tenant === null) throw new ValidationError('invalid tenant in subject');
    await push.push(tenant, toStreams(payload));
    return { ok: true, status: 204 };
  } catch (error) {
    const status = error instanceof NornError ? error.status : 500;
    return { ok: false, status, error: error instanceof Error ? error.message : String(error) };
  }
}
