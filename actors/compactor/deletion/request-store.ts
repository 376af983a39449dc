// Delete requests, durable in the object store beside the chunks (`~deletes/<tenant>/<id>`, one
// JSON object each), so every process sharing the bucket sees the same requests and a restart
// loses none. Readers on the query path go through a short-TTL cache per tenant: one listing
// per tenant per TTL, not one per query. A process sees its own writes at once (a write drops
// the tenant's cached listing); requests written elsewhere appear within the TTL.

import { ObjectNotFoundError, type ObjectStore } from '../../../storage/mod.js';
import { DELETE_REQUESTS_PREFIX, deleteRequestKey, deleteRequestsPrefix, parseDeleteRequestKey } from '../../../storage/keys.js';
import { decodeRequest, encodeRequest, type StoredDeleteRequest } from './model.js';

export interface DeleteRequestStoreOptions {
  /** How long a tenant's listing serves query-time readers, ms (default 5000; 0: always list). */
  readonly cacheTtlMs?: number;
  /** Clock for the cache, ms (tests). */
  readonly now?: () => number;
}

/** Objects read at once while listing. */
const READ_CONCURRENCY = 16;
export const DEFAULT_DELETE_CACHE_TTL_MS = 5_000;

export class DeleteRequestStore {
  private readonly cacheTtlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, { readonly expiresMs: number; readonly requests: Promise<StoredDeleteRequest[]> }>();

  constructor(private readonly objects: ObjectStore, options: DeleteRequestStoreOptions = {}) {
    this.cacheTtlMs = options.cacheTtlMs ?? DEFAULT_DELETE_CACHE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Writes (or rewrites) a request whole. */
  async put(request: StoredDeleteRequest): Promise<void> {
    await this.objects.put(deleteRequestKey(request.tenant, request.id), encodeRequest(request));
    this.cache.delete(request.tenant);
  }

  async remove(tenant: string, id: string): Promise<void> {
    await this.objects.delete(deleteRequestKey(tenant, id));
    this.cache.delete(tenant);
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
   * TTL, and concurrent readers share one listing. A failed listing is not kept.
   */
  cached(tenant: string): Promise<StoredDeleteRequest[]> {
    const now = this.now();
    const hit = this.cache.get(tenant);
    if (hit !== undefined && hit.expiresMs > now) return hit.requests;
    const requests = this.list(tenant);
    if (this.cacheTtlMs > 0) {
      const entry = { expiresMs: now + this.cacheTtlMs, requests };
      this.cache.set(tenant, entry);
      requests.catch(() => {
        if (this.cache.get(tenant) === entry) this.cache.delete(tenant);
      });
    }
    return requests;
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
    return found.sort((a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
