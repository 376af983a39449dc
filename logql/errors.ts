// Typed LogQL errors: NornErrors (core/errors.ts) whose codes all mean a 400, as Loki answers a
// query the client got wrong.

import { NornError } from '../core/errors.js';

export type LogQLErrorCode =
  | 'LOGQL_PARSE'
  | 'LOGQL_UNSUPPORTED'
  | 'LOGQL_PIPELINE'
  | 'LOGQL_LIMIT'
  | 'LOGQL_EXEC';

export class LogQLError extends NornError {
  declare readonly code: LogQLErrorCode;

  constructor(code: LogQLErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
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
    super('LOGQL_PARSE', formatParseMessage(detail, line, col), options);
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
    super('LOGQL_UNSUPPORTED', message);
    this.name = 'UnsupportedQueryError';
  }
}

/** Loki's `pipeline error`: a metric series carries `__error__` the query did not filter out. */
export class PipelineError extends LogQLError {
  constructor(message: string) {
    super('LOGQL_PIPELINE', message);
    this.name = 'PipelineError';
  }
}

/**
 * A query that parses but whose stages cannot be built: a regex RE2 refuses, a pattern filter
 * with a named capture, `ip()` after `|~`. Loki answers 400 with the builder's own message.
 */
export class InvalidPipelineError extends LogQLError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LOGQL_PARSE', message, options);
    this.name = 'InvalidPipelineError';
  }
}

/** A query that exceeds a limit (points per series, series count). */
export class QueryLimitError extends LogQLError {
  constructor(message: string) {
    super('LOGQL_LIMIT', message);
    this.name = 'QueryLimitError';
  }
}

/**
 * A source found an entry older than the `foldBefore` the store folded with (an ingester took
 * it in after it said what it holds): the engine selects the samples again, unfolded.
 */
export class FoldConflict extends NornError {
  constructor(message: string) {
    super('QUERY_FOLD_CONFLICT', message);
    this.name = 'FoldConflict';
  }
}

export function isLogQLError(error: unknown): error is LogQLError {
  return error instanceof LogQLError;
}
