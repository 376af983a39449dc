// Delete requests, durable in the object store beside the chunks (`~deletes/<tenant>/<id>`, one
// JSON object each), so every process sharing the bucket sees the same requests and a restart
// loses none. Readers on the query path go through a short-TTL cache per tenant: one listing
// per tenant per TTL, not one per query. A process sees its own writes at once (a write drops
// the tenant's cached listing); requests written elsewhere appear within the TTL.
//
// While the store cannot be listed, the query path keeps the tenant's last good listing for up
// to `staleListingMaxAgeMs` after it was read: nobody can write a request to a store that is
// down, so it is still the whole set, and queries of the ingesters' recent lines go on answering
// through an object-store outage (the index falls back the same way, storage/index). A process
// that has no listing young enough fails the query instead: it cannot know what to hide.

import { ObjectNotFoundError, type ObjectStore } from '../../../storage/mod.js';
import { DELETE_REQUESTS_PREFIX, deleteRequestKey, deleteRequestsPrefix, parseDeleteRequestKey } from '../../../storage/keys.js';
import { decodeRequest, encodeRequest, type StoredDeleteRequest } from './model.js';

export interface DeleteRequestStoreOptions {
  /** How long a tenant's listing serves query-time readers, ms (default 5000; 0: always list). */
  readonly cacheTtlMs?: number;
  /** Clock for the cache, ms (tests). */
  readonly now?: () => number;
  /** How long after it was read a listing may answer when listing fails, ms (default 0: never). */
  readonly staleListingMaxAgeMs?: number;
  /** Told each time a failed listing is answered with the tenant's last good one. */
  readonly onStaleListing?: (tenant: string, error: unknown) => void;
}

/** Objects read at once while listing. */
const READ_CONCURRENCY = 16;
export const DEFAULT_DELETE_CACHE_TTL_MS = 5_000;

export class DeleteRequestStore {
  private readonly cacheTtlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { readonly expiresMs: number; readonly requests: Promise<StoredDeleteRequest[]> }>();
  /** Each tenant's last listing that succeeded, served while the store cannot be listed. */
  private readonly lastGood = new Map<string, { readonly readAt: number; readonly requests: StoredDeleteRequest[] }>();
  /** Writes this process made per tenant: a listing begun before one is not kept as last good. */
  private readonly writes = new Map<string, number>();

  constructor(
    private readonly objects: ObjectStore,
    private readonly options: DeleteRequestStoreOptions = {},
  ) {
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_DELETE_CACHE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Writes (or rewrites) a request whole. */
  async put(request: StoredDeleteRequest): Promise<void> {
    await this.objects.put(deleteRequestKey(request.tenant, request.id), encodeRequest(request));
    this.cache.delete(request.tenant);
    this.rememberWrite(request.tenant, request.id, request);
  }

  async remove(tenant: string, id: string): Promise<void> {
    await this.objects.delete(deleteRequestKey(tenant, id));
    this.cache.delete(tenant);
    this.rememberWrite(tenant, id, undefined);
  }

  /** One request, read from the store; undefined when there is none with that id. */
  async get(tenant: string, id: string): Promise<StoredDeleteRequest | undefined> {
    const key = deleteRequestKey(tenant, id);
    try {
      return decodeRequest(key, await this.objects.get(key));
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
  }

  /** The tenant's requests, read from the store now, oldest first. */
  list(tenant: string): Promise<StoredDeleteRequest[]> {
    return this.readAll(deleteRequestsPrefix(tenant));
  }

  /** Every tenant's requests (the compactor's work list), oldest first. */
  listAll(): Promise<StoredDeleteRequest[]> {
    return this.readAll(DELETE_REQUESTS_PREFIX);
  }

  /**
   * The tenant's requests for the query path: the listing is shared while it is younger than the
   * TTL, and concurrent readers share one listing. While listings fail, the last good one answers
   * (see the head of this file); a failure with none to fall back on is not kept.
   */
  cached(tenant: string): Promise<StoredDeleteRequest[]> {
    const now = this.now();
    const hit = this.cache.get(tenant);
    if (hit !== undefined && hit.expiresMs > now) return hit.requests;
    const writesBefore = this.writes.get(tenant) ?? 0;
    const requests = this.list(tenant).then(
      (listed) => {
        if ((this.writes.get(tenant) ?? 0) === writesBefore) this.lastGood.set(tenant, { readAt: now, requests: listed });
        return listed;
      },
      (error: unknown) => {
        const last = this.lastGood.get(tenant);
        const usable = last !== undefined && isUnavailable(error) && this.now() - last.readAt <= (this.options.staleListingMaxAgeMs ?? 0);
        if (!usable) {
          if (this.cache.get(tenant) === entry) this.cache.delete(tenant);
          throw error;
        }
        // Kept for the TTL like a good listing: one try of the store per TTL, not per query.
        this.options.onStaleListing?.(tenant, error);
        return last.requests;
      },
    );
    const entry = { expiresMs: now + this.cacheTtlMs, requests };
    if (this.cacheTtlMs > 0) this.cache.set(tenant, entry);
    return requests;
  }

  /** Keeps the last good listing true to this process's own writes (`undefined`: removed). */
  private rememberWrite(tenant: string, id: string, request: StoredDeleteRequest | undefined): void {
    this.writes.set(tenant, (this.writes.get(tenant) ?? 0) + 1);
    const last = this.lastGood.get(tenant);
    if (last === undefined) return;
    const kept = last.requests.filter((stored) => stored.id !== id);
    if (request !== undefined) {
      kept.push(request);
      kept.sort(byAge);
    }
    this.lastGood.set(tenant, { readAt: last.readAt, requests: kept });
  }

  private async readAll(prefix: string): Promise<StoredDeleteRequest[]> {
    const keys = (await this.objects.list(prefix)).map((info) => info.key).filter((key) => parseDeleteRequestKey(key) !== undefined);
    const found: StoredDeleteRequest[] = [];
    let next = 0;
    const reader = async (): Promise<void> => {
      while (next < keys.length) {
        const key = keys[next++]!;
        try {
          found.push(decodeRequest(key, await this.objects.get(key)));
        } catch (error) {
          // Cancelled between the listing and the read: it is gone, as it should be.
          if (!(error instanceof ObjectNotFoundError)) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, keys.length) }, reader));
    return found.sort(byAge);
  }
}

function byAge(a: StoredDeleteRequest, b: StoredDeleteRequest): number {
  return a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function isUnavailable(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'STORAGE_UNAVAILABLE';
}
