// Decoding of JSON-style escapes inside quoted text, shared by the logfmt and JSON parsers.

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };

/** The quoted value between `start` and `end`, escapes decoded (JSON-style, as logfmt writers use). */
export function unescapeQuoted(line: string, start: number, end: number): string {
  let backslash = line.indexOf('\\', start);
  if (backslash === -1 || backslash >= end) return line.slice(start, end);
  let out = '';
  let from = start;
  while (backslash !== -1 && backslash < end) {
    out += line.slice(from, backslash);
    const next = line[backslash + 1]!;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      from = backslash + 2;
    } else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(line.slice(backslash + 2, backslash + 6))) {
      out += String.fromCharCode(parseInt(line.slice(backslash + 2, backslash + 6), 16));
      from = backslash + 6;
    } else {
      out += next;
      from = backslash + 2;
    }
    backslash = line.indexOf('\\', from);
  }
  return out + line.slice(from, end);
}
