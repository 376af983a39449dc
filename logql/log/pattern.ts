// Loki's pattern expressions: literals and `<name>` captures (`<_>` captures without a name).
// Used by the `| pattern "..."` parser and by the `|>` / `!>` line filters.

export type PatternNode = { readonly literal: string } | { readonly capture: string };

const CAPTURE = /^<([A-Za-z_][A-Za-z0-9_]*)>/;

export class PatternError extends Error {}

export function parsePatternNodes(text: string): PatternNode[] {
  const nodes: PatternNode[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '<') {
      const match = CAPTURE.exec(text.slice(i, i + 256));
      if (match) {
        if (literal !== '') nodes.push({ literal });
        literal = '';
        nodes.push({ capture: match[1]! });
        i += match[0].length;
        continue;
      }
    }
    literal += text[i];
    i++;
  }
  if (literal !== '') nodes.push({ literal });
  return nodes;
}

function checkConsecutive(nodes: readonly PatternNode[]): void {
  for (let i = 0; i + 1 < nodes.length; i++) {
    if ('capture' in nodes[i]! && 'capture' in nodes[i + 1]!) {
      throw new PatternError('found consecutive capture: invalid expression');
    }
  }
}

/** A pattern for the `pattern` parser: needs a named capture, no two captures side by side. */
export class PatternParser {
  readonly nodes: readonly PatternNode[];
  readonly names: readonly string[];

  constructor(text: string) {
    this.nodes = parsePatternNodes(text);
    const names = this.nodes.flatMap((n) => ('capture' in n && n.capture !== '_' ? [n.capture] : []));
    if (names.length === 0) throw new PatternError('at least one capture is required');
    checkConsecutive(this.nodes);
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) throw new PatternError(`duplicate capture name (${name}): invalid expression`);
      seen.add(name);
    }
    this.names = names;
  }

  /** Captured values in `names` order; a partial match yields the captures it reached. */
  matches(line: string): string[] | null {
    if (line.length === 0 || this.nodes.length === 0) return null;
    const out: string[] = [];
    let nodes = this.nodes;
    let rest = line;
    const first = nodes[0]!;
    if ('literal' in first) {
      if (!rest.startsWith(first.literal)) return null;
      rest = rest.slice(first.literal.length);
      nodes = nodes.slice(1);
    }
    if (nodes.length === 0) return null;
    for (let i = 0; i < nodes.length; i += 2) {
      const capture = (nodes[i] as { capture: string }).capture;
      const next = nodes[i + 1] as { literal: string } | undefined;
      if (next === undefined) {
        if (capture !== '_') out.push(rest);
        return out;
      }
      const at = rest.indexOf(next.literal);
      if (at === -1) {
        if (capture !== '_') out.push(rest);
        return out;
      }
      if (capture !== '_') out.push(rest.slice(0, at));
      rest = rest.slice(at + next.literal.length);
    }
    return out;
  }
}

/** A pattern for `|>` / `!>`: every literal in order, every capture non-empty. */
export class PatternLineFilter {
  private readonly nodes: readonly PatternNode[];

  constructor(text: string) {
    this.nodes = parsePatternNodes(text);
    // A filter only tests the line: a named capture would extract nothing, so Loki refuses it.
    for (const node of this.nodes) {
      if ('capture' in node && node.capture !== '_') throw new PatternError(`named captures are not allowed: found '<${node.capture}>'`);
    }
    checkConsecutive(this.nodes);
  }

  test(line: string): boolean {
    const nodes = this.nodes;
    if (line.length === 0 || nodes.length === 0) return line.length === 0 && nodes.length === 0;
    let off = 0;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      if (!('literal' in node)) continue;
      const at = line.indexOf(node.literal, off);
      if (at === -1) return false;
      if (i === 0 && at !== 0) return false;
      if (i !== 0 && at === off) return false;
      off = at + node.literal.length;
    }
    const endsOnCapture = 'capture' in nodes[nodes.length - 1]!;
    return endsOnCapture === (off !== line.length);
  }
}
