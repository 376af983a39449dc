// A delete request as it is stored, and what is derived from it: the view the API lists, the
// filters queries apply, and how a long request is split into parts (Loki's `max_interval`).
//
// Stored as one JSON object per request id (`~deletes/<tenant>/<id>`, storage/keys.ts):
//   {"id":"8a2c01f3","tenant":"acme","query":"{app=\"api\"} |= \"token\"","createdAtMs":1700000000000,
//    "parts":[{"startMs":1699990000000,"endMs":1699996400000,"status":"received"}, ...]}
// Loki keeps a request's parts as rows sharing one id, each with its own status; here they are
// one object, rewritten whole as parts are processed.

import { NS_PER_MS } from '../../../core/model.js';
import type { DeleteFilter } from '../../../logql/types.js';
import { StorageError } from '../../../storage/mod.js';
import type { DeleteRequestView } from '../deletion-api.js';

export type PartStatus = 'received' | 'processed';

/** One part of a request: a window of at most `max_interval`, processed on its own. */
export interface DeleteRequestPart {
  /** ms, inclusive */
  readonly startMs: number;
  /** ms, inclusive */
  readonly endMs: number;
  readonly status: PartStatus;
  /** When the compactor finished it, ms. */
  readonly processedAtMs?: number;
}

export interface StoredDeleteRequest {
  readonly id: string;
  readonly tenant: string;
  readonly query: string;
  readonly createdAtMs: number;
  readonly parts: readonly DeleteRequestPart[];
}

/** Loki's status of a request made of parts: `received`, `processed`, or `N% Complete` between. */
export function requestStatus(parts: readonly DeleteRequestPart[]): string {
  const processed = parts.filter((part) => part.status === 'processed').length;
  if (processed === 0) return 'received';
  if (processed === parts.length) return 'processed';
  return `${Math.trunc((processed / parts.length) * 100)}% Complete`;
}

export function toView(request: StoredDeleteRequest): DeleteRequestView {
  return {
    requestId: request.id,
    tenant: request.tenant,
    query: request.query,
    startMs: Math.min(...request.parts.map((part) => part.startMs)),
    endMs: Math.max(...request.parts.map((part) => part.endMs)),
    createdAtMs: request.createdAtMs,
    status: requestStatus(request.parts),
  };
}

/** Every part, pending or processed, as a query-time filter (ns). */
export function toFilters(request: StoredDeleteRequest): DeleteFilter[] {
  return request.parts.map((part) => ({
    query: request.query,
    // Loki compares an entry's time with the millisecond bounds themselves: an entry 1 ns
    // after `endMs` is outside the window.
    start: BigInt(part.startMs) * NS_PER_MS,
    end: BigInt(part.endMs) * NS_PER_MS,
  }));
}

/**
 * Loki's `ForInterval` split (end not inclusive, so neighbouring parts share their boundary and
 * nothing falls between them): boundaries aligned to multiples of `intervalMs`, the first part
 * starting at `startMs` and the last ending at `endMs`. `intervalMs` 0, or not shorter than the
 * window, gives one part.
 */
export function splitWindow(startMs: number, endMs: number, intervalMs: number): Array<{ startMs: number; endMs: number }> {
  if (intervalMs <= 0 || intervalMs >= endMs - startMs) return [{ startMs, endMs }];
  const parts: Array<{ startMs: number; endMs: number }> = [];
  const aligned = startMs - (((startMs % intervalMs) + intervalMs) % intervalMs);
  for (let from = aligned; from < endMs; from += intervalMs) {
    const to = Math.min(from + intervalMs, endMs);
    parts.push({ startMs: parts.length === 0 ? startMs : from, endMs: to });
  }
  return parts;
}

export function encodeRequest(request: StoredDeleteRequest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(request));
}

const isMs = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

/** Parses a stored request; a stranger's or damaged object is CORRUPT_INDEX, naming its key. */
export function decodeRequest(key: string, bytes: Uint8Array): StoredDeleteRequest {
  const corrupt = (why: string) => new StorageError('CORRUPT_INDEX', `delete request ${key}: ${why}`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw corrupt(`not JSON (${(error as Error).message})`);
  }
  const r = value as Partial<StoredDeleteRequest> | null;
  if (r === null || typeof r !== 'object') throw corrupt('not an object');
  if (typeof r.id !== 'string' || typeof r.tenant !== 'string' || typeof r.query !== 'string' || !isMs(r.createdAtMs)) {
    throw corrupt('id, tenant, query or createdAtMs missing');
  }
  if (!Array.isArray(r.parts) || r.parts.length === 0) throw corrupt('no parts');
  for (const part of r.parts as unknown[]) {
    const p = part as Partial<DeleteRequestPart> | null;
    if (p === null || typeof p !== 'object' || !isMs(p.startMs) || !isMs(p.endMs) || (p.status !== 'received' && p.status !== 'processed')) {
      throw corrupt('a part without startMs, endMs or status');
    }
  }
  return { id: r.id, tenant: r.tenant, query: r.query, createdAtMs: r.createdAtMs, parts: r.parts.map((p) => ({ startMs: p.startMs, endMs: p.endMs, status: p.status, ...(isMs(p.processedAtMs) ? { processedAtMs: p.processedAtMs } : {}) })) };
}
