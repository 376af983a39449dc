// Where the cursor is in a LogQL query, for completion: inside a stream selector (a label name,
// or a value after `name=`), inside `by (...)`, after a `|`, or among functions. A small scanner
// over the text before the cursor is enough and keeps working on half-typed queries, where the
// grammar's tree is mostly error nodes.

export type CompletionContext =
  | { kind: 'label-name'; selector: string }
  | { kind: 'label-value'; label: string; selector: string; quoted: boolean }
  | { kind: 'grouping' }
  | { kind: 'pipe' }
  | { kind: 'function' }
  | { kind: 'none' };

interface Scan {
  braceOpen: number;
  inString: boolean;
}

function scan(text: string): Scan {
  let braceOpen = -1;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === '`') quote = c;
    else if (c === '{') braceOpen = i;
    else if (c === '}') braceOpen = -1;
  }
  return { braceOpen, inString: quote !== undefined };
}

/** Complete matchers of the selector the cursor is in (all but the one being typed). */
function selectorBefore(text: string, braceOpen: number): string {
  const inside = text.slice(braceOpen + 1);
  const done = [...inside.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|`[^`]*`)/g)].map((m) => m[0]);
  return done.length === 0 ? '' : `{${done.join(', ')}}`;
}

export function completionContext(before: string): CompletionContext {
  const { braceOpen, inString } = scan(before);
  if (braceOpen >= 0) {
    const value = /([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("?)((?:[^"\\]|\\.)*)$/.exec(before.slice(braceOpen + 1));
    if (value !== null && (inString || value[3] === '')) {
      const selector = selectorBefore(before.slice(0, before.length - value[0].length), braceOpen);
      return { kind: 'label-value', label: value[1]!, selector, quoted: value[3] === '"' };
    }
    if (inString) return { kind: 'none' };
    if (/(^|[{,]\s*)[A-Za-z_]*$/.test(before.slice(braceOpen + 1))) return { kind: 'label-name', selector: selectorBefore(before, braceOpen) };
    return { kind: 'none' };
  }
  if (inString) return { kind: 'none' };
  if (/\b(by|without|on|ignoring|group_left|group_right)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*\s*,\s*)*[A-Za-z_]*$/.test(before)) return { kind: 'grouping' };
  if (/\|\s*[A-Za-z_]*$/.test(before) && !/\|[=~]\s*[A-Za-z_]*$/.test(before)) return { kind: 'pipe' };
  if (/(^|[\s(,+\-*/^])[A-Za-z_]*$/.test(before)) return { kind: 'function' };
  return { kind: 'none' };
}
