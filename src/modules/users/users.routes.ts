import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Platform } from '../../platform/platform.ts';
import { TenantParams, withProblems } from '../../platform/schemas.ts';
import { callerOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import {
  OverridesBody,
  PermissionsExplained,
  UserRolesBody,
  UserRolesView,
} from '../access/access.schemas.ts';
import * as access from '../access/access.service.ts';
import { UserGroupsBody } from '../groups/groups.schemas.ts';
import * as groups from '../groups/groups.service.ts';
import { runBulkAction } from './users.bulk.ts';
import {
  BulkBody,
  BulkResult,
  CreateUserBody,
  ListUsersQuery,
  ManagersBody,
  PeoplePage,
  SkillsBody,
  SkillView,
  StatusChangeResult,
  UpdateUserBody,
  UserPage,
  UserParams,
  UserSchema,
} from './users.schemas.ts';
import * as users from './users.service.ts';

export const userRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const preHandler = tenantScopeHook(platform);
  const base = '/api/v1/tenants/:tenantId/users';
  const tags = ['users'];

  app.get(
    base,
    {
      preHandler,
      config: { permission: 'users.read' },
      schema: {
        tags,
        summary: 'List and search users (one status tab, sorted, cursor-paged), with counts per tab',
        params: TenantParams,
        querystring: ListUsersQuery,
        response: withProblems({ 200: UserPage }),
      },
    },
    async (request) => users.listUsers(platform, callerOf(request), request.query),
  );

  app.post(
    base,
    {
      preHandler,
      config: { permission: 'users.create' },
      schema: {
        tags,
        summary: 'Create a user',
        params: TenantParams,
        body: CreateUserBody,
        response: withProblems({ 201: UserSchema }),
      },
    },
    async (request, reply) =>
      reply.status(201).send(await users.createUser(platform, callerOf(request), request.body)),
  );

  app.post(
    `${base}/bulk`,
    {
      preHandler,
      schema: {
        tags,
        summary: 'Apply one action to many users; each user’s change is whole, results per user',
        params: TenantParams,
        body: BulkBody,
        response: withProblems({ 200: BulkResult }),
      },
    },
    async (request) => runBulkAction(platform, callerOf(request), request.body),
  );

  app.get(
    `${base}/:userId`,
    {
      preHandler,
      config: { permission: 'users.read' },
      schema: {
        tags,
        summary: 'Get a user',
        params: UserParams,
        response: withProblems({ 200: UserSchema }),
      },
    },
    async (request) => users.getUser(platform, callerOf(request), request.params.userId),
  );

  app.patch(
    `${base}/:userId`,
    {
      preHandler,
      config: { permission: 'users.update' },
      schema: {
        tags,
        summary: 'Change a user’s profile',
        params: UserParams,
        body: UpdateUserBody,
        response: withProblems({ 200: UserSchema }),
      },
    },
    async (request) => users.updateUser(platform, callerOf(request), request.params.userId, request.body),
  );

  for (const action of ['suspend', 'reactivate', 'archive'] as const) {
    app.post(
      `${base}/:userId/${action}`,
      {
        preHandler,
        config: { permission: action === 'archive' ? 'users.archive' : 'users.suspend' },
        schema: {
          tags,
          summary: {
            suspend: 'Suspend a user: no sign-in, no email, data and licence kept; ends sessions and tokens',
            reactivate: 'Reactivate a suspended user (never an archived one)',
            archive:
              'Archive a user for good: no sign-in, licence freed, data kept; ends sessions and tokens',
          }[action],
          params: UserParams,
          response: withProblems({ 200: StatusChangeResult }),
        },
      },
      async (request) => users.changeStatus(platform, callerOf(request), request.params.userId, action),
    );
  }

  app.put(
    `${base}/:userId/managers`,
    {
      preHandler,
      config: { permission: 'users.update' },
      schema: {
        tags,
        summary: 'Set a user’s managers (no cycles)',
        params: UserParams,
        body: ManagersBody,
        response: withProblems({ 200: UserSchema }),
      },
    },
    async (request) =>
      users.setManagers(platform, callerOf(request), request.params.userId, request.body.managerIds),
  );

  app.get(
    `${base}/:userId/managed-users`,
    {
      preHandler,
      config: { permission: 'users.read' },
      schema: {
        tags,
        summary: 'The users this user manages (direct reports)',
        params: UserParams,
        response: withProblems({ 200: PeoplePage }),
      },
    },
    async (request) => users.listManagedUsers(platform, callerOf(request), request.params.userId),
  );

  app.get(
    `${base}/:userId/skills`,
    {
      preHandler,
      config: { permission: 'users.read' },
      schema: {
        tags,
        summary: 'Skills and certifications, with expiry',
        params: UserParams,
        response: withProblems({ 200: Type.Object({ items: Type.Array(SkillView) }) }),
      },
    },
    async (request) => users.listSkills(platform, callerOf(request), request.params.userId),
  );

  app.put(
    `${base}/:userId/skills`,
    {
      preHandler,
      config: { permission: 'users.update' },
      schema: {
        tags,
        summary: 'Replace a user’s skills and certifications',
        params: UserParams,
        body: SkillsBody,
        response: withProblems({ 200: Type.Object({ items: Type.Array(SkillView) }) }),
      },
    },
    async (request) => users.replaceSkills(platform, callerOf(request), request.params.userId, request.body),
  );

  app.get(
    `${base}/:userId/avatar`,
    {
      preHandler,
      schema: {
        tags,
        summary: 'The avatar image; the initials (rule 2) as SVG when none was uploaded',
        params: UserParams,
        querystring: Type.Object({ v: Type.Optional(Type.String({ maxLength: 20 })) }),
        produces: ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml'],
        response: withProblems({ 200: Type.Unknown({ description: 'image bytes' }) }),
      },
    },
    async (request, reply) => {
      const avatar = await users.readAvatar(platform, callerOf(request), request.params.userId);
      return reply
        .type(avatar.contentType)
        .header('cache-control', 'private, max-age=86400')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .send(avatar.body);
    },
  );

  app.put(
    `${base}/:userId/avatar`,
    {
      preHandler,
      bodyLimit: 2_097_152,
      schema: {
        tags,
        summary: 'Upload an avatar (PNG, JPEG or WebP, at most 1 MB; the content decides, not the name)',
        params: UserParams,
        consumes: ['image/png', 'image/jpeg', 'image/webp', 'application/octet-stream'],
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await users.writeAvatar(platform, callerOf(request), request.params.userId, request.body as Buffer);
      return reply.status(204).send();
    },
  );

  app.delete(
    `${base}/:userId/avatar`,
    {
      preHandler,
      schema: {
        tags,
        summary: 'Remove the avatar (back to initials)',
        params: UserParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await users.writeAvatar(platform, callerOf(request), request.params.userId, null);
      return reply.status(204).send();
    },
  );

  app.post(
    `${base}/:userId/revoke-access`,
    {
      preHandler,
      config: { permission: 'users.sessions' },
      schema: {
        tags,
        summary: 'End all of a user’s sessions and API tokens',
        params: UserParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await users.revokeUserAccess(platform, callerOf(request), request.params.userId);
      return reply.status(204).send();
    },
  );

  app.get(
    `${base}/:userId/permissions`,
    {
      preHandler,
      schema: {
        tags: ['roles'],
        summary:
          'Effective permissions, each with why (role, group role via group, override, tenant default)',
        params: UserParams,
        response: withProblems({ 200: PermissionsExplained }),
      },
    },
    async (request) => access.explainPermissions(platform, callerOf(request), request.params.userId),
  );

  app.put(
    `${base}/:userId/permission-overrides`,
    {
      preHandler,
      config: { permission: 'roles.manage' },
      schema: {
        tags: ['roles'],
        summary: 'Set per-user grants and denies (a deny wins)',
        params: UserParams,
        body: OverridesBody,
        response: withProblems({ 200: PermissionsExplained }),
      },
    },
    async (request) => access.setOverrides(platform, callerOf(request), request.params.userId, request.body),
  );

  app.get(
    `${base}/:userId/roles`,
    {
      preHandler,
      config: { permission: 'roles.read' },
      schema: {
        tags: ['roles'],
        summary: 'A user’s direct and group roles',
        params: UserParams,
        response: withProblems({ 200: UserRolesView }),
      },
    },
    async (request) => access.userRoles(platform, callerOf(request), request.params.userId),
  );

  app.put(
    `${base}/:userId/roles`,
    {
      preHandler,
      config: { permission: 'roles.manage' },
      schema: {
        tags: ['roles'],
        summary: 'Set a user’s direct roles (at least one; within your own permissions)',
        params: UserParams,
        body: UserRolesBody,
        response: withProblems({ 200: UserRolesView }),
      },
    },
    async (request) =>
      access.setUserRoles(platform, callerOf(request), request.params.userId, request.body.roleIds),
  );

  app.put(
    `${base}/:userId/groups`,
    {
      preHandler,
      config: { permission: 'groups.manage' },
      schema: {
        tags: ['groups'],
        summary: 'Set a user’s groups (at least one)',
        params: UserParams,
        body: UserGroupsBody,
        response: withProblems({ 200: UserSchema }),
      },
    },
    async (request) => {
      await groups.setUserGroups(platform, callerOf(request), request.params.userId, request.body.groupIds);
      return users.getUser(platform, callerOf(request), request.params.userId);
    },
  );
};

/** Avatars arrive as raw image bytes. */
export function registerImageParsers(app: Parameters<FastifyPluginAsyncTypebox>[0]) {
  for (const type of ['image/png', 'image/jpeg', 'image/webp', 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: 2_097_152 }, (_req, body, done) =>
      done(null, body),
    );
  }
}
