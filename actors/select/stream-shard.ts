// Which shard of a tenant's streams a stream belongs to: its fingerprint (FNV-1a 64 over the
// canonical label string, the name it has in chunk keys and the index) modulo the shard count.
// Ingesters, the store scan and the scan workers all filter with this one function, so the
// shards of a query are disjoint and their union is every stream, wherever the data lives.

import { fingerprint, labelsToString, type Labels } from '../../core/model.js';
import type { StreamShard } from '../../logql/types.js';

/** Label sets are immutable and shared between queries: a stream's fingerprint is worked out once. */
const fingerprints = new WeakMap<Labels, bigint>();

function fingerprintOf(labels: Labels): bigint {
  let value = fingerprints.get(labels);
  if (value === undefined) {
    value = BigInt('0x' + fingerprint(labelsToString(labels)));
    fingerprints.set(labels, value);
  }
  return value;
}

/** True when the stream is in `shard` (always, without one). */
export function inShard(labels: Labels, shard: StreamShard | undefined): boolean {
  if (shard === undefined || shard.of <= 1) return true;
  return fingerprintOf(labels) % BigInt(shard.of) === BigInt(shard.index);
}

