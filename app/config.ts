// Every setting Norn has, with its default. The command line and the YAML file both produce a
// NornConfig (app/config-file.ts, bin/cli-flags.ts); each component takes only its own section,
// whose type and defaults live beside the component.

import type { LimitsConfig } from '../core/limits.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import type { StorageConfig } from '../storage/config.js';
import type { IngesterConfig, WalConfig } from '../actors/ingester/config.js';
import { DEFAULT_INGESTER, DEFAULT_WAL } from '../actors/ingester/config.js';
import type { RingConfig } from '../actors/ring/config.js';
import { DEFAULT_RING } from '../actors/ring/config.js';
import type { DistributorConfig } from '../actors/distributor/config.js';
import { DEFAULT_DISTRIBUTOR } from '../actors/distributor/config.js';
import type { QuerierConfig } from '../actors/querier/config.js';
import { DEFAULT_QUERIER } from '../actors/querier/config.js';
import type { RulerConfig } from '../actors/ruler/config.js';
import { defaultRulerConfig } from '../actors/ruler/config.js';
import type { FrontendConfig } from '../actors/frontend/config.js';
import { DEFAULT_FRONTEND } from '../actors/frontend/config.js';
import type { CompactorConfig } from '../actors/compactor/config.js';
import { DEFAULT_COMPACTOR } from '../actors/compactor/config.js';

export type Target = 'all' | 'gateway' | 'ingester' | 'ruler' | 'querier' | 'compactor';

/**
 * Loki's `runtime_config`: a YAML file of per-tenant `overrides:` re-read every `period`, so a
 * tenant's limits change without a restart (app/runtime-config.ts). `file: ''` means none.
 */
export interface RuntimeConfigSettings {
  readonly file: string;
  readonly periodMs: number;
}

export interface NornConfig {
  readonly target: Target;
  readonly id: string;
  readonly httpHost: string;
  readonly httpPort: number;
  readonly nats?: string;
  readonly auth: boolean;
  readonly logLevel: string;
  readonly storage: StorageConfig;
  readonly ingester: IngesterConfig;
  readonly limits: LimitsConfig;
  readonly ring: RingConfig;
  readonly distributor: DistributorConfig;
  readonly querier: QuerierConfig;
  readonly wal: WalConfig;
  readonly ruler: RulerConfig;
  /** The gateway's query frontend (actors/frontend/config.ts). */
  readonly frontend: FrontendConfig;
  readonly runtimeConfig: RuntimeConfigSettings;
  /** Index compaction, retention, the single active compactor (actors/compactor/config.ts). */
  readonly compactor: CompactorConfig;
}

export function defaultConfig(): NornConfig {
  return {
    target: 'all',
    id: 'norn-1',
    httpHost: '0.0.0.0',
    httpPort: 3100,
    auth: false,
    logLevel: 'info',
    storage: { dataDir: './data', indexCacheMs: 5_000 },
    ingester: DEFAULT_INGESTER,
    limits: DEFAULT_LIMITS,
    ring: DEFAULT_RING,
    distributor: DEFAULT_DISTRIBUTOR,
    querier: DEFAULT_QUERIER,
    wal: DEFAULT_WAL,
    ruler: defaultRulerConfig(),
    frontend: DEFAULT_FRONTEND,
    runtimeConfig: { file: '', periodMs: 10_000 },
    compactor: DEFAULT_COMPACTOR,
  };
}
