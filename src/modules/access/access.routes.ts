import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Platform } from '../../platform/platform.ts';
import { TenantParams, withProblems } from '../../platform/schemas.ts';
import { callerOf, scopeOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import {
  CatalogSchema,
  CreateRoleBody,
  DefaultPermissionsBody,
  RoleParams,
  RoleSchema,
  UpdateRoleBody,
} from './access.schemas.ts';
import * as access from './access.service.ts';

export const accessRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const preHandler = tenantScopeHook(platform);
  const base = '/api/v1/tenants/:tenantId/roles';
  const tags = ['roles'];

  app.get(
    '/api/v1/permissions',
    { schema: { tags, summary: 'The permission catalog', response: withProblems({ 200: CatalogSchema }) } },
    async () => access.catalog(),
  );

  app.get(
    base,
    {
      preHandler,
      config: { permission: 'roles.read' },
      schema: {
        tags,
        summary: 'Predefined and custom roles, with how many users and groups hold each',
        params: TenantParams,
        response: withProblems({ 200: Type.Object({ items: Type.Array(RoleSchema) }) }),
      },
    },
    async (request) => access.listRoles(platform, callerOf(request)),
  );

  app.post(
    base,
    {
      preHandler,
      config: { permission: 'roles.manage' },
      schema: {
        tags,
        summary: 'Create a custom role (only permissions you hold yourself)',
        params: TenantParams,
        body: CreateRoleBody,
        response: withProblems({ 201: RoleSchema }),
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await access.createRole(platform, callerOf(request), scopeOf(request).tenant.kind, request.body),
        ),
  );

  app.get(
    `${base}/:roleId`,
    {
      preHandler,
      config: { permission: 'roles.read' },
      schema: {
        tags,
        summary: 'Get a role',
        params: RoleParams,
        response: withProblems({ 200: RoleSchema }),
      },
    },
    async (request) => access.getRole(platform, callerOf(request), request.params.roleId),
  );

  app.patch(
    `${base}/:roleId`,
    {
      preHandler,
      config: { permission: 'roles.manage' },
      schema: {
        tags,
        summary: 'Edit a custom role (predefined roles are fixed)',
        params: RoleParams,
        body: UpdateRoleBody,
        response: withProblems({ 200: RoleSchema }),
      },
    },
    async (request) =>
      access.updateRole(
        platform,
        callerOf(request),
        scopeOf(request).tenant.kind,
        request.params.roleId,
        request.body,
      ),
  );

  app.delete(
    `${base}/:roleId`,
    {
      preHandler,
      config: { permission: 'roles.manage' },
      schema: {
        tags,
        summary: 'Delete an unused custom role',
        params: RoleParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await access.deleteRole(platform, callerOf(request), request.params.roleId);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/tenants/:tenantId/default-permissions',
    {
      preHandler,
      config: { permission: 'roles.read' },
      schema: {
        tags,
        summary: 'Permissions every member of the tenant has',
        params: TenantParams,
        response: withProblems({ 200: DefaultPermissionsBody }),
      },
    },
    async (request) => access.getTenantDefaults(platform, callerOf(request)),
  );

  app.put(
    '/api/v1/tenants/:tenantId/default-permissions',
    {
      preHandler,
      config: { permission: 'roles.manage' },
      schema: {
        tags,
        summary: 'Set the tenant’s default permissions (within your own)',
        params: TenantParams,
        body: DefaultPermissionsBody,
        response: withProblems({ 200: DefaultPermissionsBody }),
      },
    },
    async (request) => access.setTenantDefaults(platform, callerOf(request), request.body.permissions),
  );
};
