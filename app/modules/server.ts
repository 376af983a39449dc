// The server module: the HTTP edge every process serves. It starts after every other module of
// the target and stops before them, so no request arrives while an ingester leaves. Loki's API
// is answered where the target runs a distributor and a querier; elsewhere those routes say so.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../gateway/mod.js';
import { NOT_A_GATEWAY } from '../../gateway/not-served.js';
import { formatQuery } from '../../logql/mod.js';
import type { NornConfig } from '../config.js';
import { limitsFor } from '../../core/limits.js';
import { buildInfo } from '../build-info.js';
import { maskSecrets } from '../config-mask.js';
import type { DistributorModule } from './distributor.js';
import type { IngesterModule } from './ingester.js';
import type { QuerierModule } from './querier.js';
import type { FrontendModule } from './frontend.js';
import type { RingModule } from './ring.js';
import type { OpenStorage } from './storage.js';
import type { RulesService } from '../../actors/ruler/api.js';
import type { DeleteService } from '../../actors/compactor/deletion-api.js';
import type { QuerierPoolModule } from './querier-pool.js';
import { NornError } from '../../core/errors.js';
import type { RuntimeConfig } from '../runtime-config.js';

/** Largest push body the edge reads, after decompression limits apply. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface ServerModule {
  readonly http: FastifyInstance;
  /** `http://host:port` the edge listens on. */
  readonly address: string;
  close(): Promise<void>;
}

export async function startServer(deps: {
  readonly config: NornConfig;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly ring: RingModule;
  readonly ingester: IngesterModule | undefined;
  readonly distributor: DistributorModule | undefined;
  readonly querier: QuerierModule | undefined;
  /** The query frontend: what `query` is, where the target runs one. */
  readonly frontend?: FrontendModule | undefined;
  readonly storage?: OpenStorage | undefined;
  /** The rules API, where the target runs a ruler or reads the rule store. */
  readonly rules?: RulesService | undefined;
  /** Log deletion's API (`/loki/api/v1/delete`), where the target serves queries. */
  readonly deletes?: DeleteService | undefined;
  /** The queriers a gateway sees, for `/queriers`. */
  readonly queriers?: QuerierPoolModule | undefined;
  /** `/runtime_config`: the per-tenant overrides in force. */
  readonly runtimeConfig?: RuntimeConfig | undefined;
}): Promise<ServerModule> {
  const { config, registry, logger, ring, ingester, distributor, querier, storage } = deps;
  const flushAll = ingester !== undefined ? () => ingester.flush() : distributor !== undefined ? () => distributor.flushIngesters() : undefined;
  const flush = flushAll !== undefined ? () => bounded(flushAll(), config.ingester.flushWaitTimeoutMs) : undefined;
  const http = createHttpServer({
    push: distributor?.distributor ?? NOT_A_GATEWAY.push,
    query: deps.frontend?.service ?? querier?.service ?? NOT_A_GATEWAY.query,
    logger,
    auth: config.auth,
    registry,
    isReady: () => {
      const store = storage?.health.readiness() ?? true;
      if (store !== true) return store;
      return ingester?.readiness() ?? distributor?.readiness() ?? true;
    },
    ...(flush !== undefined ? { flush } : {}),
    formatQuery,
    ring: () => ring.status(),
    forgetRingMember: (id) => ring.forget(id),
    ...(deps.queriers !== undefined ? { queriers: deps.queriers.status } : {}),
    // Anyone who reaches the port may read it: credentials are masked as Loki masks them.
    config: () => maskSecrets(config),
    buildInfo: buildInfo(),
    limits: { maxBodyBytes: MAX_BODY_BYTES },
    ...(deps.rules !== undefined ? { rules: deps.rules } : {}),
    ...(deps.deletes !== undefined ? { deletes: deps.deletes } : {}),
    tenantLimits: (tenant) => limitsFor(config.limits, tenant),
    ...(deps.runtimeConfig !== undefined ? { runtimeConfig: deps.runtimeConfig.render.bind(deps.runtimeConfig) } : {}),
  });
  const address = await http.listen({ host: config.httpHost, port: config.httpPort });
  return { http, address, close: () => http.close() };
}

/** `/flush` answers within `ms`: storage that does not answer is a 503, never a hung request. */
async function bounded(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new NornError('FLUSH_TIMEOUT', `flush did not finish within ${ms} ms: object storage is not taking chunks; they stay in memory and the WAL and keep retrying`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
