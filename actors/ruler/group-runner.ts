// Evaluates one rule group on its interval, at aligned times: every ruler evaluates a group at
// `offset + k * interval`, the offset fixed by the group's hash (as Prometheus spreads groups),
// so a group that moves between rulers keeps its schedule. Each iteration runs the rules in
// order, sends due alerts, queues recorded samples and saves the group's state.

import type { Logger } from 'pino';
import { alertsToSend, applyEvaluation, fingerprint, ruleState, type ActiveAlert, type Notification } from './alert-state.js';
import { alertInputs, instantQuery, recordedSamples, type RecordedSample, type RuleQuerier } from './evaluate-rule.js';
import { groupKeyString, groupToken, type CompiledGroup, type Rule } from './group.js';
import { groupLabels, type RulerMetrics } from './metrics.js';
import type { RuleEvaluationStatus } from './api.js';
import type { GroupStateStore, RuleHealth, SavedGroupState, SavedRuleState } from './state-store.js';

export interface AlertSink {
  /** Queue notifications for Alertmanager; never throws (failures are counted and logged). */
  send(tenant: string, alerts: readonly NotificationWithUrl[]): void;
}

export interface NotificationWithUrl extends Notification {
  readonly generatorUrl: string;
}

export interface SampleSink {
  /** Queue samples for remote write; never throws (overflow is counted and logged). */
  append(tenant: string, samples: readonly RecordedSample[]): void;
}

export interface GroupRunnerDeps {
  readonly querier: RuleQuerier;
  readonly alerts: AlertSink;
  readonly samples: SampleSink;
  readonly state: GroupStateStore;
  readonly metrics: RulerMetrics;
  readonly logger: Logger;
  readonly rulerId: string;
  readonly resendDelayMs: number;
  readonly externalUrl: string;
  readonly externalLabels: Readonly<Record<string, string>>;
  /** An evaluation's query fails after this long (the query itself may still finish). */
  readonly queryTimeoutMs?: number;
  readonly now?: () => number;
}

export interface RuleStatus extends RuleEvaluationStatus {
  readonly rule: Rule;
}

interface RuleRuntime {
  health: RuleHealth;
  lastError: string;
  lastEvaluationMs: number;
  evaluationSeconds: number;
  readonly active: Map<string, ActiveAlert>;
  /** A recording rule's series at its last evaluation, for staleness markers. */
  recorded: Map<string, Readonly<Record<string, string>>>;
}

function ruleId(index: number, rule: Rule): string {
  return `${index}:${rule.kind}:${rule.name}`;
}

/** The first aligned evaluation time strictly after `nowMs`. */
export function nextEvaluation(nowMs: number, intervalMs: number, offsetMs: number): number {
  const base = Math.floor((nowMs - offsetMs) / intervalMs) * intervalMs + offsetMs;
  return base > nowMs ? base : base + intervalMs;
}

export class GroupRunner {
  private readonly runtimes: RuleRuntime[];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastEvaluationMs = 0;
  private evaluationSeconds = 0;
  private readonly now: () => number;
  private readonly offsetMs: number;
  private readonly labels: { user: string; rule_group: string };

  constructor(readonly group: CompiledGroup, private readonly deps: GroupRunnerDeps) {
    this.now = deps.now ?? Date.now;
    this.offsetMs = groupToken(group.key) % group.intervalMs;
    this.labels = groupLabels(group.key.tenant, group.key.namespace, group.key.group);
    // Every series exists from the start, at 0, so a rate over them works before the first failure.
    for (const counter of [deps.metrics.evaluations, deps.metrics.evaluationFailures, deps.metrics.iterations, deps.metrics.iterationsMissed]) {
      counter.inc(this.labels, 0);
    }
    this.runtimes = group.rules.map(() => ({ health: 'unknown', lastError: '', lastEvaluationMs: 0, evaluationSeconds: 0, active: new Map(), recorded: new Map() }));
  }

  /** Restores the saved state, then evaluates on schedule until stopped. */
  async start(): Promise<void> {
    await this.restore();
    if (!this.stopped) this.schedule(this.lastEvaluationMs, false);
  }

  /** Stops scheduling and waits for an evaluation in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  status(): { lastEvaluationMs: number; evaluationSeconds: number; rules: RuleStatus[] } {
    return {
      lastEvaluationMs: this.lastEvaluationMs,
      evaluationSeconds: this.evaluationSeconds,
      rules: this.group.rules.map((rule, i) => {
        const runtime = this.runtimes[i]!;
        return { rule, state: ruleState(runtime.active), ...runtime, alerts: [...runtime.active.values()] };
      }),
    };
  }

  private schedule(afterMs: number, countMissed = true): void {
    const now = this.now();
    const next = nextEvaluation(Math.max(now, afterMs), this.group.intervalMs, this.offsetMs);
    if (countMissed) {
      const missed = Math.floor((next - afterMs) / this.group.intervalMs) - 1;
      if (missed > 0) {
        this.deps.metrics.iterationsMissed.inc(this.labels, missed);
        this.deps.metrics.iterations.inc(this.labels, missed);
      }
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.running = this.evaluate(next).finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(next);
      });
    }, Math.max(0, next - now));
  }

  /** One iteration at `tsMs`; public so tests can drive evaluations directly. */
  async evaluate(tsMs: number): Promise<void> {
    const started = performance.now();
    this.deps.metrics.iterations.inc(this.labels);
    const { tenant } = this.group.key;
    for (const [index, rule] of this.group.rules.entries()) {
      const runtime = this.runtimes[index]!;
      const ruleStarted = performance.now();
      this.deps.metrics.evaluations.inc(this.labels);
      try {
        const samples = await this.withTimeout(instantQuery(this.deps.querier, tenant, rule.expr, tsMs));
        if (rule.kind === 'recording') {
          const recorded = recordedSamples(rule, samples, tsMs, this.group.limit);
          this.deps.samples.append(tenant, [...recorded, ...this.staleMarkers(runtime, recorded, tsMs)]);
        } else {
          const inputs = alertInputs(rule, samples, tsMs, this.deps);
          applyEvaluation(runtime.active, inputs, { forMs: rule.forMs, keepFiringForMs: rule.keepFiringForMs, limit: this.group.limit }, tsMs);
        }
        runtime.health = 'ok';
        runtime.lastError = '';
      } catch (error) {
        runtime.health = 'err';
        runtime.lastError = error instanceof Error ? error.message : String(error);
        this.deps.metrics.evaluationFailures.inc(this.labels);
        this.deps.logger.warn({ group: groupKeyString(this.group.key), rule: rule.name, err: runtime.lastError }, 'rule evaluation failed');
      }
      if (rule.kind === 'alerting') {
        const due = alertsToSend(runtime.active, tsMs, this.deps.resendDelayMs, this.group.intervalMs);
        if (due.length > 0) this.deps.alerts.send(tenant, due.map((alert) => ({ ...alert, generatorUrl: this.generatorUrl(rule.expr) })));
      }
      runtime.lastEvaluationMs = tsMs;
      runtime.evaluationSeconds = (performance.now() - ruleStarted) / 1000;
    }
    this.lastEvaluationMs = tsMs;
    this.evaluationSeconds = (performance.now() - started) / 1000;
    this.deps.metrics.lastEvaluation.set(this.labels, tsMs / 1000);
    await this.save();
  }

  private withTimeout<T>(work: Promise<T>): Promise<T> {
    const limit = this.deps.queryTimeoutMs;
    if (limit === undefined || limit <= 0) return work;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`query timed out after ${limit} ms`)), limit);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  /** Series recorded last time and missing now get Prometheus' staleness marker, as its rule manager writes. */
  private staleMarkers(runtime: RuleRuntime, recorded: readonly RecordedSample[], tsMs: number): RecordedSample[] {
    const now = new Map(recorded.map((sample) => [fingerprint(sample.labels), sample.labels]));
    const stale: RecordedSample[] = [];
    for (const [key, labels] of runtime.recorded) if (!now.has(key)) stale.push({ labels, value: Number.NaN, timestampMs: tsMs, stale: true });
    runtime.recorded = now;
    return stale;
  }

  private generatorUrl(expr: string): string {
    const base = this.deps.externalUrl.replace(/\/+$/, '');
    return `${base}/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1`;
  }

  private async restore(): Promise<void> {
    let saved: SavedGroupState | undefined;
    try {
      saved = await this.deps.state.load(this.group.key);
    } catch (error) {
      this.deps.logger.warn({ group: groupKeyString(this.group.key), err: error }, 'could not load saved rule state; starting afresh');
    }
    if (saved === undefined) return;
    this.lastEvaluationMs = saved.lastEvaluationMs;
    this.evaluationSeconds = saved.evaluationSeconds;
    const byId = new Map(saved.rules.map((rule) => [rule.id, rule]));
    this.group.rules.forEach((rule, index) => {
      const prior = byId.get(ruleId(index, rule));
      if (prior === undefined) return;
      const runtime = this.runtimes[index]!;
      runtime.health = prior.health;
      runtime.lastError = prior.lastError;
      runtime.lastEvaluationMs = prior.lastEvaluationMs;
      runtime.evaluationSeconds = prior.evaluationSeconds;
      for (const alert of prior.alerts) runtime.active.set(fingerprint(alert.labels), { ...alert });
    });
  }

  private async save(): Promise<void> {
    const state: SavedGroupState = {
      lastEvaluationMs: this.lastEvaluationMs,
      evaluationSeconds: this.evaluationSeconds,
      ruler: this.deps.rulerId,
      rules: this.group.rules.map((rule, index): SavedRuleState => {
        const runtime = this.runtimes[index]!;
        return {
          id: ruleId(index, rule),
          health: runtime.health,
          lastError: runtime.lastError,
          lastEvaluationMs: runtime.lastEvaluationMs,
          evaluationSeconds: runtime.evaluationSeconds,
          alerts: [...runtime.active.values()],
        };
      }),
    };
    try {
      await this.deps.state.save(this.group.key, state);
    } catch (error) {
      this.deps.logger.warn({ group: groupKeyString(this.group.key), err: error }, 'could not save rule state');
    }
  }
}
