// The ruler modules. `rulerStores` opens the rule store and the saved group state, and is enough
// to serve the rules API (a gateway in a cluster answers it without evaluating). `ruler`
// evaluates the groups: alone in one process it owns every group; on NATS it joins the ruler
// ring and shares the groups with the other rulers.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Bus } from '../../bus/bus.js';
import type { QueryService } from '../../actors/querier/api.js';
import { openRuleStores, openRulesApi, startRulerModule, type RuleStores, type RulesService, type RunningRuler } from '../../actors/ruler/mod.js';
import type { NornConfig } from '../config.js';
import type { OpenStorage } from './storage.js';

export interface RulerStoresModule {
  readonly stores: RuleStores;
  /** The rules API over the stores alone, for processes that do not evaluate. */
  readonly service: RulesService;
}

export async function startRulerStores(deps: {
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly storage: OpenStorage;
  readonly logger: Logger;
}): Promise<RulerStoresModule> {
  const { config } = deps;
  const stores = await openRuleStores({
    config: config.ruler,
    bus: deps.bus,
    objectStore: deps.storage.objects,
    clustered: config.nats !== undefined,
    dataDir: config.storage.dataDir,
    logger: deps.logger.child({ component: 'ruler' }),
  });
  return { stores, service: openRulesApi(stores, config.ruler) };
}

export function startRuler(deps: {
  readonly config: NornConfig;
  readonly bus: Bus;
  readonly storage: OpenStorage;
  readonly query: QueryService;
  readonly registry: Registry;
  readonly logger: Logger;
}): Promise<RunningRuler> {
  const { config } = deps;
  return startRulerModule({
    id: config.id,
    config: config.ruler,
    bus: deps.bus,
    objectStore: deps.storage.objects,
    clustered: config.nats !== undefined,
    dataDir: config.storage.dataDir,
    querier: deps.query,
    registry: deps.registry,
    logger: deps.logger.child({ component: 'ruler' }),
  });
}
