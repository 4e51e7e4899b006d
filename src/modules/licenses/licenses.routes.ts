import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Platform } from '../../platform/platform.ts';
import { NullableTimestamp, TenantParams, withProblems } from '../../platform/schemas.ts';
import { callerOf, scopeOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import { UserParams } from '../users/users.schemas.ts';
import * as licenses from './licenses.service.ts';

const PoolType = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}$', description: 'e.g. people' });
const Pools = Type.Object({
  items: Type.Array(
    Type.Object({
      type: Type.String(),
      quantity: Type.Integer(),
      used: Type.Integer(),
      free: Type.Integer(),
      updatedAt: NullableTimestamp,
    }),
  ),
});

export const licenseRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const preHandler = tenantScopeHook(platform);
  const tags = ['licenses'];

  app.get(
    '/api/v1/tenants/:tenantId/licenses',
    {
      preHandler,
      config: { permission: 'licenses.read' },
      schema: {
        tags,
        summary: 'Licence pools with used and free seats',
        params: TenantParams,
        response: withProblems({ 200: Pools }),
      },
    },
    async (request) => licenses.listPools(platform, callerOf(request)),
  );

  app.put(
    '/api/v1/tenants/:tenantId/licenses',
    {
      preHandler,
      config: { permission: 'licenses.manage' },
      schema: {
        tags,
        summary: 'Set pool quantities (the provider, for its customers and itself)',
        params: TenantParams,
        body: Type.Object(
          {
            pools: Type.Array(
              Type.Object(
                { type: PoolType, quantity: Type.Integer({ minimum: 0, maximum: 1_000_000 }) },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 20 },
            ),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Pools }),
      },
    },
    async (request) =>
      licenses.setPools(platform, callerOf(request), scopeOf(request).tenant, request.body.pools),
  );

  app.post(
    '/api/v1/tenants/:tenantId/users/:userId/license',
    {
      preHandler,
      config: { permission: 'licenses.assign' },
      schema: {
        tags,
        summary: 'Give a user a seat (refused when none is free)',
        params: UserParams,
        body: Type.Object({ type: Type.Optional(PoolType) }, { additionalProperties: false }),
        response: withProblems({ 200: Type.Object({ changed: Type.Boolean() }) }),
      },
    },
    async (request) =>
      licenses.assignLicense(platform, callerOf(request), request.params.userId, request.body.type),
  );

  app.delete(
    '/api/v1/tenants/:tenantId/users/:userId/license',
    {
      preHandler,
      config: { permission: 'licenses.assign' },
      schema: {
        tags,
        summary: 'Free a user’s seats (their default-member slots are cleared, as those need a licence)',
        params: UserParams,
        response: withProblems({
          200: Type.Object({
            released: Type.Array(Type.String()),
            clearedDefaultMemberOf: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
          }),
        }),
      },
    },
    async (request) => licenses.unassignLicense(platform, callerOf(request), request.params.userId),
  );
};
