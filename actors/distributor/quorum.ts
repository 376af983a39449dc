// Quorum replication, independent of what is replicated: each item names its replicas and the
// successes it needs; each replica gets its items in as few requests as fit the size budget.
// Resolves when every item has its quorum, rejects as soon as any item cannot reach it.

import { NornError } from '../../core/errors.js';

export interface ReplicatedItem<T> {
  readonly value: T;
  readonly replicas: readonly string[];
  readonly quorum: number;
}

/** Loki answers a failed replication with a 500; clients retry. */
export class QuorumError extends NornError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('QUORUM_FAILED', message, options);
  }
}

interface Batch<T> {
  readonly replica: string;
  readonly indexes: number[];
  readonly values: T[];
}

function batchesFor<T>(items: readonly ReplicatedItem<T>[], budget: number, sizeOf: (value: T) => number): Batch<T>[] {
  const open = new Map<string, { batch: Batch<T>; size: number }>();
  const batches: Batch<T>[] = [];
  items.forEach((item, index) => {
    const size = sizeOf(item.value);
    for (const replica of item.replicas) {
      let current = open.get(replica);
      if (current === undefined || (current.batch.values.length > 0 && current.size + size > budget)) {
        current = { batch: { replica, indexes: [], values: [] }, size: 0 };
        open.set(replica, current);
        batches.push(current.batch);
      }
      current.batch.indexes.push(index);
      current.batch.values.push(item.value);
      current.size += size;
    }
  });
  return batches;
}

export function sendWithQuorum<T, R>(
  items: readonly ReplicatedItem<T>[],
  budget: number,
  send: (replica: string, values: T[]) => Promise<R>,
  sizeOf: (value: T) => number,
): Promise<R[]> {
  if (items.length === 0) return Promise.resolve([]);
  const successes = new Uint16Array(items.length);
  const failures = new Uint16Array(items.length);
  let unfinished = items.length;
  const replies: R[] = [];

  return new Promise<R[]>((resolve, reject) => {
    let settled = false;
    for (const batch of batchesFor(items, budget, sizeOf)) {
      send(batch.replica, batch.values).then(
        (reply) => {
          if (settled) return;
          replies.push(reply);
          for (const index of batch.indexes) {
            successes[index]!++;
            if (successes[index] === items[index]!.quorum) unfinished--;
          }
          if (unfinished === 0) {
            settled = true;
            resolve(replies);
          }
        },
        (error: unknown) => {
          if (settled) return;
          for (const index of batch.indexes) {
            const item = items[index]!;
            failures[index]!++;
            if (failures[index]! > item.replicas.length - item.quorum) {
              settled = true;
              const reason = error instanceof Error ? error.message : String(error);
              reject(
                new QuorumError(
                  `push failed: ${successes[index]} of ${item.quorum} required replicas acknowledged; ingester ${batch.replica}: ${reason}`,
                  { cause: error },
                ),
              );
              return;
            }
          }
        },
      );
    }
  });
}
