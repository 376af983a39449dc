// Typed LogQL errors. Every error a user can cause carries a stable `code` and the HTTP
// `status` the edge should answer with, so callers branch on codes, not messages.

export type LogQLErrorCode =
  | 'LOGQL_PARSE'
  | 'LOGQL_UNSUPPORTED'
  | 'LOGQL_PIPELINE'
  | 'LOGQL_LIMIT'
  | 'LOGQL_EXEC';

export class LogQLError extends Error {
  readonly code: LogQLErrorCode;
  readonly status: number;

  constructor(code: LogQLErrorCode, message: string, status = 400, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogQLError';
    this.code = code;
    this.status = status;
  }
}

/**
 * A query Loki would reject at parse time. The message follows Loki's wording:
 * `parse error at line L, col C: ...`, or `parse error : ...` when no position applies.
 */
export class LogQLParseError extends LogQLError {
  readonly line: number;
  readonly col: number;
  readonly detail: string;

  constructor(detail: string, line = 0, col = 0, options?: { cause?: unknown }) {
    super('LOGQL_PARSE', formatParseMessage(detail, line, col), 400, options);
    this.name = 'LogQLParseError';
    this.line = line;
    this.col = col;
    this.detail = detail;
  }
}

function formatParseMessage(detail: string, line: number, col: number): string {
  if (line === 0 && col === 0) return `parse error : ${detail}`;
  return `parse error at line ${line}, col ${col}: ${detail}`;
}

/** A well-formed query the engine cannot run (yet); still the client's problem, hence 400. */
export class UnsupportedQueryError extends LogQLError {
  constructor(message: string) {
    super('LOGQL_UNSUPPORTED', message, 400);
    this.name = 'UnsupportedQueryError';
  }
}

/** Loki's `pipeline error`: a metric series carries `__error__` the query did not filter out. */
export class PipelineError extends LogQLError {
  constructor(message: string) {
    super('LOGQL_PIPELINE', message, 400);
    this.name = 'PipelineError';
  }
}

/** A query that exceeds a limit (points per series, series count). */
export class QueryLimitError extends LogQLError {
  constructor(message: string) {
    super('LOGQL_LIMIT', message, 400);
    this.name = 'QueryLimitError';
  }
}

export function isLogQLError(error: unknown): error is LogQLError {
  return error instanceof LogQLError;
}
