// Norn's one coded-error base. Every error Norn raises on purpose is a NornError (or a subclass
// that callers test with instanceof) with a stable `code`, so callers and logs branch on codes,
// not messages, and the original failure travels as `cause`. The HTTP status each code means is
// declared once, below; the HTTP edge answers with it (gateway/errors.ts `statusOf`), and a coded
// error that crossed the bus keeps its code, so it keeps its status (bus/errors.ts RemoteError).

/** Every code, and the HTTP status a Loki client gets for it. */
export const ERROR_STATUS = {
  // The HTTP edge: parameters, bodies, tenants.
  HTTP_BAD_REQUEST: 400,
  HTTP_NO_ORG_ID: 401,
  HTTP_BAD_TENANT: 400,
  HTTP_BODY_TOO_LARGE: 413,
  HTTP_NOT_IMPLEMENTED: 501,
  /** OTLP/HTTP: a body in an encoding other than protobuf or JSON, or compressed other than gzip. */
  HTTP_UNSUPPORTED_MEDIA_TYPE: 415,
  /** A push or query sent to a process that runs only the ingester target. */
  NOT_SERVED: 404,

  // The distributor. Loki answers a failed replication with a 500 so that clients retry.
  VALIDATION: 400,
  RATE_LIMITED: 429,
  /** A push that would create more active streams than the tenant may have (Loki: 429, retried). */
  STREAM_LIMIT: 429,
  QUORUM_FAILED: 500,
  /** Fewer healthy ingesters in the ring than a quorum: nothing is sent. */
  RING_QUORUM_UNAVAILABLE: 500,

  // The ingester.
  INGESTER_NOT_WRITABLE: 503,
  INGESTER_STOPPED: 503,
  /** `POST /flush` ran out of time; the chunks stay in memory and the WAL and keep retrying. */
  FLUSH_TIMEOUT: 503,
  /** `/ready` and requests while the object store does not answer the start-up probe. */
  STORAGE_NOT_READY: 503,
  /** The WAL was closed; no more appends. */
  WAL_CLOSED: 500,
  /** write(2) or fsync failed; the batch it was part of is not durable. */
  WAL_WRITE: 500,
  /** The request could not be encoded into a record. */
  WAL_ENCODE: 500,
  /** Writing a checkpoint failed; the segments it would have replaced are kept. */
  WAL_CHECKPOINT: 500,
  /** Listing, reading, truncating or deleting WAL files failed. */
  WAL_IO: 500,

  // The querier and LogQL. A query the client got wrong is a 400, as in Loki.
  QUERY_INGESTERS_UNAVAILABLE: 503,
  /** A store-scan worker thread threw or died: that query fails, the node keeps serving. */
  QUERY_WORKER_FAILED: 500,
  /** A source saw that folded samples would count an entry twice; the engine asks again unfolded. */
  QUERY_FOLD_CONFLICT: 500,
  /** The query frontend's queue holds `max_outstanding_per_tenant` of the tenant's sub-queries (Loki: 429). */
  QUERY_TOO_MANY_OUTSTANDING: 429,
  /** The query ran past the tenant's `query_timeout` (Loki: 504). */
  QUERY_TIMEOUT: 504,
  /** The client went away before its query finished (Loki logs 499). */
  QUERY_CANCELED: 499,
  /** A metric query over several tenants (`a|b`), which Norn does not merge. */
  QUERY_MULTI_TENANT_METRIC: 400,
  LOGQL_PARSE: 400,
  LOGQL_UNSUPPORTED: 400,
  LOGQL_PIPELINE: 400,
  LOGQL_LIMIT: 400,
  LOGQL_EXEC: 400,

  // The bus. A peer that does not answer is a 503: the client may retry elsewhere or later.
  BUS_TIMEOUT: 503,
  BUS_NO_RESPONDERS: 503,
  BUS_CLOSED: 503,
  BUS_CONNECTION: 503,
  BUS_PAYLOAD: 500,
  /** The handler on the other side failed with an error that has no code of its own. */
  BUS_REMOTE: 500,
  /** `request` reached a handler that answers with a stream. */
  BUS_UNEXPECTED_STREAM: 500,
  KV_CONFLICT: 500,
  KV_ERROR: 500,

  // Object storage and the chunk format.
  OBJECT_NOT_FOUND: 500,
  INVALID_KEY: 500,
  STORAGE_UNAVAILABLE: 500,
  CORRUPT_CHUNK: 500,
  /** An index object that cannot be parsed or disagrees with its key. */
  CORRUPT_INDEX: 500,
  /** A cut block's background compression failed (the block stays uncompressed and is retried). */
  BLOCK_COMPRESSION: 500,

  // The ruler.
  RULER_CONFIG: 400,
  RULE_GROUP_INVALID: 400,
  RULE_GROUP_NOT_FOUND: 404,
  RULE_NAMESPACE_NOT_FOUND: 404,
  RULE_STORE: 500,
  RULE_EVALUATION: 500,
  REMOTE_WRITE: 500,
  NOTIFIER: 500,

  // Log deletion (Loki's deletion API), with Loki's statuses.
  /** A delete request with a missing or bad query, time range or `max_interval`. */
  DELETE_REQUEST_INVALID: 400,
  /** Cancelling a request that is processed, partly processed or past the cancel period (without `force`). */
  DELETE_REQUEST_NOT_CANCELLABLE: 400,
  DELETE_REQUEST_NOT_FOUND: 404,
  /** The tenant's `deletion_mode` is `disabled`. */
  DELETION_DISABLED: 403,

  // Start-up: configuration files and flags, and the module graph they select.
  CONFIG: 400,
  MODULE_GRAPH: 500,
} as const satisfies Readonly<Record<string, number>>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code);
}

export class NornError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The HTTP status this error's code means. */
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** A thrown value as text, for logs and for the messages of errors that wrap it. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
