// The actors' errors: each carries a stable `code` for callers and logs, and the HTTP `status`
// a Loki client expects; the HTTP edge maps any error with a `status` to that status.

export class StatusError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
