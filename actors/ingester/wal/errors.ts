// Typed WAL failures. A failed append was not acknowledged; the caller answers the push with an
// error and the client retries, so nothing acknowledged is lost by an I/O error here.

export type WalErrorCode =
  /** The WAL was closed; no more appends. */
  | 'WAL_CLOSED'
  /** write(2) or fsync failed; the batch it was part of is not durable. */
  | 'WAL_WRITE'
  /** The request could not be encoded into a record. */
  | 'WAL_ENCODE'
  /** Writing a checkpoint failed; the segments it would have replaced are kept. */
  | 'WAL_CHECKPOINT'
  /** Listing, reading, truncating or deleting WAL files failed. */
  | 'WAL_IO';

export class WalError extends Error {
  constructor(
    readonly code: WalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WalError';
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
