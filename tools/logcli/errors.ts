// The two ways a command fails: the user asked wrongly (exit 2, with usage) or the work failed
// (exit 1, with the server's message).

export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** A Loki server answered with an error status; `message` is what the server said. */
export class ServerError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly url: string,
  ) {
    super(`Error response from server: ${body.trim()} (${status})`);
    this.name = 'ServerError';
  }
}

/** The server could not be reached, or answered something that is not Loki's JSON. */
export class RequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RequestError';
  }
}
