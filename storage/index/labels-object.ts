// The body of a `streams/<fingerprint>` index object: the stream's labels as JSON,
// `{"labels":{"app":"api","env":"prod"}}`. Read back, the labels must hash to the fingerprint
// in the key, which catches corruption and (astronomically unlikely) fingerprint collisions.

import { fingerprint, labelsFromRecord, labelsToRecord, labelsToString, type Labels } from '../../core/model.js';
import { StorageError } from '../object-store.js';

export function encodeLabelsObject(labels: Labels): Uint8Array {
  return Buffer.from(JSON.stringify({ labels: labelsToRecord(labels) }));
}

export function decodeLabelsObject(bytes: Uint8Array, expectedFingerprint: string, key: string): Labels {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (cause) {
    throw new StorageError('CORRUPT_INDEX', `index object ${key} is not JSON`, { cause });
  }
  const record = (parsed as { labels?: unknown } | null)?.labels;
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new StorageError('CORRUPT_INDEX', `index object ${key} has no labels`);
  }
  for (const value of Object.values(record)) {
    if (typeof value !== 'string') throw new StorageError('CORRUPT_INDEX', `index object ${key} has a non-string label value`);
  }
  const labels = labelsFromRecord(record as Record<string, string>);
  const actual = fingerprint(labelsToString(labels));
  if (actual !== expectedFingerprint) {
    throw new StorageError('CORRUPT_INDEX', `index object ${key} holds labels with fingerprint ${actual}`);
  }
  return labels;
}
