// `label_replace(v, dst, replacement, src, regex)`: Prometheus semantics, with Go's `$1`,
// `${1}`, `$name` expansion of the replacement.

import { RE2JS } from 're2js';
import { labelsToString, labelValue, type Labels } from '../../core/model.js';
import { LogQLError } from '../errors.js';
import type { LabelReplaceExpr } from '../syntax/ast.js';
import type { StepSample } from './vectors.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function labelReplacer(e: LabelReplaceExpr): (s: StepSample) => StepSample {
  if (!LABEL_NAME.test(e.dst)) {
    throw new LogQLError('LOGQL_EXEC', `invalid destination label name in label_replace(): ${e.dst}`);
  }
  const re = RE2JS.compile(`^(?:${e.regex})$`);
  const named = re.namedGroups() as Record<string, number>;
  const cache = new Map<string, StepSample>();
  return (s) => {
    const cached = cache.get(s.key);
    if (cached !== undefined) return { ...cached, value: s.value };
    const src = labelValue(s.labels, e.src) ?? '';
    const m = re.matcher(src);
    let out = s;
    if (m.matches()) {
      const value = expand(e.replacement, (ref) => {
        const index = /^\d+$/.test(ref) ? Number(ref) : named[ref];
        if (index === undefined || index > m.groupCount()) return '';
        return m.group(index) ?? '';
      });
      const labels: Labels = setLabel(s.labels, e.dst, value);
      out = { labels, key: labelsToString(labels), value: s.value };
    }
    cache.set(s.key, out);
    return out;
  };
}

function setLabel(labels: Labels, name: string, value: string): Labels {
  const rest = labels.filter((l) => l.name !== name);
  if (value === '') return rest;
  return [...rest, { name, value }].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Go's `Regexp.Expand` template syntax. */
export function expand(template: string, group: (ref: string) => string): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const next = template[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      const inner = close === -1 ? '' : template.slice(i + 2, close);
      if (close === -1 || !/^[a-zA-Z0-9_]+$/.test(inner)) {
        out += ch;
        continue;
      }
      name = inner;
      i = close;
    } else {
      const m = /^[a-zA-Z0-9_]+/.exec(template.slice(i + 1));
      if (m === null) {
        out += ch;
        continue;
      }
      name = m[0];
      i += name.length;
    }
    out += group(name);
  }
  return out;
}
