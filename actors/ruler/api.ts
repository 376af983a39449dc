// What the HTTP edge needs from the ruler: Loki's rules API (YAML in and out) and the status
// of every group for Prometheus' `/api/v1/rules` and `/api/v1/alerts`. Any process that can
// reach the rule store and the saved state answers it, whichever ruler evaluates the group.

import type { ActiveAlert, AlertState } from './alert-state.js';
import type { RuleGroupDefinition } from './rule-format.js';
import type { RuleNamespaces } from './rule-store.js';
import type { RuleHealth } from './state-store.js';

export type { ActiveAlert, AlertState, RuleGroupDefinition, RuleHealth, RuleNamespaces };

/** How a rule's last evaluation went: what the runner keeps and what the API shows. */
export interface RuleEvaluationStatus {
  readonly state: AlertState;
  readonly health: RuleHealth;
  readonly lastError: string;
  /** 0: never evaluated. */
  readonly lastEvaluationMs: number;
  readonly evaluationSeconds: number;
  readonly alerts: readonly ActiveAlert[];
}

export interface RuleStatusView extends RuleEvaluationStatus {
  readonly kind: 'alerting' | 'recording';
  readonly name: string;
  readonly query: string;
  readonly forSeconds: number;
  readonly keepFiringForSeconds: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface GroupStatusView {
  readonly namespace: string;
  readonly name: string;
  readonly intervalSeconds: number;
  readonly limit: number;
  readonly lastEvaluationMs: number;
  readonly evaluationSeconds: number;
  readonly rules: readonly RuleStatusView[];
}

/**
 * Groups are plain data in Prometheus' field order (name, interval, limit, rules; record or
 * alert, expr, for, keep_firing_for, labels, annotations), ready to print as YAML.
 */
export interface RulesService {
  /** Every group of the tenant, or of one namespace; empty when there are none. */
  listRuleGroups(tenant: string, namespace?: string): Promise<RuleNamespaces>;
  /** `group does not exist` (404) when absent. */
  getRuleGroup(tenant: string, namespace: string, group: string): Promise<RuleGroupDefinition>;
  /** Parses and validates the YAML body (400 with Loki's wording when invalid), then stores it. */
  setRuleGroup(tenant: string, namespace: string, body: string): Promise<void>;
  deleteRuleGroup(tenant: string, namespace: string, group: string): Promise<void>;
  deleteNamespace(tenant: string, namespace: string): Promise<void>;
  /** Every group of the tenant with its rules' last evaluation and alerts, sorted by namespace then name. */
  groupStatus(tenant: string): Promise<GroupStatusView[]>;
}
