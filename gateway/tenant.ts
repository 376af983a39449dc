// Tenancy as Loki (dskit) does it: with auth, the `X-Scope-OrgID` header names the tenant; a
// read may name several as `a|b`. Without auth, every request belongs to tenant `fake`.

import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

export const ORG_ID_HEADER = 'x-scope-orgid';
export const SINGLE_TENANT_ID = 'fake';
export const MAX_TENANT_ID_LENGTH = 150;

const TENANT_SEPARATOR = '|';
const SUPPORTED = /^[a-zA-Z0-9!\-_.*'()]*$/;

/** Loki's rules for one tenant id; returns the error text, or undefined when the id is valid. */
export function tenantIdProblem(id: string): string | undefined {
  if (!SUPPORTED.test(id)) {
    for (const char of id) {
      if (!SUPPORTED.test(char)) return `tenant ID '${id}' contains unsupported character '${char}'`;
    }
  }
  if (id.length > MAX_TENANT_ID_LENGTH) return `tenant ID is too long: max ${MAX_TENANT_ID_LENGTH} characters`;
  if (id === '.' || id === '..') return "tenant ID is '.' or '..'";
  return undefined;
}

function orgIdHeader(request: FastifyRequest): string {
  const raw = request.headers[ORG_ID_HEADER];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '') throw new HttpError(401, 'no org id', 'HTTP_NO_ORG_ID');
  return value;
}

/** Every tenant a read names, sorted and deduplicated (dskit's `NormalizeTenantIDs`). */
export function readTenants(request: FastifyRequest, auth: boolean): string[] {
  if (!auth) return [SINGLE_TENANT_ID];
  const ids = orgIdHeader(request).split(TENANT_SEPARATOR);
  for (const id of ids) {
    if (id === '') throw new HttpError(401, 'no org id', 'HTTP_NO_ORG_ID');
    const problem = tenantIdProblem(id);
    if (problem !== undefined) throw new HttpError(400, problem, 'HTTP_BAD_TENANT');
  }
  return [...new Set(ids)].sort();
}

/**
 * The tenant a read names, as the query service takes it: one id, or several joined by `|`
 * (sorted, deduplicated), which the querier's multi-tenant layer splits.
 */
export function readTenant(request: FastifyRequest, auth: boolean): string {
  return readTenants(request, auth).join(TENANT_SEPARATOR);
}

/** The one tenant a write (or a tail) belongs to. */
export function singleTenant(request: FastifyRequest, auth: boolean): string {
  const tenants = readTenants(request, auth);
  if (tenants.length !== 1) throw new HttpError(400, 'multiple org IDs present', 'HTTP_BAD_TENANT');
  return tenants[0]!;
}
