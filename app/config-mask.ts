// `/config` shows the effective configuration to anyone who can reach the port, as Loki's does:
// secrets are printed as Loki prints its Secret fields, `********` (empty ones stay empty), so
// the page can be shared in an issue without leaking a credential. Three places hold one:
// - a setting named for it: S3 `secret_key`, any `password`, `token`, `credentials`, `api_key`;
// - a URL's user info: `nats://user:pass@host` keeps the user and masks the password, as Loki
//   prints a URL setting; `nats://token@host` (a NATS token) is masked whole;
// - a request header that authenticates (`Authorization`, `Cookie`, `X-Api-Key`, ...).

export const MASK = '********';

/** Setting names that hold credentials: S3 secret keys, passwords, tokens. */
const SECRET_NAME = /secret|password|passwd|token|credential|api_?key|private_?key/i;

/** Header names whose value is a credential. */
const SECRET_HEADER = /authorization|cookie|token|secret|password|api[-_]?key|auth/i;

/** `scheme://userinfo@`: the user info of every URL in a string (comma-separated lists too). */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s,]+)@/gi;

/** A deep copy of `value` with every secret setting masked. */
export function maskSecrets<T>(value: T): T {
  return mask(value) as T;
}

/** `text` with the password (or token) of each URL in it masked. */
export function maskUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, (_whole, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    // A user alone is how NATS spells a token: the whole of it is the secret.
    return colon < 0 ? `${scheme}${MASK}@` : `${scheme}${userinfo.slice(0, colon)}:${MASK}@`;
  });
}

function mask(value: unknown): unknown {
  if (typeof value === 'string') return maskUrlCredentials(value);
  if (Array.isArray(value)) return value.map(mask);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_NAME.test(key) && typeof inner === 'string') out[key] = inner === '' ? '' : MASK;
    else if (SECRET_NAME.test(key) && inner !== null && typeof inner === 'object' && !Array.isArray(inner)) out[key] = maskAll(inner);
    else if (/^headers$/i.test(key) && inner !== null && typeof inner === 'object' && !Array.isArray(inner)) out[key] = maskHeaders(inner);
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

/** Request headers: the ones that authenticate are masked, the rest (X-Scope-OrgID...) shown. */
function maskHeaders(value: object): unknown {
  const out: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value)) {
    out[name] = SECRET_HEADER.test(name) && typeof inner === 'string' && inner !== '' ? MASK : mask(inner);
  }
  return out;
}
