// `/config` shows the effective configuration to anyone who can reach the port, as Loki's does:
// secrets are printed as Loki prints its Secret fields, `********` (empty ones stay empty), so
// the page can be shared in an issue without leaking a credential.

export const MASK = '********';

/** Setting names that hold credentials: S3 secret keys, passwords, tokens. */
const SECRET_NAME = /secret|password|token|credential|api_?key/i;

/** A deep copy of `value` with every secret setting masked. */
export function maskSecrets<T>(value: T): T {
  return mask(value) as T;
}

function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_NAME.test(key) && typeof inner === 'string') out[key] = inner === '' ? '' : MASK;
    else if (SECRET_NAME.test(key) && inner !== null && typeof inner === 'object' && !Array.isArray(inner)) out[key] = maskAll(inner);
    else out[key] = mask(inner);
  }
  return out;
}

/** A credential given as a map (headers, basic auth): every string in it is masked. */
function maskAll(value: object): unknown {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = typeof inner === 'string' ? (inner === '' ? '' : MASK) : mask(inner);
  return out;
}
