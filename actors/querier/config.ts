// The querier's own settings; the query limits it enforces are in core/limits.ts.

export interface QuerierConfig {
  readonly ingesterQueryTimeoutMs: number;
}

export const DEFAULT_QUERIER: QuerierConfig = { ingesterQueryTimeoutMs: 30_000 };
