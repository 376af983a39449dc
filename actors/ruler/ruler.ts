// The ruler: keeps one GroupRunner for every valid rule group this process owns. It re-reads
// the rule store every `poll_interval`, when the ruler ring changes, and when the API changed a
// group here; each pass compares what should run with what runs, stopping runners for groups
// that went away or moved and starting runners (from their saved state) for new ones.

import type { Logger } from 'pino';
import type { RulerConfig } from './config.js';
import { compileGroup, groupKeyString, groupToken, type CompiledGroup } from './group.js';
import { GroupRunner, type AlertSink, type RuleStatus, type SampleSink } from './group-runner.js';
import type { RuleQuerier } from './evaluate-rule.js';
import type { RulerMetrics } from './metrics.js';
import type { RuleStore } from './rule-store.js';
import type { GroupOwnership } from './sharding.js';
import type { GroupStateStore } from './state-store.js';
import { validateGroups } from './validate.js';

export interface RulerDeps {
  readonly id: string;
  readonly config: RulerConfig;
  readonly rules: RuleStore;
  readonly state: GroupStateStore;
  readonly querier: RuleQuerier;
  readonly ownership: GroupOwnership;
  readonly alerts: AlertSink;
  readonly samples: SampleSink;
  readonly metrics: RulerMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

export interface LocalGroupStatus {
  readonly group: CompiledGroup;
  readonly lastEvaluationMs: number;
  readonly evaluationSeconds: number;
  readonly rules: readonly RuleStatus[];
}

export class Ruler {
  private readonly runners = new Map<string, GroupRunner>();
  private syncing: Promise<void> | undefined;
  private again = false;
  private poll: ReturnType<typeof setInterval> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly deps: RulerDeps) {}

  async start(): Promise<void> {
    await this.sync();
    this.unsubscribe = this.deps.ownership.onChange(() => void this.sync());
    this.poll = setInterval(() => void this.sync(), this.deps.config.pollIntervalMs);
  }

  /** Re-reads rules and ownership; concurrent calls coalesce into one more pass. */
  sync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.syncing !== undefined) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      do {
        this.again = false;
        try {
          await this.syncOnce();
        } catch (error) {
          this.deps.logger.error({ err: error }, 'ruler: reading rule groups failed; keeping the groups already running');
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  /** The groups this process evaluates, for its own status views and tests. */
  localGroups(tenant?: string): LocalGroupStatus[] {
    const out: LocalGroupStatus[] = [];
    for (const runner of this.runners.values()) {
      if (tenant !== undefined && runner.group.key.tenant !== tenant) continue;
      out.push({ group: runner.group, ...runner.status() });
    }
    return out;
  }

  /** The runner of one group, when this process owns it (tests drive evaluations through it). */
  runner(tenant: string, namespace: string, group: string): GroupRunner | undefined {
    return this.runners.get(groupKeyString({ tenant, namespace, group }));
  }

  /** Stops every runner after its evaluation in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll !== undefined) clearInterval(this.poll);
    this.unsubscribe?.();
    await this.syncing;
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    this.runners.clear();
    this.deps.metrics.groupsOwned.set(0);
  }

  private async wanted(): Promise<Map<string, CompiledGroup>> {
    const wanted = new Map<string, CompiledGroup>();
    for (const tenant of await this.deps.rules.tenants()) {
      for (const [namespace, groups] of await this.deps.rules.list(tenant)) {
        const problems = validateGroups(groups);
        if (problems.length > 0) {
          this.deps.logger.error({ tenant, namespace, problems }, 'ruler: invalid rule namespace skipped');
          continue;
        }
        for (const definition of groups) {
          const group = compileGroup(tenant, namespace, definition, this.deps.config.evaluationIntervalMs);
          if (this.deps.ownership.owns(groupToken(group.key))) wanted.set(groupKeyString(group.key), group);
        }
      }
    }
    return wanted;
  }

  private async syncOnce(): Promise<void> {
    const wanted = await this.wanted();
    if (this.stopped) return;
    const stopping: Promise<void>[] = [];
    for (const [key, runner] of this.runners) {
      const next = wanted.get(key);
      if (next !== undefined && next.fingerprint === runner.group.fingerprint) continue;
      this.runners.delete(key);
      stopping.push(runner.stop());
    }
    await Promise.all(stopping);
    for (const [key, group] of wanted) {
      if (this.runners.has(key)) continue;
      const runner = new GroupRunner(group, {
        querier: this.deps.querier,
        alerts: this.deps.alerts,
        samples: this.deps.samples,
        state: this.deps.state,
        metrics: this.deps.metrics,
        logger: this.deps.logger,
        rulerId: this.deps.id,
        resendDelayMs: this.deps.config.resendDelayMs,
        externalUrl: this.deps.config.externalUrl,
        externalLabels: this.deps.config.externalLabels,
        queryTimeoutMs: this.deps.config.queryTimeoutMs,
        ...(this.deps.now !== undefined ? { now: this.deps.now } : {}),
      });
      this.runners.set(key, runner);
      await runner.start();
    }
    this.deps.metrics.groupsOwned.set(this.runners.size);
  }
}
