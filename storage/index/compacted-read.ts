// Reads one compacted generation of a tenant-day: the reader and the compactor both use it.

import { indexCompactedKey } from '../keys.js';
import type { ObjectStore } from '../object-store.js';
import { decodeCompactedDay, type CompactedDay } from './compacted-object.js';

export async function readCompactedDay(store: ObjectStore, tenant: string, day: number, generation: number): Promise<CompactedDay> {
  const key = indexCompactedKey(tenant, day, generation);
  return decodeCompactedDay(await store.get(key), { tenant, day, generation }, key);
}
