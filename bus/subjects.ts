// The one module that builds bus subject strings (and the ring's bucket name). Every variable
// part (an ingester id, a tenant id) goes through `encodeToken`, so it is exactly one valid NATS
// token whatever it contains: tenant ids may hold `.`, `*`, `!`, `(`, ... and a raw `.` would
// split the token, a raw `*` or `>` would turn a subject into a wildcard.
//
// Token encoding: ASCII letters, digits, `-` and `_` stay as they are; every other character is
// written as its UTF-8 bytes, each as `=` plus two lowercase hex digits (`a.b` -> `a=2eb`). The
// empty string is the lone token `=`. `=` is outside Loki's tenant charset, so common ids read
// unchanged, and the result is also a valid NATS KV key.

const ROOT = 'norn';
const SAFE = /^[A-Za-z0-9_-]$/;
const EMPTY_TOKEN = '=';
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeToken(value: string): string {
  if (value === '') return EMPTY_TOKEN;
  let out = '';
  for (const char of value) {
    if (SAFE.test(char)) {
      out += char;
      continue;
    }
    for (const byte of utf8.encode(char)) out += `=${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of `encodeToken`; null when `token` is not something `encodeToken` produces. */
export function decodeToken(token: string): string | null {
  if (token === EMPTY_TOKEN) return '';
  if (token === '') return null;
  const bytes: number[] = [];
  for (let i = 0; i < token.length; ) {
    const char = token[i] as string;
    if (char === '=') {
      const hex = token.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return null;
      bytes.push(Number.parseInt(hex, 16));
      i += 3;
    } else if (SAFE.test(char)) {
      bytes.push(char.charCodeAt(0));
      i += 1;
    } else {
      return null;
    }
  }
  let value: string;
  try {
    value = strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
  // One value, one token: a needlessly escaped character (`=2d` for `-`) is not a valid token.
  return encodeToken(value) === token ? value : null;
}

type IngesterSubjectKind = 'push' | 'query' | 'transfer' | 'control' | 'tail';

export const subjects = {
  /** Request/reply: a gateway's share of a push for this ingester. */
  ingesterPush: (ingesterId: string): string => ingesterSubject(ingesterId, 'push'),
  /** Request/streamed reply: a query over the ingester's in-memory data. */
  ingesterQuery: (ingesterId: string): string => ingesterSubject(ingesterId, 'query'),
  /** Request/reply: acknowledged handoff batches to this (PENDING) ingester. */
  ingesterTransfer: (ingesterId: string): string => ingesterSubject(ingesterId, 'transfer'),
  /** Request/reply: operator commands such as flush. */
  ingesterControl: (ingesterId: string): string => ingesterSubject(ingesterId, 'control'),
  /** Request/reply: start, renew or end a live tail on this ingester. */
  ingesterTail: (ingesterId: string): string => ingesterSubject(ingesterId, 'tail'),
  /** Publish: the lines a live tail matched, from every ingester, to the gateway that tails. */
  tailEntries: (tailId: string): string => `${ROOT}.tail.${encodeToken(tailId)}`,
  /** Where a producer publishes a batch for one tenant. */
  pushFromProducer: (tenant: string): string => `${ROOT}.push.${encodeToken(tenant)}`,
  /** Matches every producer subject; parse the tenant with `tenantFromProducerSubject`. */
  producerPushWildcard: `${ROOT}.push.>`,
  /** Where the durable producer path sets aside batches that can never be written. */
  deadLetter: (tenant: string): string => `${ROOT}.deadletter.push.${encodeToken(tenant)}`,
  deadLetterWildcard: `${ROOT}.deadletter.push.>`,
  /** KV bucket holding one key per ring member: its id (KV transports encode keys themselves). */
  ringBucket: 'norn-ring',
  /** KV bucket of the rulers' ring: one key per ruler, as in the ingesters' ring. */
  rulerRingBucket: 'norn-ruler-ring',
  /** KV bucket of rule groups' saved evaluation state (alerts), one key per group. */
  rulerStateBucket: 'norn-ruler-state',
  /** Request/streamed reply: one sub-query from a gateway's query frontend to this querier. */
  queryJobs: (querierId: string): string => `${ROOT}.query.jobs.${encodeToken(querierId)}`,
  /** Publish: stop a job this querier runs (the client went away or the query timed out). */
  queryCancel: (querierId: string): string => `${ROOT}.query.cancel.${encodeToken(querierId)}`,
  /** KV bucket of the queriers that take sub-queries: one key per querier, its id. */
  querierBucket: 'norn-queriers',
  /** KV bucket (with the lease's TTL) holding the active compactor's lease, key `compactor`. */
  compactorLeaseBucket: 'norn-compactor',
} as const;

function ingesterSubject(ingesterId: string, kind: IngesterSubjectKind): string {
  return `${ROOT}.ingester.${encodeToken(ingesterId)}.${kind}`;
}

/** The tenant of a `norn.push.<tenant>` subject; null for any other subject. */
export function tenantFromProducerSubject(subject: string): string | null {
  const tokens = subject.split('.');
  if (tokens.length !== 3 || tokens[0] !== ROOT || tokens[1] !== 'push') return null;
  return decodeToken(tokens[2] as string);
}
