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
