// Typed bus errors. Each carries a stable `code`, so callers branch on codes, not messages,
// and the original failure as `cause`.

export type BusErrorCode =
  | 'BUS_TIMEOUT'
  | 'BUS_NO_RESPONDERS'
  | 'BUS_REMOTE'
  | 'BUS_CLOSED'
  | 'BUS_CONNECTION'
  | 'BUS_PAYLOAD'
  | 'KV_CONFLICT'
  | 'KV_ERROR';

export class BusError extends Error {
  readonly code: BusErrorCode;

  constructor(code: BusErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusError';
    this.code = code;
  }
}

export class BusTimeoutError extends BusError {
  constructor(subject: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('BUS_TIMEOUT', `request on ${subject} timed out after ${timeoutMs} ms`, options);
    this.name = 'BusTimeoutError';
  }
}

export class NoRespondersError extends BusError {
  constructor(subject: string, options?: { cause?: unknown }) {
    super('BUS_NO_RESPONDERS', `no responders on ${subject}`, options);
    this.name = 'NoRespondersError';
  }
}

/**
 * The handler on the other side threw. `remoteCode` is the thrown error's `code` property
 * (when it had one), so a coded error crosses the bus intact, e.g. a 400-class validation error.
 */
export class RemoteError extends BusError {
  readonly remoteCode: string | undefined;
  readonly remoteStatus: number | undefined;

  constructor(subject: string, message: string, remoteCode?: string, remoteStatus?: number) {
    super('BUS_REMOTE', message);
    this.name = 'RemoteError';
    this.remoteCode = remoteCode;
    this.remoteStatus = remoteStatus;
    void subject;
  }
}

export class KvConflictError extends BusError {
  constructor(bucket: string, key: string, options?: { cause?: unknown }) {
    super('KV_CONFLICT', `kv ${bucket}/${key}: revision conflict`, options);
    this.name = 'KvConflictError';
  }
}
