// The only place object keys are built and parsed. Layout (see README.md):
//   <tenant>/<fingerprint>/<from>-<through>-<checksum>                 a chunk
//   <tenant>/index/<yyyy-mm-dd>/streams/<fingerprint>                   a stream's labels, per day
//   <tenant>/index/<yyyy-mm-dd>/chunks/<fingerprint>/<from>-<through>-<checksum>   a chunk ref, per day
//   <tenant>/index/days/<yyyy-mm-dd>                                     the day has index entries
//   <tenant>/index/<yyyy-mm-dd>/compacted/<generation>                   a day's compacted index
//   ~index/tenants/<tenant>                                              the tenant has index entries
//   ~deletes/<tenant>/<request id>                                       a delete request (JSON)
// from/through are the chunk's first and last timestamps as 16 hex digits of the ns value (two's
// complement for the pre-1970 corner): fixed width, so keys sort in time order, and Loki's
// choice of hex. The checksum is the CRC32C of the encoded chunk as 8 hex digits.
// A fingerprint is 16 hex digits, so no tenant's chunk directory can be named `index`.

import { StorageError } from './object-store.js';

export const MAX_TENANT_ID_LENGTH = 150;
const TENANT_CHARS = /^[a-zA-Z0-9!\-_.*'()]*$/;
const TENANT_CHAR = /[a-zA-Z0-9!\-_.*'()]/;
const FINGERPRINT = /^[0-9a-f]{16}$/;
const CHECKSUM = /^[0-9a-f]{8}$/;
const TIMESTAMP = /^[0-9a-f]{16}$/;
const CHUNK_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})-([0-9a-f]{8})$/;
const DAY_NAME = /^(\d{4})-(\d{2})-(\d{2})$/;
const GENERATION = /^[0-9a-f]{8}$/;
/** Largest compacted-index generation: 8 hex digits. */
export const MAX_GENERATION = 0xffff_ffff;
const NS_PER_DAY = 86_400_000_000_000n;

/** A tenant ID that fails Loki's rules; the message is Loki's (dskit `tenant.ValidTenantID`). */
export class InvalidTenantIdError extends StorageError {
  constructor(message: string) {
    super('INVALID_KEY', message);
    this.name = 'InvalidTenantIdError';
  }
}

/** Loki's message for an invalid tenant ID, or undefined when it is valid. */
export function tenantIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'no org id';
  if (!TENANT_CHARS.test(id)) {
    const bad = [...id].find((char) => !TENANT_CHAR.test(char))!;
    return `tenant ID '${id}' contains unsupported character '${bad}'`;
  }
  if (id.length > MAX_TENANT_ID_LENGTH) return `tenant ID is too long: max ${MAX_TENANT_ID_LENGTH} characters`;
  if (id === '.' || id === '..') return "tenant ID is '.' or '..'";
  return undefined;
}

/** Throws InvalidTenantIdError (code INVALID_KEY) unless `id` is a valid tenant ID. */
export function validateTenantId(id: string): string {
  const problem = tenantIdProblem(id);
  if (problem !== undefined) throw new InvalidTenantIdError(problem);
  return id;
}

export interface ChunkKeyParts {
  readonly tenant: string;
  readonly fingerprint: string;
  /** First timestamp in the chunk, ns. */
  readonly from: bigint;
  /** Last timestamp in the chunk, ns (inclusive). */
  readonly through: bigint;
  /** CRC32C of the encoded chunk, 8 hex digits. */
  readonly checksum: string;
}

export function formatTimestamp(ns: bigint): string {
  return BigInt.asUintN(64, ns).toString(16).padStart(16, '0');
}

export function parseTimestamp(hex: string): bigint {
  if (!TIMESTAMP.test(hex)) throw new StorageError('INVALID_KEY', `invalid timestamp in key: ${hex}`);
  return BigInt.asIntN(64, BigInt('0x' + hex));
}

function checkParts(parts: ChunkKeyParts): void {
  validateTenantId(parts.tenant);
  if (!FINGERPRINT.test(parts.fingerprint)) throw new StorageError('INVALID_KEY', `invalid fingerprint: ${parts.fingerprint}`);
  if (!CHECKSUM.test(parts.checksum)) throw new StorageError('INVALID_KEY', `invalid checksum: ${parts.checksum}`);
  if (parts.from > parts.through) {
    throw new StorageError('INVALID_KEY', `chunk from ${parts.from} is after through ${parts.through}`);
  }
}

function chunkName(parts: ChunkKeyParts): string {
  return `${formatTimestamp(parts.from)}-${formatTimestamp(parts.through)}-${parts.checksum}`;
}

export function chunkKey(parts: ChunkKeyParts): string {
  checkParts(parts);
  return `${parts.tenant}/${parts.fingerprint}/${chunkName(parts)}`;
}

/** The parts of a chunk key, or undefined when `key` is not one. */
export function parseChunkKey(key: string): ChunkKeyParts | undefined {
  const segments = key.split('/');
  if (segments.length !== 3) return undefined;
  const [tenant, fingerprint, name] = segments as [string, string, string];
  if (tenantIdProblem(tenant) !== undefined || !FINGERPRINT.test(fingerprint)) return undefined;
  const match = CHUNK_NAME.exec(name);
  if (match === null) return undefined;
  return {
    tenant,
    fingerprint,
    from: parseTimestamp(match[1]!),
    through: parseTimestamp(match[2]!),
    checksum: match[3]!,
  };
}

/** UTC day number (days since the epoch) holding `ns`. */
export function dayOf(ns: bigint): number {
  const day = ns / NS_PER_DAY;
  return Number(ns < 0n && day * NS_PER_DAY !== ns ? day - 1n : day);
}

export function dayStart(day: number): bigint {
  return BigInt(day) * NS_PER_DAY;
}

/** `yyyy-mm-dd` of a UTC day number. */
export function dayName(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

export function parseDayName(name: string): number | undefined {
  if (!DAY_NAME.test(name)) return undefined;
  const ms = Date.parse(name + 'T00:00:00Z');
  return Number.isNaN(ms) || dayName(ms / 86_400_000) !== name ? undefined : ms / 86_400_000;
}

/** Day numbers covering [fromNs, throughNs], both inclusive. */
export function daysBetween(fromNs: bigint, throughNs: bigint): number[] {
  const days: number[] = [];
  for (let day = dayOf(fromNs), last = dayOf(throughNs); day <= last; day++) days.push(day);
  return days;
}

export function indexDayPrefix(tenant: string, day: number): string {
  validateTenantId(tenant);
  return `${tenant}/index/${dayName(day)}/`;
}

export function indexStreamKey(tenant: string, day: number, fingerprint: string): string {
  if (!FINGERPRINT.test(fingerprint)) throw new StorageError('INVALID_KEY', `invalid fingerprint: ${fingerprint}`);
  return `${indexDayPrefix(tenant, day)}streams/${fingerprint}`;
}

export function indexChunkRefKey(day: number, parts: ChunkKeyParts): string {
  checkParts(parts);
  return `${indexDayPrefix(parts.tenant, day)}chunks/${parts.fingerprint}/${chunkName(parts)}`;
}

/** Marks a day as holding index entries, so long ranges list only the days that have data. */
export function indexDayMarkerKey(tenant: string, day: number): string {
  validateTenantId(tenant);
  return `${tenant}/index/days/${dayName(day)}`;
}

export function indexDayMarkersPrefix(tenant: string): string {
  validateTenantId(tenant);
  return `${tenant}/index/days/`;
}

/** The day a marker key names, or undefined for other keys. */
export function parseIndexDayMarkerKey(tenant: string, key: string): number | undefined {
  const prefix = indexDayMarkersPrefix(tenant);
  return key.startsWith(prefix) ? parseDayName(key.slice(prefix.length)) : undefined;
}

/**
 * A day's compacted index, generation `generation` (1, 2, ...): every rewrite is a new object,
 * so a reader holding an older generation's key never sees it change under it.
 */
export function indexCompactedKey(tenant: string, day: number, generation: number): string {
  if (!Number.isInteger(generation) || generation < 1 || generation > MAX_GENERATION) {
    throw new StorageError('INVALID_KEY', `invalid compacted index generation: ${generation}`);
  }
  return `${indexDayPrefix(tenant, day)}compacted/${generation.toString(16).padStart(8, '0')}`;
}

/**
 * Outside Loki's tenant charset (`~`), so it can never be a tenant's prefix: one empty object per
 * tenant that has index entries, so the compactor finds tenants without listing every chunk.
 */
export const INDEX_TENANTS_PREFIX = '~index/tenants/';

export function indexTenantMarkerKey(tenant: string): string {
  validateTenantId(tenant);
  return `${INDEX_TENANTS_PREFIX}${tenant}`;
}

/** The tenant a tenant-marker key names, or undefined for other keys. */
export function parseIndexTenantMarkerKey(key: string): string | undefined {
  if (!key.startsWith(INDEX_TENANTS_PREFIX)) return undefined;
  const tenant = key.slice(INDEX_TENANTS_PREFIX.length);
  return tenantIdProblem(tenant) === undefined ? tenant : undefined;
}

/**
 * Delete requests (the compactor's deletion API): one JSON object per request id, under a
 * prefix outside Loki's tenant charset (`~`), so it can never be a tenant's prefix and one
 * listing of DELETE_REQUESTS_PREFIX finds every tenant's requests.
 */
export const DELETE_REQUESTS_PREFIX = '~deletes/';
const DELETE_REQUEST_ID = /^[0-9a-f]{8,32}$/;

export function deleteRequestsPrefix(tenant: string): string {
  validateTenantId(tenant);
  return `${DELETE_REQUESTS_PREFIX}${tenant}/`;
}

export function deleteRequestKey(tenant: string, id: string): string {
  if (!DELETE_REQUEST_ID.test(id)) throw new StorageError('INVALID_KEY', `invalid delete request id: ${id}`);
  return `${deleteRequestsPrefix(tenant)}${id}`;
}

/** The tenant and id a delete-request key names, or undefined for other keys. */
export function parseDeleteRequestKey(key: string): { readonly tenant: string; readonly id: string } | undefined {
  if (!key.startsWith(DELETE_REQUESTS_PREFIX)) return undefined;
  const rest = key.slice(DELETE_REQUESTS_PREFIX.length).split('/');
  if (rest.length !== 2) return undefined;
  const [tenant, id] = rest as [string, string];
  return tenantIdProblem(tenant) === undefined && DELETE_REQUEST_ID.test(id) ? { tenant, id } : undefined;
}

export type IndexEntryKey =
  | { readonly kind: 'stream'; readonly fingerprint: string }
  | { readonly kind: 'chunk'; readonly chunk: ChunkKeyParts }
  | { readonly kind: 'compacted'; readonly generation: number };

/** What an object listed under `indexDayPrefix(tenant, day)` records, or undefined for strangers. */
export function parseIndexKey(tenant: string, day: number, key: string): IndexEntryKey | undefined {
  const prefix = indexDayPrefix(tenant, day);
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length).split('/');
  if (rest.length === 2 && rest[0] === 'streams' && FINGERPRINT.test(rest[1]!)) {
    return { kind: 'stream', fingerprint: rest[1]! };
  }
  if (rest.length === 2 && rest[0] === 'compacted' && GENERATION.test(rest[1]!)) {
    const generation = parseInt(rest[1]!, 16);
    if (generation >= 1) return { kind: 'compacted', generation };
  }
  if (rest.length === 3 && rest[0] === 'chunks') {
    const chunk = parseChunkKey(`${tenant}/${rest[1]}/${rest[2]}`);
    if (chunk !== undefined) return { kind: 'chunk', chunk };
  }
  return undefined;
}

/**
 * Rules every object store applies, so a key means the same path everywhere and can never
 * climb out of a store's root: `/`-separated, no empty, `.` or `..` segment, no backslash, no
 * NUL, not absolute.
 */
export function objectKeyProblem(key: string): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'empty key';
  if (key.includes('\\')) return 'backslash in key';
  if (key.includes('\0')) return 'NUL in key';
  if (key.startsWith('/')) return 'absolute key';
  if (/^[a-zA-Z]:/.test(key)) return 'drive-qualified key';
  for (const segment of key.split('/')) {
    if (segment === '') return 'empty path segment';
    if (segment === '.' || segment === '..') return `'${segment}' path segment`;
  }
  return undefined;
}

export function validateObjectKey(key: string): string {
  const problem = objectKeyProblem(key);
  if (problem !== undefined) throw new StorageError('INVALID_KEY', `invalid object key ${JSON.stringify(key)}: ${problem}`);
  return key;
}

/** A list prefix is a key, a key with a trailing `/`, or empty (everything). */
export function validateListPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  validateObjectKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}

/** Key order as S3 lists it: by UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

const OUTSIDE_UTF16_ORDER = /[\uD800-\uFFFF]/;

/**
 * Sorts by key in S3's order. UTF-16 order equals UTF-8 byte order unless surrogate pairs meet
 * characters above U+D7FF, so the byte comparison is paid only when such a key is present.
 */
export function sortByKey<T extends { readonly key: string }>(items: T[]): T[] {
  if (items.some((item) => OUTSIDE_UTF16_ORDER.test(item.key))) return items.sort((a, b) => compareKeys(a.key, b.key));
  return items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
