// Where rule groups live, per tenant and namespace. Two implementations: a local directory of
// Loki-style rule files (`local-rule-store.ts`) and the object store, one object per group as
// Loki keeps them (`object-rule-store.ts`).

import type { RuleGroupDefinition } from './rule-format.js';

/** Namespace -> its groups, namespaces sorted, groups in the order they were written. */
export type RuleNamespaces = Map<string, RuleGroupDefinition[]>;

export interface RuleStore {
  /** Every tenant that has at least one group. */
  tenants(): Promise<string[]>;
  /** A tenant's groups, all namespaces or one; an empty map when there are none. */
  list(tenant: string, namespace?: string): Promise<RuleNamespaces>;
  /** One group; `group does not exist` (404) when absent. */
  get(tenant: string, namespace: string, group: string): Promise<RuleGroupDefinition>;
  /** Creates or replaces the group of that name in the namespace. */
  set(tenant: string, namespace: string, group: RuleGroupDefinition): Promise<void>;
  /** `group does not exist` (404) when absent. */
  deleteGroup(tenant: string, namespace: string, group: string): Promise<void>;
  /** `group namespace does not exist` (404) when the namespace has no group. */
  deleteNamespace(tenant: string, namespace: string): Promise<void>;
  readonly description: string;
}

export function sortedNamespaces(entries: Iterable<[string, RuleGroupDefinition[]]>): RuleNamespaces {
  return new Map([...entries].filter(([, groups]) => groups.length > 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}
