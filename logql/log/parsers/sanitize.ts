// Parsed keys become label names: characters outside [a-zA-Z0-9_] turn into `_`, and a name
// may not start with a digit, as Loki sanitizes them.

const VALID = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function sanitizeLabelName(key: string): string {
  if (VALID.test(key)) return key;
  let out = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (out.length > 0 && out.charCodeAt(0) >= 48 && out.charCodeAt(0) <= 57) out = '_' + out;
  return out;
}

/** Sanitizes through a small per-stage cache: parsed keys repeat from line to line. */
export class SanitizeCache {
  private readonly cache = new Map<string, string>();

  get(key: string): string {
    let name = this.cache.get(key);
    if (name === undefined) {
      name = sanitizeLabelName(key);
      if (this.cache.size > 4096) this.cache.clear();
      this.cache.set(key, name);
    }
    return name;
  }
}

/**
 * Whether `sanitizeLabelName(line.slice(start, end)) === name`: each UTF-16 unit outside
 * [a-zA-Z0-9_] becomes `_`, and a leading digit gets a `_` before it.
 */
export function sanitizesTo(line: string, start: number, end: number, name: string): boolean {
  const length = end - start;
  const first = line.charCodeAt(start);
  const shift = first >= 48 && first <= 57 ? 1 : 0;
  if (name.length !== length + shift || (shift === 1 && name.charCodeAt(0) !== 95)) return false;
  for (let i = 0; i < length; i++) {
    const c = line.charCodeAt(start + i);
    const valid = c === 95 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
    if (name.charCodeAt(i + shift) !== (valid ? c : 95)) return false;
  }
  return true;
}
