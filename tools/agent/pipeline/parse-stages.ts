// The stages that read values out of a line into the extracted map: regex, json, logfmt.

import { RE2JS } from 're2js';
import { scanLogfmt } from '../../../logql/log/parsers/logfmt.js';
import { AgentConfigError } from '../errors.js';
import type { PipelineEntry, Stage } from './entry.js';

type Raw = Record<string, unknown>;

function sourceOf(entry: PipelineEntry, source: string | undefined): string | undefined {
  return source === undefined ? entry.line : entry.extracted[source];
}

export function regexStage(raw: Raw, where: string): Stage {
  const expression = raw['expression'];
  if (typeof expression !== 'string') throw new AgentConfigError(`${where}.expression: a regular expression with named groups, e.g. ^(?P<level>\\w+)`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(expression);
  } catch (cause) {
    throw new AgentConfigError(`${where}.expression: ${(cause as Error).message}`, { cause });
  }
  const names = Object.keys(re.namedGroups());
  if (names.length === 0) throw new AgentConfigError(`${where}.expression: has no named groups (?P<name>...), so it would extract nothing`);
  const source = raw['source'] as string | undefined;
  return {
    name: 'regex',
    process(entry, emit) {
      const input = sourceOf(entry, source);
      if (input !== undefined) {
        const matcher = re.matcher(input);
        if (matcher.find()) {
          for (const name of names) {
            const value = matcher.group(name);
            if (value !== null && value !== undefined) entry.extracted[name] = value;
          }
        }
      }
      emit(entry);
    },
  };
}

type PathStep = string | number;

/** The JMESPath subset Promtail's json stage is used with: `a.b`, `a[0]`, `"dotted.key"`, `a."b c"`. */
export function compilePath(expression: string, where: string): PathStep[] {
  const steps: PathStep[] = [];
  const token = /\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_@$][\w@$-]*)|\[(\d+)\]|(\.))/y;
  let at = 0;
  let expectName = true;
  while (at < expression.length) {
    token.lastIndex = at;
    const match = token.exec(expression);
    if (match === null) throw new AgentConfigError(`${where}: cannot parse expression ${JSON.stringify(expression)}`);
    at = token.lastIndex;
    if (match[4] !== undefined) {
      expectName = true;
      continue;
    }
    if (match[3] !== undefined) steps.push(Number(match[3]));
    else if (expectName) steps.push(match[1] !== undefined ? (JSON.parse(`"${match[1]}"`) as string) : match[2]!);
    else throw new AgentConfigError(`${where}: cannot parse expression ${JSON.stringify(expression)}`);
    expectName = false;
  }
  return steps;
}

function walk(doc: unknown, steps: readonly PathStep[]): unknown {
  let node = doc;
  for (const step of steps) {
    if (node === null || typeof node !== 'object') return undefined;
    node = typeof step === 'number' ? (Array.isArray(node) ? node[step] : undefined) : (node as Record<string, unknown>)[step];
  }
  return node;
}

export function jsonStage(raw: Raw, where: string): Stage {
  const expressions = raw['expressions'];
  if (expressions === null || typeof expressions !== 'object') throw new AgentConfigError(`${where}.expressions: a mapping of names to JMESPath expressions`);
  const paths = Object.entries(expressions as Raw).map(([name, expr]) => [name, compilePath(typeof expr === 'string' && expr !== '' ? expr : name, `${where}.expressions.${name}`)] as const);
  const source = raw['source'] as string | undefined;
  const dropMalformed = raw['drop_malformed'] === true;
  return {
    name: 'json',
    process(entry, emit) {
      const input = sourceOf(entry, source);
      let doc: unknown;
      try {
        doc = input === undefined ? undefined : JSON.parse(input);
      } catch {
        if (dropMalformed) return;
      }
      if (doc !== undefined) {
        for (const [name, steps] of paths) {
          const value = walk(doc, steps);
          if (value === undefined || value === null) continue;
          entry.extracted[name] = typeof value === 'string' ? value : JSON.stringify(value);
        }
      }
      emit(entry);
    },
  };
}

export function logfmtStage(raw: Raw, where: string): Stage {
  const mapping = raw['mapping'];
  if (mapping === null || typeof mapping !== 'object') throw new AgentConfigError(`${where}.mapping: a mapping of names to logfmt keys`);
  const wanted = new Map<string, string[]>();
  for (const [name, key] of Object.entries(mapping as Raw)) {
    const logfmtKey = typeof key === 'string' && key !== '' ? key : name;
    wanted.set(logfmtKey, [...(wanted.get(logfmtKey) ?? []), name]);
  }
  const source = raw['source'] as string | undefined;
  return {
    name: 'logfmt',
    process(entry, emit) {
      const input = sourceOf(entry, source);
      if (input !== undefined) {
        // A repeated key keeps its first value, as in LogQL's logfmt.
        const taken = new Set<string>();
        scanLogfmt(input, false, (pair) => {
          for (const name of wanted.get(pair.key) ?? []) {
            if (taken.has(name)) continue;
            taken.add(name);
            entry.extracted[name] = pair.value;
          }
        });
      }
      emit(entry);
    },
  };
}
