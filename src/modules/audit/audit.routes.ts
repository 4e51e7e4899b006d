import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requirePrincipal } from '../../platform/auth.ts';
import type { Platform } from '../../platform/platform.ts';
import { TenantParams, withProblems } from '../../platform/schemas.ts';
import { scopeOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import { AuditPage, AuditQuery, ChainVerificationSchema } from './audit.schemas.ts';
import * as audit from './audit.service.ts';

export const auditRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const inTenant = tenantScopeHook(platform);

  app.get(
    '/api/v1/tenants/:tenantId/audit',
    {
      preHandler: inTenant,
      config: { permission: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: 'The tenant’s audit log, newest first',
        params: TenantParams,
        querystring: AuditQuery,
        response: withProblems({ 200: AuditPage }),
      },
    },
    async (request) =>
      audit.listAudit(platform, requirePrincipal(request), scopeOf(request).tenant.id, request.query),
  );

  app.get(
    '/api/v1/tenants/:tenantId/audit/verify',
    {
      preHandler: inTenant,
      config: { permission: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: 'Walk the tenant’s hash chain and report the first broken link',
        params: TenantParams,
        response: withProblems({ 200: ChainVerificationSchema }),
      },
    },
    async (request) => audit.verifyAudit(platform, requirePrincipal(request), scopeOf(request).tenant.id),
  );
};
