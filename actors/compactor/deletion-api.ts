// What the HTTP edge needs from log deletion (Loki's `/loki/api/v1/delete`): create, list and
// cancel a tenant's delete requests. The service behind it (deletion/service.ts) validates with
// Loki's rules and messages, keeps the requests in the object store, and feeds the query-time
// filter; the compactor carries them out (deletion/delete-task.ts).

import { NornError } from '../../core/errors.js';

/** A parameter the edge could not read: the service refuses it in Loki's order of checks. */
export const UNREADABLE = 'unreadable';

/** A delete request as the edge decoded it. Times are Unix milliseconds, as Loki keeps them. */
export interface NewDeleteRequest {
  /** A log selector with optional line filters (Loki's `query`); '' when not given. */
  readonly query: string;
  /** Start of the window, ms (inclusive); undefined when the client sent none. */
  readonly startMs: number | undefined | typeof UNREADABLE;
  /** End of the window, ms (inclusive); undefined: now. */
  readonly endMs: number | undefined | typeof UNREADABLE;
  /** Loki's `max_interval`, ms: split the request into parts no longer than this; undefined: the default. */
  readonly maxIntervalMs: number | undefined | typeof UNREADABLE;
}

/**
 * One request as `GET /loki/api/v1/delete` lists it: its parts merged (earliest start, latest
 * end) and their statuses summed up: `received`, `processed` or `N% Complete`.
 */
export interface DeleteRequestView {
  readonly requestId: string;
  readonly tenant: string;
  readonly query: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly createdAtMs: number;
  readonly status: string;
}

export interface DeleteService {
  /** Stores a new request; resolves to its id. Throws DeletionError. */
  create(tenant: string, request: NewDeleteRequest): Promise<string>;
  /** Every request of the tenant not cancelled, oldest first. */
  list(tenant: string): Promise<DeleteRequestView[]>;
  /** Removes a request; `force` also cancels one past its cancel period or partly processed. */
  cancel(tenant: string, requestId: string, force: boolean): Promise<void>;
}

export type DeletionErrorCode = 'DELETE_REQUEST_INVALID' | 'DELETE_REQUEST_NOT_CANCELLABLE' | 'DELETE_REQUEST_NOT_FOUND' | 'DELETION_DISABLED';

/** A refused delete-API call; the code gives Loki's status (core/errors.ts), the message is Loki's. */
export class DeletionError extends NornError {
  declare readonly code: DeletionErrorCode;

  constructor(code: DeletionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Loki's answer when the tenant's `deletion_mode` is `disabled` (403). */
export const DELETION_NOT_AVAILABLE = 'deletion is not available for this tenant';
