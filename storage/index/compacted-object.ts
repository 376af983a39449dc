// The body of a `compacted/<generation>` index object: one tenant-day's streams (labels and chunk
// refs) in one gzipped JSON document, so a finished day costs a listing of a few keys and one
// read instead of a listing of every flush.
//
//   {"format":1,"tenant":"acme","day":"2023-11-14","generation":2,"createdAtMs":1700000000000,
//    "streams":[{"fingerprint":"<16 hex>","labels":{"app":"api"},
//                "chunks":["<from>-<through>-<checksum>", ...]}, ...]}
//
// Chunk names are the last segment of the chunk key, so a ref reads back exactly as a listing
// parses it. A stream may list no chunks: its labels stay resolvable for refs flushed later.
// Read back, everything must agree with the key (tenant, day, generation) and every label set
// must hash to its fingerprint, or the read fails with CORRUPT_INDEX.

import { gunzipSync, gzipSync } from 'node:zlib';
import { fingerprint, labelsFromRecord, labelsToRecord, labelsToString, type Labels } from '../../core/model.js';
import { chunkKey, dayName, parseChunkKey } from '../keys.js';
import { StorageError } from '../object-store.js';
import type { ChunkRef } from './types.js';

const FORMAT = 1;

export interface CompactedStream {
  readonly fingerprint: string;
  readonly labels: Labels;
  /** Chunk refs by chunk key. */
  readonly refs: ReadonlyMap<string, ChunkRef>;
}

export interface CompactedDay {
  readonly tenant: string;
  readonly day: number;
  readonly generation: number;
  /** When the compactor wrote it (ms): objects it supersedes are deleted a grace period later. */
  readonly createdAtMs: number;
  /** By fingerprint. */
  readonly streams: ReadonlyMap<string, CompactedStream>;
}

export function encodeCompactedDay(day: CompactedDay): Uint8Array {
  const streams = [...day.streams.values()]
    .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1))
    .map((stream) => ({
      fingerprint: stream.fingerprint,
      labels: labelsToRecord(stream.labels),
      chunks: [...stream.refs.values()].map((ref) => ref.key.slice(ref.key.lastIndexOf('/') + 1)).sort(),
    }));
  const json = JSON.stringify({
    format: FORMAT,
    tenant: day.tenant,
    day: dayName(day.day),
    generation: day.generation,
    createdAtMs: day.createdAtMs,
    streams,
  });
  return gzipSync(Buffer.from(json, 'utf8'));
}

export function decodeCompactedDay(bytes: Uint8Array, expected: { tenant: string; day: number; generation: number }, key: string): CompactedDay {
  const corrupt = (what: string, cause?: unknown): StorageError =>
    new StorageError('CORRUPT_INDEX', `compacted index ${key} ${what}`, cause === undefined ? undefined : { cause });
  let parsed: unknown;
  try {
    parsed = JSON.parse(gunzipSync(bytes).toString('utf8'));
  } catch (cause) {
    throw corrupt('is not gzipped JSON', cause);
  }
  const doc = parsed as Record<string, unknown> | null;
  if (typeof doc !== 'object' || doc === null || doc.format !== FORMAT) throw corrupt(`has an unknown format`);
  if (doc.tenant !== expected.tenant || doc.day !== dayName(expected.day) || doc.generation !== expected.generation) {
    throw corrupt(`disagrees with its key (it says ${String(doc.tenant)} ${String(doc.day)} generation ${String(doc.generation)})`);
  }
  if (typeof doc.createdAtMs !== 'number' || !Array.isArray(doc.streams)) throw corrupt('is incomplete');
  const streams = new Map<string, CompactedStream>();
  for (const raw of doc.streams as unknown[]) {
    const entry = raw as { fingerprint?: unknown; labels?: unknown; chunks?: unknown } | null;
    const record = entry?.labels;
    if (typeof entry?.fingerprint !== 'string' || typeof record !== 'object' || record === null || Array.isArray(record) || !Array.isArray(entry.chunks)) {
      throw corrupt('has a malformed stream');
    }
    if (Object.values(record).some((value) => typeof value !== 'string')) throw corrupt('has a non-string label value');
    const labels = labelsFromRecord(record as Record<string, string>);
    const actual = fingerprint(labelsToString(labels));
    if (actual !== entry.fingerprint) throw corrupt(`holds labels with fingerprint ${actual} under ${entry.fingerprint}`);
    const refs = new Map<string, ChunkRef>();
    for (const name of entry.chunks as unknown[]) {
      const parts = typeof name === 'string' ? parseChunkKey(`${expected.tenant}/${entry.fingerprint}/${name}`) : undefined;
      if (parts === undefined) throw corrupt(`has an invalid chunk ref ${JSON.stringify(name)}`);
      const ref: ChunkRef = { ...parts, key: chunkKey(parts) };
      refs.set(ref.key, ref);
    }
    streams.set(entry.fingerprint, { fingerprint: entry.fingerprint, labels, refs });
  }
  return { tenant: expected.tenant, day: expected.day, generation: expected.generation, createdAtMs: doc.createdAtMs, streams };
}
