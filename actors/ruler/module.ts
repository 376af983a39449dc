// Builds a ruler from its parts, for the composition root: the rule store and state store the
// configuration names, the ruler ring (when rulers share the work), the Alertmanager notifier,
// the remote-write client, and the rules API service. Processes that serve the rules API
// without evaluating (a gateway in a cluster) take `openRulesApi` alone.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Bus, KvStore } from '../../bus/bus.js';
import { subjects } from '../../bus/subjects.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { RingMember } from '../ring/model.js';
import type { RulesService } from './api.js';
import { rulesDirectory, type RulerConfig } from './config.js';
import type { RuleQuerier } from './evaluate-rule.js';
import type { SampleSink } from './group-runner.js';
import { LocalRuleStore } from './local-rule-store.js';
import { rulerMetrics } from './metrics.js';
import { AlertmanagerNotifier } from './notifier.js';
import { ObjectRuleStore } from './object-rule-store.js';
import { RemoteWriteClient } from './remote-write/client.js';
import type { RuleStore } from './rule-store.js';
import { Ruler } from './ruler.js';
import { StoredRulesService } from './rules-service.js';
import { OWN_EVERYTHING, RulerRing } from './sharding.js';
import { KvGroupStateStore, ObjectGroupStateStore, type GroupStateStore, type SavedGroupState } from './state-store.js';

export interface RuleStoresDeps {
  readonly config: RulerConfig;
  readonly bus: Bus;
  readonly objectStore: ObjectStore;
  /** In a cluster, state goes to the bus KV (shared, replicated); alone, to the object store (outlives the process). */
  readonly clustered: boolean;
  /** Resolves an unset `storage.local.directory` to `<data_dir>/rules`. */
  readonly dataDir?: string;
  readonly logger: Logger;
}

export interface RuleStores {
  readonly rules: RuleStore;
  readonly state: GroupStateStore;
}

export async function openRuleStores(deps: RuleStoresDeps): Promise<RuleStores> {
  const rules =
    deps.config.storage.type === 'local'
      ? new LocalRuleStore(rulesDirectory(deps.dataDir ?? './data', deps.config.storage.directory), (file, error) =>
          deps.logger.error({ file, err: error.message }, 'ruler: rule file skipped'),
        )
      : new ObjectRuleStore(deps.objectStore);
  const state = deps.clustered
    ? new KvGroupStateStore((await deps.bus.kv(subjects.rulerStateBucket)) as KvStore<SavedGroupState>)
    : new ObjectGroupStateStore(deps.objectStore);
  return { rules, state };
}

export function openRulesApi(stores: RuleStores, config: RulerConfig, onChange?: () => void): RulesService {
  return new StoredRulesService({ ...stores, evaluationIntervalMs: config.evaluationIntervalMs, ...(onChange !== undefined ? { onChange } : {}) });
}

export interface RulerModuleDeps extends RuleStoresDeps {
  readonly id: string;
  /** HTTP address shown in the ruler ring, for operators. */
  readonly addr?: string;
  readonly querier: RuleQuerier;
  readonly registry: Registry;
  readonly fetch?: typeof fetch;
}

export interface RunningRuler {
  readonly ruler: Ruler;
  readonly service: RulesService;
  readonly ring: RulerRing | undefined;
  readonly notifier: AlertmanagerNotifier;
  readonly remoteWrite: RemoteWriteClient | undefined;
  /** Graceful: finish evaluations, leave the ring (groups move at once), send what is queued. */
  stop(): Promise<void>;
  /** As if the process died: stop everything without leaving the ring (tests of takeover). */
  abandon(): Promise<void>;
}

const DISCARD: SampleSink = { append: () => undefined };

export async function startRulerModule(deps: RulerModuleDeps): Promise<RunningRuler> {
  const { config, logger } = deps;
  const metrics = rulerMetrics(deps.registry);
  const stores = await openRuleStores(deps);
  const ring = deps.clustered
    ? new RulerRing((await deps.bus.kv(subjects.rulerRingBucket)) as KvStore<RingMember>, {
        id: deps.id,
        heartbeatMs: config.heartbeatMs,
        heartbeatTimeoutMs: config.heartbeatTimeoutMs,
        ...(deps.addr !== undefined ? { addr: deps.addr } : {}),
      })
    : undefined;
  await ring?.start();
  const notifier = new AlertmanagerNotifier({
    urls: config.alertmanagerUrls,
    capacity: config.notificationQueueCapacity,
    timeoutMs: config.notificationTimeoutMs,
    externalLabels: config.externalLabels,
    metrics,
    logger,
    ...(deps.fetch !== undefined ? { fetch: deps.fetch } : {}),
  });
  const url = config.remoteWrite.url;
  const remoteWrite =
    url !== undefined
      ? new RemoteWriteClient({ config: { ...config.remoteWrite, url }, externalLabels: config.externalLabels, metrics, logger, ...(deps.fetch !== undefined ? { fetch: deps.fetch } : {}) })
      : undefined;
  if (remoteWrite === undefined) logger.info('ruler: no remote_write.url, recording rules are evaluated but not written');
  const ruler = new Ruler({
    id: deps.id,
    config,
    rules: stores.rules,
    state: stores.state,
    querier: deps.querier,
    ownership: ring ?? OWN_EVERYTHING,
    alerts: notifier,
    samples: remoteWrite ?? DISCARD,
    metrics,
    logger,
  });
  await ruler.start();
  const service = openRulesApi(stores, config, () => void ruler.sync());

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await ruler.stop();
      await ring?.leave();
      await notifier.close();
      await remoteWrite?.close();
    })());
  const abandon = (): Promise<void> =>
    (stopping ??= (async () => {
      ring?.abandon();
      await ruler.stop();
      await notifier.close();
      await remoteWrite?.close();
    })());
  return { ruler, service, ring, notifier, remoteWrite, stop, abandon };
}
