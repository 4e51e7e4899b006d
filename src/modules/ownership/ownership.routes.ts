import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Platform } from '../../platform/platform.ts';
import { Page, TenantParams, withProblems } from '../../platform/schemas.ts';
import { callerOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import { UserParams } from '../users/users.schemas.ts';
import {
  ChangeOwnerBody,
  CreateResourceBody,
  KindView,
  OwnershipItem,
  OwnershipItemParams,
  OwnershipsQuery,
  RemoveResult,
  RemoveUserBody,
  ResourceParams,
  ResourcesQuery,
  ResourceView,
  SetShareBody,
  SharedChangesBody,
  SharedWithUserItem,
  ShareParams,
  ShareView,
  TransferBody,
  TransferParams,
  TransferPreview,
  TransfersQuery,
  TransferView,
  UpdateResourceBody,
  UserOwnerships,
} from './ownership.schemas.ts';
import * as ownership from './ownership.service.ts';
import * as resources from './resources.service.ts';

export const ownershipRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (
  app,
  { platform },
) => {
  const preHandler = tenantScopeHook(platform);
  const t = '/api/v1/tenants/:tenantId';
  const tags = ['ownership'];

  // ------------------------------------------------------------ transfers and removal

  app.post(
    `${t}/users/:userId/transfers`,
    {
      preHandler,
      config: { permission: 'ownership.transfer' },
      schema: {
        tags,
        summary:
          'Transfer a user’s ownerships: one-time at a date and hour, or for a duration (everything but jobs moves back); `preview: true` answers what moves and which groups the recipient joins',
        params: UserParams,
        body: TransferBody,
        response: withProblems({ 200: TransferPreview, 201: TransferView }),
      },
    },
    async (request, reply) => {
      const result = await ownership.requestTransfer(
        platform,
        callerOf(request),
        request.params.userId,
        request.body,
      );
      return 'preview' in result ? result : reply.status(201).send(result);
    },
  );

  app.get(
    `${t}/users/:userId/transfers`,
    {
      preHandler,
      config: { permission: 'users.read' },
      schema: {
        tags,
        summary: 'A user’s transfers and scheduled removals (as giver or recipient), newest first',
        params: UserParams,
        querystring: TransfersQuery,
        response: withProblems({ 200: Page(TransferView) }),
      },
    },
    async (request) =>
      ownership.listTransfers(platform, callerOf(request), {
        ...request.query,
        userId: request.params.userId,
      }),
  );

  app.get(
    `${t}/transfers`,
    {
      preHandler,
      config: { permission: 'users.read' },
      schema: {
        tags,
        summary: 'The tenant’s transfers and scheduled removals (`status=open`: pending ones)',
        params: TenantParams,
        querystring: TransfersQuery,
        response: withProblems({ 200: Page(TransferView) }),
      },
    },
    async (request) => ownership.listTransfers(platform, callerOf(request), request.query),
  );

  app.get(
    `${t}/transfers/:transferId`,
    {
      preHandler,
      config: { permission: 'users.read' },
      schema: {
        tags,
        summary: 'A transfer or scheduled removal, with what moved',
        params: TransferParams,
        response: withProblems({ 200: TransferView }),
      },
    },
    async (request) => ownership.getTransfer(platform, callerOf(request), request.params.transferId),
  );

  app.post(
    `${t}/transfers/:transferId/cancel`,
    {
      preHandler,
      schema: {
        tags,
        summary:
          'Cancel a transfer before it starts, a duration before it ends (it moves back as at its end), or a scheduled removal; refused once it ran. Needs `ownership.transfer` (`users.remove` for a removal)',
        params: TransferParams,
        response: withProblems({ 200: TransferView }),
      },
    },
    async (request) => ownership.cancelTransfer(platform, callerOf(request), request.params.transferId),
  );

  app.post(
    `${t}/users/:userId/remove`,
    {
      preHandler,
      config: { permission: 'users.remove' },
      schema: {
        tags: ['users'],
        summary:
          'Remove a user now or at a date and hour (`when: scheduled`); ownerships move to `transferTo`, required when the user owns anything; `preview: true` only reports',
        params: UserParams,
        body: Type.Optional(RemoveUserBody),
        response: withProblems({ 200: RemoveResult }),
      },
    },
    async (request) =>
      ownership.removeUser(platform, callerOf(request), request.params.userId, request.body ?? {}),
  );

  app.get(
    `${t}/users/:userId/ownerships`,
    {
      preHandler,
      config: { permission: 'users.read' },
      schema: {
        tags,
        summary: 'Everything a user owns, by kind',
        params: UserParams,
        response: withProblems({ 200: UserOwnerships }),
      },
    },
    async (request) => resources.ownershipsOfUser(platform, callerOf(request), request.params.userId),
  );

  // ------------------------------------------------------------ kinds, and any item's owner

  app.get(
    `${t}/ownership/kinds`,
    {
      preHandler,
      config: { permission: 'resources.read' },
      schema: {
        tags,
        summary: 'The kinds of ownership: Rollcall’s own and the resource types integrations register',
        params: TenantParams,
        response: withProblems({ 200: Type.Object({ items: Type.Array(KindView) }) }),
      },
    },
    async (request) => resources.listKinds(callerOf(request)),
  );

  app.get(
    `${t}/ownerships`,
    {
      preHandler,
      config: { permission: 'resources.read' },
      schema: {
        tags,
        summary: 'Owned items of one kind with their owner, by name (the Resources page)',
        params: TenantParams,
        querystring: OwnershipsQuery,
        response: withProblems({ 200: Page(OwnershipItem) }),
      },
    },
    async (request) => resources.listOwnerships(platform, callerOf(request), request.query),
  );

  app.post(
    `${t}/ownerships/:type/:itemId/owner`,
    {
      preHandler,
      config: { permission: 'resources.manage' },
      schema: {
        tags,
        summary: 'Change the owner of one item (integrations are told by webhook)',
        params: OwnershipItemParams,
        body: ChangeOwnerBody,
        response: withProblems({ 200: OwnershipItem }),
      },
    },
    async (request) =>
      resources.changeOwner(
        platform,
        callerOf(request),
        request.params.type,
        request.params.itemId,
        request.body.ownerId,
      ),
  );

  // ------------------------------------------------------------ resources registered by integrations

  app.post(
    `${t}/resources`,
    {
      preHandler,
      config: { permission: 'resources.manage' },
      schema: {
        tags: ['resources'],
        summary: 'Register a resource of an integration (workflow, job, form, …) with its owner',
        params: TenantParams,
        body: CreateResourceBody,
        response: withProblems({ 201: ResourceView }),
      },
    },
    async (request, reply) =>
      reply.status(201).send(await resources.registerResource(platform, callerOf(request), request.body)),
  );

  app.get(
    `${t}/resources`,
    {
      preHandler,
      config: { permission: 'resources.read' },
      schema: {
        tags: ['resources'],
        summary: 'Registered resources, by name; filter by type, owner, external id or name',
        params: TenantParams,
        querystring: ResourcesQuery,
        response: withProblems({ 200: Page(ResourceView) }),
      },
    },
    async (request) => resources.listResources(platform, callerOf(request), request.query),
  );

  app.get(
    `${t}/resources/:resourceId`,
    {
      preHandler,
      config: { permission: 'resources.read' },
      schema: {
        tags: ['resources'],
        summary: 'A registered resource',
        params: ResourceParams,
        response: withProblems({ 200: ResourceView }),
      },
    },
    async (request) => resources.getResource(platform, callerOf(request), request.params.resourceId),
  );

  app.patch(
    `${t}/resources/:resourceId`,
    {
      preHandler,
      config: { permission: 'resources.manage' },
      schema: {
        tags: ['resources'],
        summary:
          'Rename a resource or change its link (the owner changes through …/ownerships/{type}/{id}/owner)',
        params: ResourceParams,
        body: UpdateResourceBody,
        response: withProblems({ 200: ResourceView }),
      },
    },
    async (request) =>
      resources.updateResource(platform, callerOf(request), request.params.resourceId, request.body),
  );

  app.delete(
    `${t}/resources/:resourceId`,
    {
      preHandler,
      config: { permission: 'resources.manage' },
      schema: {
        tags: ['resources'],
        summary: 'Forget a resource (and its shares)',
        params: ResourceParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await resources.deleteResource(platform, callerOf(request), request.params.resourceId);
      return reply.status(204).send();
    },
  );

  app.get(
    `${t}/resources/:resourceId/shares`,
    {
      preHandler,
      config: { permission: 'resources.read' },
      schema: {
        tags: ['resources'],
        summary: 'Who a resource is shared with, at which level',
        params: ResourceParams,
        response: withProblems({ 200: Type.Object({ items: Type.Array(ShareView) }) }),
      },
    },
    async (request) => resources.listShares(platform, callerOf(request), request.params.resourceId),
  );

  app.put(
    `${t}/resources/:resourceId/shares/:userId`,
    {
      preHandler,
      config: { permission: 'resources.manage' },
      schema: {
        tags: ['resources'],
        summary:
          'Share a resource with a user at `view` or `edit`, or change the level (not with a suspended user)',
        params: ShareParams,
        body: SetShareBody,
        response: withProblems({ 200: Type.Object({ items: Type.Array(ShareView) }) }),
      },
    },
    async (request) =>
      resources.setShare(
        platform,
        callerOf(request),
        request.params.resourceId,
        request.params.userId,
        request.body.level,
      ),
  );

  app.delete(
    `${t}/resources/:resourceId/shares/:userId`,
    {
      preHandler,
      config: { permission: 'resources.manage' },
      schema: {
        tags: ['resources'],
        summary: 'Stop sharing a resource with a user',
        params: ShareParams,
        response: withProblems({ 200: Type.Object({ items: Type.Array(ShareView) }) }),
      },
    },
    async (request) =>
      resources.setShare(platform, callerOf(request), request.params.resourceId, request.params.userId, null),
  );

  app.get(
    `${t}/users/:userId/shared`,
    {
      preHandler,
      config: { permission: 'resources.read' },
      schema: {
        tags: ['resources'],
        summary: 'What is shared with a user, with the level (the Shared Workflows window)',
        params: UserParams,
        response: withProblems({ 200: Type.Object({ items: Type.Array(SharedWithUserItem) }) }),
      },
    },
    async (request) => resources.sharedWithUser(platform, callerOf(request), request.params.userId),
  );

  app.patch(
    `${t}/users/:userId/shared`,
    {
      preHandler,
      config: { permission: 'resources.manage' },
      schema: {
        tags: ['resources'],
        summary: 'Change levels and stop sharing one or many resources with a user, all at once',
        params: UserParams,
        body: SharedChangesBody,
        response: withProblems({ 200: Type.Object({ items: Type.Array(SharedWithUserItem) }) }),
      },
    },
    async (request) =>
      resources.changeSharedWithUser(platform, callerOf(request), request.params.userId, request.body),
  );
};
