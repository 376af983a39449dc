// Tenancy as Loki (dskit) does it: with auth, the `X-Scope-OrgID` header names the tenant; a
// read may name several as `a|b`. Without auth, every request belongs to tenant `fake`.

import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import { tenantIdProblem } from '../storage/keys.js';

// One rule for tenant ids at every door: the write path's validation module owns it.
export { tenantIdProblem };

export const ORG_ID_HEADER = 'x-scope-orgid';
export const SINGLE_TENANT_ID = 'fake';
const TENANT_SEPARATOR = '|';

function orgIdHeader(request: FastifyRequest): string {
  const raw = request.headers[ORG_ID_HEADER];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '') throw new HttpError('HTTP_NO_ORG_ID', 'no org id');
  return value;
}

/** Every tenant a read names, sorted and deduplicated (dskit's `NormalizeTenantIDs`). */
export function readTenants(request: FastifyRequest, auth: boolean): string[] {
  if (!auth) return [SINGLE_TENANT_ID];
  const ids = orgIdHeader(request).split(TENANT_SEPARATOR);
  for (const id of ids) {
    if (id === '') throw new HttpError('HTTP_NO_ORG_ID', 'no org id');
    const problem = tenantIdProblem(id);
    if (problem !== undefined) throw new HttpError('HTTP_BAD_TENANT', problem);
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
  if (tenants.length !== 1) throw new HttpError('HTTP_BAD_TENANT', 'multiple org IDs present');
  return tenants[0]!;
}
