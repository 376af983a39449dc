// A push of which some entries were refused and the rest written: Loki's 400, with the count of
// refused entries for doors that report partial success (OTLP's `rejected_log_records`).

import { ValidationError } from './validation.js';

export class PartialPushError extends ValidationError {
  constructor(
    message: string,
    readonly rejectedEntries: number,
  ) {
    super(message);
  }
}
