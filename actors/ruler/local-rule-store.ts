// Rule files in a local directory, Loki's `local` layout: `<dir>/<tenant>/<namespace>.yaml`,
// each a Prometheus rule file (`groups: [...]`). Operators may drop files in by hand; the API
// writes the same files (atomically: a temp file renamed over the old one). A file that fails to
// parse is skipped with a log line, so one bad file does not hide every other tenant's rules.

import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { groupNotFound, namespaceNotFound, RulerError } from './errors.js';
import { parseRuleFile, ruleFileToYaml, type RuleGroupDefinition } from './rule-format.js';
import { sortedNamespaces, type RuleNamespaces, type RuleStore } from './rule-store.js';

const EXTENSIONS = ['.yaml', '.yml'];

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** A namespace or tenant as one path segment: `/` and other unsafe bytes are %-escaped. */
function segment(name: string): string {
  const encoded = encodeURIComponent(name);
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded;
}

/** A name as written by `segment`; a hand-made name that is not valid %-encoding reads as it is. */
function decoded(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

function namespaceOf(file: string): string | undefined {
  const ext = EXTENSIONS.find((e) => file.endsWith(e));
  return ext === undefined ? undefined : decoded(file.slice(0, -ext.length));
}

export class LocalRuleStore implements RuleStore {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly directory: string,
    private readonly onBadFile: (file: string, error: Error) => void = () => undefined,
  ) {}

  get description(): string {
    return `local:${this.directory}`;
  }

  async tenants(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if (isMissing(error)) return [];
      throw new RulerError('RULE_STORE', `listing rule tenants in ${this.directory}: ${(error as Error).message}`, { cause: error });
    }
    const tenants: string[] = [];
    for (const name of names.sort()) {
      const tenant = decoded(name);
      if ((await this.list(tenant)).size > 0) tenants.push(tenant);
    }
    return tenants;
  }

  async list(tenant: string, namespace?: string): Promise<RuleNamespaces> {
    const dir = join(this.directory, segment(tenant));
    let files: string[];
    try {
      files = await readdir(dir);
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return new Map();
      throw new RulerError('RULE_STORE', `listing rules in ${dir}: ${(error as Error).message}`, { cause: error });
    }
    const found: Array<[string, RuleGroupDefinition[]]> = [];
    for (const file of files) {
      const name = namespaceOf(file);
      if (name === undefined || (namespace !== undefined && name !== namespace)) continue;
      const groups = await this.readFile(join(dir, file));
      if (groups !== undefined) found.push([name, groups]);
    }
    return sortedNamespaces(found);
  }

  async get(tenant: string, namespace: string, group: string): Promise<RuleGroupDefinition> {
    const found = (await this.list(tenant, namespace)).get(namespace)?.find((g) => g.name === group);
    if (found === undefined) throw groupNotFound();
    return found;
  }

  set(tenant: string, namespace: string, group: RuleGroupDefinition): Promise<void> {
    return this.serial(async () => {
      const groups = (await this.list(tenant, namespace)).get(namespace) ?? [];
      const index = groups.findIndex((g) => g.name === group.name);
      if (index >= 0) groups[index] = group;
      else groups.push(group);
      await this.writeNamespace(tenant, namespace, groups);
    });
  }

  deleteGroup(tenant: string, namespace: string, group: string): Promise<void> {
    return this.serial(async () => {
      const groups = (await this.list(tenant, namespace)).get(namespace) ?? [];
      const kept = groups.filter((g) => g.name !== group);
      if (kept.length === groups.length) throw groupNotFound();
      await this.writeNamespace(tenant, namespace, kept);
    });
  }

  deleteNamespace(tenant: string, namespace: string): Promise<void> {
    return this.serial(async () => {
      if ((await this.list(tenant, namespace)).size === 0) throw namespaceNotFound();
      await this.writeNamespace(tenant, namespace, []);
    });
  }

  private serial(work: () => Promise<void>): Promise<void> {
    const next = this.writing.then(work);
    this.writing = next.catch(() => undefined);
    return next;
  }

  private async readFile(path: string): Promise<RuleGroupDefinition[] | undefined> {
    try {
      return parseRuleFile(await readFile(path, 'utf8'), path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      this.onBadFile(path, error as Error);
      return undefined;
    }
  }

  private async writeNamespace(tenant: string, namespace: string, groups: readonly RuleGroupDefinition[]): Promise<void> {
    const dir = join(this.directory, segment(tenant));
    // Files written by hand may use .yml; the API rewrites whichever file holds the namespace.
    const existing = await this.fileOf(dir, namespace);
    const file = join(dir, existing ?? `${segment(namespace)}.yaml`);
    try {
      if (groups.length === 0) {
        await rm(file, { force: true });
        return;
      }
      await mkdir(dir, { recursive: true });
      const temp = `${file}.tmp-${process.pid}`;
      await writeFile(temp, ruleFileToYaml(groups));
      await rename(temp, file);
    } catch (error) {
      throw new RulerError('RULE_STORE', `writing ${file}: ${(error as Error).message}`, { cause: error });
    }
  }

  private async fileOf(dir: string, namespace: string): Promise<string | undefined> {
    try {
      return (await readdir(dir)).find((file) => namespaceOf(file) === namespace);
    } catch {
      return undefined;
    }
  }
}
