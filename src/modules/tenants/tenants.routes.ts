import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextFor, requirePrincipal } from '../../platform/auth.ts';
import type { Platform } from '../../platform/platform.ts';
import { TenantParams, withProblems } from '../../platform/schemas.ts';
import { scopeOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import {
  CreateTenantBody,
  ListTenantsQuery,
  TenantPage,
  TenantSchema,
  UpdateTenantBody,
} from './tenants.schemas.ts';
import * as tenants from './tenants.service.ts';

export const tenantRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const inTenant = tenantScopeHook(platform);

  app.get(
    '/api/v1/tenants',
    {
      config: { permission: 'tenants.read' },
      schema: {
        tags: ['tenants'],
        summary: 'List the tenants you can reach (a provider sees its customers)',
        querystring: ListTenantsQuery,
        response: withProblems({ 200: TenantPage }),
      },
    },
    async (request) => tenants.listTenants(platform, requirePrincipal(request), request.query),
  );

  app.post(
    '/api/v1/tenants',
    {
      config: { permission: 'tenants.manage' },
      schema: {
        tags: ['tenants'],
        summary: 'Create a customer tenant (providers only)',
        body: CreateTenantBody,
        response: withProblems({ 201: TenantSchema }),
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const created = await tenants.createCustomerTenant(
        platform,
        contextFor(platform, request, principal.tenantId),
        principal,
        request.body,
      );
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/v1/tenants/:tenantId',
    {
      preHandler: inTenant,
      config: { permission: 'tenants.read' },
      schema: {
        tags: ['tenants'],
        summary: 'Get a tenant',
        params: TenantParams,
        response: withProblems({ 200: TenantSchema }),
      },
    },
    async (request) => tenants.getTenant(requirePrincipal(request), scopeOf(request).tenant),
  );

  app.patch(
    '/api/v1/tenants/:tenantId',
    {
      preHandler: inTenant,
      config: { permission: 'tenants.manage' },
      schema: {
        tags: ['tenants'],
        summary: 'Rename a tenant, change its settings, or (its provider) suspend it',
        params: TenantParams,
        body: UpdateTenantBody,
        response: withProblems({ 200: TenantSchema }),
      },
    },
    async (request) => {
      const { tenant, ctx } = scopeOf(request);
      return tenants.updateTenant(platform, ctx, requirePrincipal(request), tenant, request.body);
    },
  );
};
