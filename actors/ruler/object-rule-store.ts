// Rule groups in the object store, one object per group as Loki keeps them:
//   ~ruler/rules/<tenant>/<base64url namespace>/<base64url group>   the group's YAML
// `~` is outside Loki's tenant charset, so no tenant's chunks can share this prefix.

import { ObjectNotFoundError, type ObjectStore } from '../../storage/object-store.js';
import { groupNotFound, namespaceNotFound } from './errors.js';
import { groupFrom, groupToYaml, type RuleGroupDefinition } from './rule-format.js';
import { sortedNamespaces, type RuleNamespaces, type RuleStore } from './rule-store.js';
import { parse as parseYaml } from 'yaml';

const ROOT = '~ruler/rules/';
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url') || '=';
const unb64 = (text: string): string => (text === '=' ? '' : Buffer.from(text, 'base64url').toString('utf8'));

const tenantPrefix = (tenant: string): string => `${ROOT}${b64(tenant)}/`;
const namespacePrefix = (tenant: string, namespace: string): string => `${tenantPrefix(tenant)}${b64(namespace)}/`;
const groupKey = (tenant: string, namespace: string, group: string): string => `${namespacePrefix(tenant, namespace)}${b64(group)}`;

export class ObjectRuleStore implements RuleStore {
  constructor(private readonly store: ObjectStore) {}

  get description(): string {
    return this.store.description;
  }

  async tenants(): Promise<string[]> {
    const tenants = new Set<string>();
    for (const object of await this.store.list(ROOT)) tenants.add(unb64(object.key.slice(ROOT.length).split('/')[0]!));
    return [...tenants].sort();
  }

  async list(tenant: string, namespace?: string): Promise<RuleNamespaces> {
    const prefix = namespace === undefined ? tenantPrefix(tenant) : namespacePrefix(tenant, namespace);
    const byNamespace = new Map<string, RuleGroupDefinition[]>();
    for (const object of await this.store.list(prefix)) {
      const [ns] = object.key.slice(tenantPrefix(tenant).length).split('/');
      const group = await this.read(object.key);
      if (group === undefined) continue;
      const name = unb64(ns!);
      byNamespace.set(name, [...(byNamespace.get(name) ?? []), group]);
    }
    for (const groups of byNamespace.values()) groups.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return sortedNamespaces(byNamespace);
  }

  async get(tenant: string, namespace: string, group: string): Promise<RuleGroupDefinition> {
    const found = await this.read(groupKey(tenant, namespace, group));
    if (found === undefined) throw groupNotFound();
    return found;
  }

  async set(tenant: string, namespace: string, group: RuleGroupDefinition): Promise<void> {
    await this.store.put(groupKey(tenant, namespace, group.name), new TextEncoder().encode(groupToYaml(group)));
  }

  async deleteGroup(tenant: string, namespace: string, group: string): Promise<void> {
    await this.get(tenant, namespace, group);
    await this.store.delete(groupKey(tenant, namespace, group));
  }

  async deleteNamespace(tenant: string, namespace: string): Promise<void> {
    const objects = await this.store.list(namespacePrefix(tenant, namespace));
    if (objects.length === 0) throw namespaceNotFound();
    for (const object of objects) await this.store.delete(object.key);
  }

  private async read(key: string): Promise<RuleGroupDefinition | undefined> {
    try {
      return groupFrom(parseYaml(new TextDecoder().decode(await this.store.get(key))));
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
  }
}
