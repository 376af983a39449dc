// Typed WAL failures. A failed append was not acknowledged; the caller answers the push with an
// error and the client retries, so nothing acknowledged is lost by an I/O error here. What each
// code means is written beside it in core/errors.ts.

import { NornError } from '../../../core/errors.js';

export type WalErrorCode = 'WAL_CLOSED' | 'WAL_WRITE' | 'WAL_ENCODE' | 'WAL_CHECKPOINT' | 'WAL_IO';

export class WalError extends NornError {
  declare readonly code: WalErrorCode;

  constructor(code: WalErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
