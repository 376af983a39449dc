// What the HTTP edge needs from the process that runs it. The edge decodes requests and
// encodes answers; everything behind these members validates, stores and queries.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PushService } from '../actors/distributor/api.js';
import type { QueryService } from '../actors/querier/api.js';
import type { LimitsConfig } from '../core/limits.js';
import type { RulesService } from '../actors/ruler/api.js';
import type { DeleteService } from '../actors/compactor/deletion-api.js';

/** Answered by `/loki/api/v1/status/buildinfo`, in Loki's (Prometheus') field names. */
export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
  readonly buildUser?: string;
  readonly buildDate?: string;
  /** Loki reports its Go version here; Norn reports its runtime (default: `process.version`). */
  readonly goVersion?: string;
}

export interface HttpLimits {
  /** Largest push body accepted, compressed and decompressed alike (Loki: 413 beyond it). */
  readonly maxBodyBytes: number;
  /** Live tail: how often new entries are fetched (default 1000 ms). */
  readonly tailPollIntervalMs?: number;
  /** Live tail: how long one connection may stay open (default 1 h, Loki's `tail_max_duration`). */
  readonly tailMaxDurationMs?: number;
  /** A tail client with more than this queued on its socket has lines dropped (reported as dropped_entries); default 16 MiB. */
  readonly tailMaxBufferedBytes?: number;
}

export interface HttpDeps {
  readonly push: PushService;
  readonly query: QueryService;
  readonly logger: Logger;
  /** `X-Scope-OrgID` required and validated; otherwise every request is tenant `fake`. */
  readonly auth: boolean;
  /** `/metrics` serves it; the edge registers its request-duration histogram in it. */
  readonly registry: Registry;
  /** `true` when ready; `false` or a reason (the 503 body) when not. */
  isReady(): boolean | string;
  /** `POST /flush`; the route exists only when given. */
  flush?(): Promise<void>;
  /** `/loki/api/v1/format_query`: pretty-prints a query or throws its parse error. */
  formatQuery?(query: string): string;
  /** `GET /ring`: JSON, or an HTML table for browsers; the route exists only when given. */
  ring?(): unknown;
  /**
   * `POST /ring` with `forget=<id>`: removes a member from the ring (Loki's "Forget"); false
   * when the ring holds no such member. The ring page shows Forget buttons only when given.
   */
  forgetRingMember?(id: string): Promise<boolean>;
  /** `GET /queriers`: the queriers this gateway sends sub-queries to, as `/ring`; only when given. */
  queriers?(): unknown;
  /** `GET /config`: the effective configuration, answered as YAML; the route exists only when given. */
  config?(): unknown;
  /**
   * `GET /runtime_config`: the per-tenant overrides in force (`diff`: only what differs from the
   * global limits), answered as YAML; undefined when no runtime config exists. The route exists only when given.
   */
  runtimeConfig?(mode: 'full' | 'diff'): unknown;
  readonly buildInfo: BuildInfo;
  readonly limits: HttpLimits;
  /** The ruler's API (`/loki/api/v1/rules`, `/prometheus/api/v1/rules|alerts`); the routes exist only when given. */
  readonly rules?: RulesService;
  /** Log deletion (`/loki/api/v1/delete`: create, list, cancel); the routes exist only when given. */
  readonly deletes?: DeleteService;
  /** A tenant's limits, for `/loki/api/v1/drilldown-limits`; absent: that route answers `{}` limits. */
  tenantLimits?(tenant: string): LimitsConfig;
  /** Current time in ns; tests pin it. Default: the system clock. */
  now?(): bigint;
}
