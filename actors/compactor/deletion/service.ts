// Loki's deletion API behind the HTTP edge, with Loki's checks in Loki's order and its messages
// (pkg/compactor/deletion/request_handler.go), and the query path's view of the same requests.
//
// - create: the tenant's `deletion_mode` must not be `disabled` (403); `query` is required and
//   must be a log selector whose pipeline builds; `start` is required, `end` defaults to now and
//   may not lie in the future, and must be after `start`. A request whose query filters lines
//   is split into parts of at most `max_interval` (default `delete_max_interval`, 24h).
// - cancel: a request can be cancelled while no part is processed and its cancel period
//   (`delete_request_cancel_period`, 24h) has not passed; `force=true` cancels it anyway unless
//   it is fully processed.
// - filtersFor: every stored request of the tenant (received or processed) as query-time
//   filters, through the store's short-TTL cache; none for a tenant whose mode is `disabled`.

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { DeletionMode } from '../../../core/limits.js';
import { formatGoDuration } from '../../../core/go/mod.js';
import type { DeleteFilter } from '../../../logql/types.js';
import {
  DELETION_NOT_AVAILABLE,
  DeletionError,
  UNREADABLE,
  type DeleteRequestView,
  type DeleteService,
  type NewDeleteRequest,
} from '../deletion-api.js';
import { compileDeleteQuery, hasFilter } from './line-filter.js';
import type { DeletionMetrics } from './metrics.js';
import { splitWindow, toFilters, toView, type StoredDeleteRequest } from './model.js';
import type { DeleteRequestStore } from './request-store.js';

const MS_PER_HOUR = 3_600_000;
/** Loki's `delete_request_cancel_period` default. */
export const DEFAULT_CANCEL_PERIOD_MS = 24 * MS_PER_HOUR;
/** Loki's `delete_max_interval` default: a request with line filters is split into days. */
export const DEFAULT_DELETE_MAX_INTERVAL_MS = 24 * MS_PER_HOUR;
const REQUEST_ID = /^[0-9a-f]{8,32}$/;

export interface DeleteServiceDeps {
  readonly store: DeleteRequestStore;
  /** The tenant's `deletion_mode`, read at every call so runtime overrides apply at once. */
  readonly modeFor: (tenant: string) => DeletionMode;
  readonly cancelPeriodMs?: number;
  /** Longest part of a request with line filters, ms; 0: no limit, no split. */
  readonly maxIntervalMs?: number;
  /** Clock, ms (tests pin it). */
  readonly now?: () => number;
  readonly metrics?: DeletionMetrics;
  readonly logger?: Logger;
}

const invalid = (message: string) => new DeletionError('DELETE_REQUEST_INVALID', message);

export class DeleteRequestsService implements DeleteService {
  private readonly now: () => number;
  readonly cancelPeriodMs: number;
  private readonly maxIntervalMs: number;

  constructor(private readonly deps: DeleteServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.cancelPeriodMs = deps.cancelPeriodMs ?? DEFAULT_CANCEL_PERIOD_MS;
    this.maxIntervalMs = deps.maxIntervalMs ?? DEFAULT_DELETE_MAX_INTERVAL_MS;
  }

  async create(tenant: string, request: NewDeleteRequest): Promise<string> {
    this.requireEnabled(tenant);
    if (request.query === '') throw invalid('query not set');
    const plan = compileDeleteQuery(request.query);
    if (request.startMs === undefined) throw invalid('start time not set');
    if (request.startMs === UNREADABLE) throw invalid('invalid start time: require unix seconds or RFC3339 format');
    if (request.endMs === UNREADABLE) throw invalid('invalid end time: require unix seconds or RFC3339 format');
    const now = this.now();
    const startMs = request.startMs;
    const endMs = request.endMs ?? now;
    if (endMs > now) throw invalid('deletes in the future are not allowed');
    if (startMs >= endMs) throw invalid("start time can't be greater than or equal to end time");
    const intervalMs = hasFilter(plan) ? this.interval(request.maxIntervalMs, endMs - startMs) : 0;

    const stored: StoredDeleteRequest = {
      id: await this.newId(tenant),
      tenant,
      query: request.query,
      createdAtMs: now,
      parts: splitWindow(startMs, endMs, intervalMs).map((part) => ({ ...part, status: 'received' as const })),
    };
    await this.deps.store.put(stored);
    this.deps.metrics?.received.inc({ user: tenant });
    this.deps.logger?.info(
      { tenant, requestId: stored.id, query: stored.query, parts: stored.parts.length, interval: formatGoDuration(BigInt(intervalMs) * 1_000_000n) },
      'delete request added',
    );
    return stored.id;
  }

  async list(tenant: string): Promise<DeleteRequestView[]> {
    this.requireEnabled(tenant);
    return (await this.deps.store.list(tenant)).map(toView);
  }

  async cancel(tenant: string, requestId: string, force: boolean): Promise<void> {
    this.requireEnabled(tenant);
    const request = REQUEST_ID.test(requestId) ? await this.deps.store.get(tenant, requestId) : undefined;
    if (request === undefined) throw new DeletionError('DELETE_REQUEST_NOT_FOUND', 'could not find delete request with given id');
    const processed = request.parts.filter((part) => part.status === 'processed').length;
    if (processed === request.parts.length) {
      throw new DeletionError('DELETE_REQUEST_NOT_CANCELLABLE', 'deletion of request which is in process or already processed is not allowed');
    }
    const pastDeadline = request.createdAtMs + this.cancelPeriodMs < this.now();
    if ((processed > 0 || pastDeadline) && !force) {
      throw new DeletionError(
        'DELETE_REQUEST_NOT_CANCELLABLE',
        `Cancellation of partially completed delete request or delete request past the deadline of ${formatGoDuration(BigInt(this.cancelPeriodMs) * 1_000_000n)} since its creation is not allowed. To force, use the ?force query parameter`,
      );
    }
    await this.deps.store.remove(tenant, requestId);
    this.deps.logger?.info({ tenant, requestId, force }, 'delete request cancelled');
  }

  /**
   * The tenant's requests as query-time filters: pending ones hide their lines from the moment
   * they are accepted, processed ones keep hiding lines that storage may still hold (ingesters'
   * memory, a late replica flush, entries pushed later with old timestamps).
   */
  async filtersFor(tenant: string): Promise<DeleteFilter[]> {
    if (this.deps.modeFor(tenant) === 'disabled') return [];
    return (await this.deps.store.cached(tenant)).flatMap(toFilters);
  }

  private requireEnabled(tenant: string): void {
    if (this.deps.modeFor(tenant) === 'disabled') throw new DeletionError('DELETION_DISABLED', DELETION_NOT_AVAILABLE);
  }

  /** Loki's `interval`: the part length for a request spanning `windowMs`. */
  private interval(requested: NewDeleteRequest['maxIntervalMs'], windowMs: number): number {
    if (requested === undefined) return this.maxIntervalMs;
    if (requested === UNREADABLE || requested < 1000) throw invalid("invalid max_interval: valid time units are 's', 'm', 'h'");
    if (this.maxIntervalMs !== 0 && requested > this.maxIntervalMs) {
      throw invalid(`max_interval can't be greater than ${formatGoDuration(BigInt(this.maxIntervalMs) * 1_000_000n)}`);
    }
    if (requested > windowMs) {
      throw invalid(`max_interval can't be greater than the interval to be deleted (${formatGoDuration(BigInt(windowMs) * 1_000_000n)})`);
    }
    return requested;
  }

  /** Eight random hex digits, as short as Loki's ids; drawn again on the rare collision. */
  private async newId(tenant: string): Promise<string> {
    for (;;) {
      const id = randomBytes(4).toString('hex');
      if ((await this.deps.store.get(tenant, id)) === undefined) return id;
    }
  }
}
