import type { FastifyRequest } from 'fastify';
import { contextFor, type Principal, requirePrincipal, resolveTenantForPrincipal } from './auth.ts';
import type { Ctx } from './context.ts';
import type { Tenant } from './db-schema.ts';
import type { Platform } from './platform.ts';

/**
 * For routes under `/api/v1/tenants/{tenantId}`: the tenant comes from the path and only from the
 * path, and is checked against what the principal may reach before any handler runs.
 */
export interface TenantScope {
  tenant: Tenant;
  ctx: Ctx;
}

declare module 'fastify' {
  interface FastifyRequest {
    tenantScope: TenantScope | null;
  }
}

export function tenantScopeHook(platform: Platform) {
  return async (request: FastifyRequest) => {
    const principal = requirePrincipal(request);
    const { tenantId } = request.params as { tenantId: string };
    const tenant = await resolveTenantForPrincipal(platform, principal, tenantId);
    request.tenantScope = { tenant, ctx: contextFor(platform, request, tenant.id) };
  };
}

export function scopeOf(request: FastifyRequest): TenantScope {
  if (!request.tenantScope) throw new Error('route is missing the tenant scope hook');
  return request.tenantScope;
}

/** Who is asking, and in which tenant: the principal and the scoped context every service takes. */
export function callerOf(request: FastifyRequest): { principal: Principal; ctx: Ctx } {
  return { principal: requirePrincipal(request), ctx: scopeOf(request).ctx };
}

/** The caller acting on themselves, in their home tenant: the `/api/v1/me/…` routes. */
export function selfCallerOf(
  platform: Platform,
  request: FastifyRequest,
): { principal: Principal; ctx: Ctx } {
  const principal = requirePrincipal(request);
  return { principal, ctx: contextFor(platform, request, principal.tenantId) };
}
