// The rules API over the rule store and the saved group state. Writes validate first (Loki's
// messages, 400), then store; the local ruler, when there is one, re-reads at once instead of
// at its next poll.

import { ruleState } from './alert-state.js';
import type { GroupStatusView, RuleStatusView, RulesService } from './api.js';
import { RulerError } from './errors.js';
import { compileGroup } from './group.js';
import { parseGroupBody, type RuleGroupDefinition } from './rule-format.js';
import type { RuleNamespaces, RuleStore } from './rule-store.js';
import type { GroupStateStore, SavedGroupState } from './state-store.js';
import { validateGroups } from './validate.js';

export interface RulesServiceDeps {
  readonly rules: RuleStore;
  readonly state: GroupStateStore;
  readonly evaluationIntervalMs: number;
  /** Called after every change; the ruler in this process re-reads its groups. */
  readonly onChange?: () => void;
}

export class StoredRulesService implements RulesService {
  constructor(private readonly deps: RulesServiceDeps) {}

  listRuleGroups(tenant: string, namespace?: string): Promise<RuleNamespaces> {
    return this.deps.rules.list(tenant, namespace);
  }

  getRuleGroup(tenant: string, namespace: string, group: string): Promise<RuleGroupDefinition> {
    return this.deps.rules.get(tenant, namespace, group);
  }

  async setRuleGroup(tenant: string, namespace: string, body: string): Promise<void> {
    const group = parseGroupBody(body);
    const problems = validateGroups([group]);
    if (problems.length > 0) throw new RulerError('RULE_GROUP_INVALID', problems.join(', '));
    await this.deps.rules.set(tenant, namespace, group);
    this.deps.onChange?.();
  }

  async deleteRuleGroup(tenant: string, namespace: string, group: string): Promise<void> {
    await this.deps.rules.deleteGroup(tenant, namespace, group);
    await this.deps.state.delete({ tenant, namespace, group }).catch(() => undefined);
    this.deps.onChange?.();
  }

  async deleteNamespace(tenant: string, namespace: string): Promise<void> {
    const groups = (await this.deps.rules.list(tenant, namespace)).get(namespace) ?? [];
    await this.deps.rules.deleteNamespace(tenant, namespace);
    for (const group of groups) await this.deps.state.delete({ tenant, namespace, group: group.name }).catch(() => undefined);
    this.deps.onChange?.();
  }

  async groupStatus(tenant: string): Promise<GroupStatusView[]> {
    const pending: Array<Promise<GroupStatusView>> = [];
    for (const [namespace, groups] of await this.deps.rules.list(tenant)) {
      for (const definition of [...groups].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        pending.push(
          this.deps.state
            .load({ tenant, namespace, group: definition.name })
            .catch(() => undefined)
            .then((saved) => this.view(tenant, namespace, definition, saved)),
        );
      }
    }
    return Promise.all(pending);
  }

  private view(tenant: string, namespace: string, definition: RuleGroupDefinition, saved: SavedGroupState | undefined): GroupStatusView {
    let group;
    try {
      group = compileGroup(tenant, namespace, definition, this.deps.evaluationIntervalMs);
    } catch {
      group = undefined;
    }
    const savedRules = new Map((saved?.rules ?? []).map((rule) => [rule.id, rule]));
    const rules = definition.rules.map((rule, index): RuleStatusView => {
      const kind = rule.alert !== undefined ? 'alerting' : 'recording';
      const name = rule.alert ?? rule.record ?? '';
      const compiled = group?.rules[index];
      const prior = savedRules.get(`${index}:${kind}:${name}`);
      const alerts = prior?.alerts ?? [];
      return {
        kind,
        name,
        query: rule.expr,
        forSeconds: compiled?.kind === 'alerting' ? compiled.forMs / 1000 : 0,
        keepFiringForSeconds: compiled?.kind === 'alerting' ? compiled.keepFiringForMs / 1000 : 0,
        labels: rule.labels ?? {},
        annotations: rule.annotations ?? {},
        state: ruleState(new Map(alerts.map((alert, i) => [String(i), alert]))),
        health: prior?.health ?? 'unknown',
        lastError: prior?.lastError ?? '',
        lastEvaluationMs: prior?.lastEvaluationMs ?? 0,
        evaluationSeconds: prior?.evaluationSeconds ?? 0,
        alerts,
      };
    });
    return {
      namespace,
      name: definition.name,
      intervalSeconds: (group?.intervalMs ?? this.deps.evaluationIntervalMs) / 1000,
      limit: definition.limit ?? 0,
      lastEvaluationMs: saved?.lastEvaluationMs ?? 0,
      evaluationSeconds: saved?.evaluationSeconds ?? 0,
      rules,
    };
  }
}
