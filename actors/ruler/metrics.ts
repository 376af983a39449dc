// The ruler's metrics, named as Loki's ruler exports Prometheus' rule-manager and notifier
// metrics (`loki_prometheus_rule_evaluations_total`, ...) but in Norn's namespace, with `user`
// (the tenant) and `rule_group` (`<namespace>;<group>`) labels.

import { Counter, Gauge, type Registry } from 'prom-client';

type GroupLabels = 'user' | 'rule_group';

export interface RulerMetrics {
  readonly evaluations: Counter<GroupLabels>;
  readonly evaluationFailures: Counter<GroupLabels>;
  readonly iterations: Counter<GroupLabels>;
  readonly iterationsMissed: Counter<GroupLabels>;
  readonly lastEvaluation: Gauge<GroupLabels>;
  readonly groupsOwned: Gauge;
  readonly notificationsSent: Counter<'alertmanager'>;
  readonly notificationErrors: Counter<'alertmanager'>;
  readonly notificationsDropped: Counter;
  readonly notificationQueueLength: Gauge;
  readonly samplesSent: Counter;
  readonly samplesFailed: Counter;
  readonly samplesRetried: Counter;
  readonly samplesDropped: Counter;
  readonly samplesPending: Gauge;
}

/** Registered once per registry: two rulers in one process (tests) share them by labels. */
export function rulerMetrics(registry: Registry): RulerMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames, registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []): Gauge<L> =>
    (registry.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const group: GroupLabels[] = ['user', 'rule_group'];
  return {
    evaluations: counter('norn_prometheus_rule_evaluations_total', 'The total number of rule evaluations.', group),
    evaluationFailures: counter('norn_prometheus_rule_evaluation_failures_total', 'The total number of rule evaluation failures.', group),
    iterations: counter('norn_prometheus_rule_group_iterations_total', 'The total number of scheduled rule group evaluations, whether executed or missed.', group),
    iterationsMissed: counter('norn_prometheus_rule_group_iterations_missed_total', 'The total number of rule group evaluations missed due to slow rule group evaluation.', group),
    lastEvaluation: gauge('norn_prometheus_rule_group_last_evaluation_timestamp_seconds', 'The timestamp of the last rule group evaluation in seconds.', group),
    groupsOwned: gauge('norn_ruler_rule_groups_owned', 'Rule groups this ruler evaluates (its share of the ruler ring).'),
    notificationsSent: counter('norn_prometheus_notifications_sent_total', 'Total number of alerts sent.', ['alertmanager']),
    notificationErrors: counter('norn_prometheus_notifications_errors_total', 'Total number of errors sending alert notifications.', ['alertmanager']),
    notificationsDropped: counter('norn_prometheus_notifications_dropped_total', 'Total number of alerts dropped due to errors when sending to Alertmanager or a full queue.'),
    notificationQueueLength: gauge('norn_prometheus_notifications_queue_length', 'The number of alert notifications in the queue.'),
    samplesSent: counter('norn_ruler_remote_write_samples_total', 'Recorded samples remote-written and acknowledged.'),
    samplesFailed: counter('norn_ruler_remote_write_samples_failed_total', 'Recorded samples the remote end refused (non-retryable errors).'),
    samplesRetried: counter('norn_ruler_remote_write_samples_retried_total', 'Recorded samples sent again after a retryable error.'),
    samplesDropped: counter('norn_ruler_remote_write_samples_dropped_total', 'Recorded samples not queued because the remote-write queue was full.'),
    samplesPending: gauge('norn_ruler_remote_write_samples_pending', 'Recorded samples queued for remote write.'),
  };
}

export function groupLabels(tenant: string, namespace: string, group: string): Record<GroupLabels, string> {
  return { user: tenant, rule_group: `${namespace};${group}` };
}
