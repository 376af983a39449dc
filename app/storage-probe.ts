// Is the object store usable? Writes, reads back and deletes one small key, at start and then
// every `intervalMs`, so `/ready` can say "object storage unavailable" instead of a node that
// answers ready, acknowledges pushes and then fails every query. Credentials the store refuses
// are a configuration problem: the process does not start. An unreachable store is an outage:
// the process starts (its WAL keeps what it accepts) and reports not ready until the store answers.

import type { Logger } from 'pino';
import type { ObjectStore } from '../storage/mod.js';
import { ConfigError } from './config-file.js';

/**
 * Outside Loki's tenant charset (`~`), so no tenant's objects can ever share the prefix. The key
 * is flat (`norn~probe~<name>`): stores that keep objects as files remove emptied directories on
 * delete, and a shared directory would race another process's probe.
 */
export const PROBE_PREFIX = 'norn~probe~';

/** S3 answers that no retry fixes: the keys or the bucket are wrong. */
const REFUSED = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'AllAccessDisabled', 'InvalidBucketName', 'AuthorizationHeaderMalformed']);

function refusalCode(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause !== null && typeof cause === 'object' && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && REFUSED.has(code)) return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One round trip: put, get (compared), delete. Throws what went wrong. */
export async function probeOnce(store: ObjectStore, name: string, timeoutMs: number): Promise<void> {
  const key = `${PROBE_PREFIX}${name}`;
  const body = new TextEncoder().encode(`norn probe ${Date.now()}`);
  await withTimeout(store.put(key, body), timeoutMs, `put ${key}`);
  const back = await withTimeout(store.get(key), timeoutMs, `get ${key}`);
  if (Buffer.compare(Buffer.from(back), Buffer.from(body)) !== 0) throw new Error(`get ${key} returned other bytes than were put`);
  await withTimeout(store.delete(key), timeoutMs, `delete ${key}`);
}

export interface StorageHealth {
  /** true, or why the store is not usable now. */
  readiness(): true | string;
  stop(): void;
}

export async function watchStorage(
  store: ObjectStore,
  options: { readonly name: string; readonly logger: Logger; readonly intervalMs?: number; readonly timeoutMs?: number },
): Promise<StorageHealth> {
  const { logger } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let problem: string | undefined;
  const check = async (): Promise<unknown> => {
    try {
      await probeOnce(store, options.name, timeoutMs);
      if (problem !== undefined) logger.info({ store: store.description }, 'object storage answers again');
      problem = undefined;
      return undefined;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (problem === undefined) logger.error({ err: error, store: store.description }, 'object storage unavailable: not ready until it answers');
      problem = `object storage unavailable (${store.description}): ${reason}`;
      return error;
    }
  };
  const first = await check();
  const refused = refusalCode(first);
  if (refused !== undefined) {
    throw new ConfigError(`object storage ${store.description} refuses this process (${refused}): check the S3 access key, secret key and bucket`, { cause: first });
  }
  // Every intervalMs while healthy; every 2 s while not, so readiness returns soon after an outage.
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => void check().finally(schedule), problem !== undefined ? Math.min(2_000, options.intervalMs ?? 15_000) : (options.intervalMs ?? 15_000));
    timer.unref();
  };
  schedule();
  return {
    readiness: () => problem ?? true,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
