import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Platform } from '../../platform/platform.ts';
import { TenantParams, Uuid, withProblems } from '../../platform/schemas.ts';
import { callerOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import {
  CreateGroupBody,
  GroupParams,
  GroupSchema,
  MembersBody,
  UnassignGroupRoleBody,
  UpdateGroupBody,
} from './groups.schemas.ts';
import * as groups from './groups.service.ts';

export const groupRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const preHandler = tenantScopeHook(platform);
  const base = '/api/v1/tenants/:tenantId/groups';
  const tags = ['groups'];

  app.get(
    base,
    {
      preHandler,
      config: { permission: 'groups.read' },
      schema: {
        tags,
        summary: 'List groups (Default first) with group role, default member, owner and member count',
        params: TenantParams,
        response: withProblems({ 200: Type.Object({ items: Type.Array(GroupSchema) }) }),
      },
    },
    async (request) => groups.listGroups(platform, callerOf(request)),
  );

  app.post(
    base,
    {
      preHandler,
      config: { permission: 'groups.manage' },
      schema: {
        tags,
        summary: 'Create a group',
        params: TenantParams,
        body: CreateGroupBody,
        response: withProblems({ 201: GroupSchema }),
      },
    },
    async (request, reply) =>
      reply.status(201).send(await groups.createGroup(platform, callerOf(request), request.body)),
  );

  app.get(
    `${base}/:groupId`,
    {
      preHandler,
      config: { permission: 'groups.read' },
      schema: {
        tags,
        summary: 'Get a group',
        params: GroupParams,
        response: withProblems({ 200: GroupSchema }),
      },
    },
    async (request) => groups.getGroup(platform, callerOf(request), request.params.groupId),
  );

  app.patch(
    `${base}/:groupId`,
    {
      preHandler,
      config: { permission: 'groups.manage' },
      schema: {
        tags,
        summary: 'Rename a group, set its group role or its default member',
        params: GroupParams,
        body: UpdateGroupBody,
        response: withProblems({ 200: GroupSchema }),
      },
    },
    async (request) => groups.updateGroup(platform, callerOf(request), request.params.groupId, request.body),
  );

  app.delete(
    `${base}/:groupId`,
    {
      preHandler,
      config: { permission: 'groups.manage' },
      schema: {
        tags,
        summary: 'Delete a custom group; members left without a group move to Default',
        params: GroupParams,
        response: withProblems({ 200: Type.Object({ movedToDefault: Type.Array(Uuid) }) }),
      },
    },
    async (request) => groups.deleteGroup(platform, callerOf(request), request.params.groupId),
  );

  app.post(
    `${base}/:groupId/role/unassign`,
    {
      preHandler,
      config: { permission: 'groups.manage' },
      schema: {
        tags,
        summary: 'Unassign the group role: from everyone, or let members (but one) keep it individually',
        params: GroupParams,
        body: UnassignGroupRoleBody,
        response: withProblems({ 200: GroupSchema }),
      },
    },
    async (request) =>
      groups.unassignGroupRole(platform, callerOf(request), request.params.groupId, request.body),
  );

  app.post(
    `${base}/:groupId/members`,
    {
      preHandler,
      config: { permission: 'groups.manage' },
      schema: {
        tags,
        summary: 'Add users to the group',
        params: GroupParams,
        body: MembersBody,
        response: withProblems({ 200: GroupSchema }),
      },
    },
    async (request) =>
      groups.addMembers(platform, callerOf(request), request.params.groupId, request.body.userIds),
  );

  app.delete(
    `${base}/:groupId/members/:userId`,
    {
      preHandler,
      config: { permission: 'groups.manage' },
      schema: {
        tags,
        summary: 'Take a user out of the group (not their last group)',
        params: Type.Object({ tenantId: Uuid, groupId: Uuid, userId: Uuid }),
        response: withProblems({ 200: GroupSchema }),
      },
    },
    async (request) =>
      groups.removeMember(platform, callerOf(request), request.params.groupId, request.params.userId),
  );
};
