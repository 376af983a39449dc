// Typed bus errors: NornErrors (core/errors.ts) with the bus's codes, the original failure as
// `cause`.

import { ERROR_STATUS, isErrorCode, NornError } from '../core/errors.js';

export type BusErrorCode =
  | 'BUS_TIMEOUT'
  | 'BUS_NO_RESPONDERS'
  | 'BUS_REMOTE'
  | 'BUS_CLOSED'
  | 'BUS_CONNECTION'
  | 'BUS_PAYLOAD'
  | 'KV_CONFLICT'
  | 'KV_ERROR';

export class BusError extends NornError {
  declare readonly code: BusErrorCode;

  constructor(code: BusErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export class BusTimeoutError extends BusError {
  constructor(subject: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('BUS_TIMEOUT', `request on ${subject} timed out after ${timeoutMs} ms`, options);
  }
}

export class NoRespondersError extends BusError {
  constructor(subject: string, options?: { cause?: unknown }) {
    super('BUS_NO_RESPONDERS', `no responders on ${subject}`, options);
  }
}

/**
 * The handler on the other side threw. `remoteCode` is the thrown error's `code` (when it had
 * one) and `remoteStatus` the status it stood for there, so a coded error crosses the bus intact:
 * a 400-class validation error is still a 400 on this side.
 */
export class RemoteError extends BusError {
  constructor(
    /** The subject whose handler threw. */
    readonly subject: string,
    message: string,
    readonly remoteCode?: string,
    readonly remoteStatus?: number,
  ) {
    super('BUS_REMOTE', message);
  }

  /**
   * The status the remote code means here; for a code this process does not know (a newer peer,
   * a foreign library's), the status the thrower gave, else BUS_REMOTE's.
   */
  override get status(): number {
    if (isErrorCode(this.remoteCode)) return ERROR_STATUS[this.remoteCode];
    const remote = this.remoteStatus;
    return remote !== undefined && Number.isInteger(remote) && remote >= 400 && remote <= 599 ? remote : super.status;
  }
}

export class KvConflictError extends BusError {
  constructor(bucket: string, key: string, options?: { cause?: unknown }) {
    super('KV_CONFLICT', `kv ${bucket}/${key}: revision conflict`, options);
  }
}
