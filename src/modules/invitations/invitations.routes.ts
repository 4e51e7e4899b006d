import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Platform } from '../../platform/platform.ts';
import { TenantParams, Timestamp, Uuid, withProblems } from '../../platform/schemas.ts';
import { callerOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import * as invitations from './invitations.service.ts';

const Token = Type.String({ minLength: 10, maxLength: 200 });

export const invitationRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (
  app,
  { platform },
) => {
  const preHandler = tenantScopeHook(platform);
  const tags = ['invitations'];
  const limited = {
    public: true,
    rateLimit: { max: platform.config.authRateLimitPerMinute, timeWindow: '1 minute' },
  };

  app.post(
    '/api/v1/tenants/:tenantId/invitations',
    {
      preHandler,
      config: { permission: 'invitations.send' },
      schema: {
        tags,
        summary:
          'Invite people: each entry may hold several addresses (spaces or commas), with groups and roles; answered per address',
        params: TenantParams,
        body: Type.Object(
          {
            entries: Type.Array(
              Type.Object(
                {
                  emails: Type.String({ minLength: 3, maxLength: 100_000 }),
                  groupIds: Type.Optional(Type.Array(Uuid, { maxItems: 100, uniqueItems: true })),
                  roleIds: Type.Optional(Type.Array(Uuid, { maxItems: 50, uniqueItems: true })),
                },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 1000 },
            ),
          },
          { additionalProperties: false },
        ),
        response: withProblems({
          200: Type.Object({
            results: Type.Array(
              Type.Object({
                email: Type.String(),
                ok: Type.Boolean(),
                userId: Type.Optional(Uuid),
                invitationId: Type.Optional(Uuid),
                code: Type.Optional(Type.String()),
                detail: Type.Optional(Type.String()),
              }),
            ),
            sent: Type.Integer(),
            failed: Type.Integer(),
            delivery: Type.Union([Type.Literal('smtp'), Type.Literal('outbox')], {
              description:
                'How the emails leave: by the SMTP server, or kept in the Outbox (no SMTP_URL) for an administrator to pass on',
            }),
          }),
        }),
      },
    },
    async (request) => invitations.invite(platform, callerOf(request), request.body.entries),
  );

  app.get(
    '/api/v1/tenants/:tenantId/invitations',
    {
      preHandler,
      config: { permission: 'users.read' },
      schema: {
        tags,
        summary: 'Invitations of this tenant, newest first',
        params: TenantParams,
        response: withProblems({
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Uuid,
                userId: Uuid,
                email: Type.String(),
                status: Type.String(),
                expiresAt: Timestamp,
                createdAt: Timestamp,
                invitedBy: Type.Union([Uuid, Type.Null()]),
              }),
            ),
          }),
        }),
      },
    },
    async (request) => invitations.listInvitations(platform, callerOf(request)),
  );

  for (const action of ['resend', 'cancel'] as const) {
    app.post(
      `/api/v1/tenants/:tenantId/invitations/:invitationId/${action}`,
      {
        preHandler,
        config: { permission: 'invitations.send' },
        schema: {
          tags,
          summary:
            action === 'resend'
              ? 'Send a new link (the old one stops working)'
              : 'Cancel the link (the pending user stays)',
          params: Type.Object({ tenantId: Uuid, invitationId: Uuid }),
          response: withProblems({ 200: Type.Object({ invitationId: Type.Optional(Uuid) }) }),
        },
      },
      async (request) => {
        const c = callerOf(request);
        if (action === 'resend') return invitations.resend(platform, c, request.params.invitationId);
        await invitations.cancel(platform, c, request.params.invitationId);
        return {};
      },
    );
  }

  app.post(
    '/api/v1/invitations/inspect',
    {
      config: limited,
      schema: {
        tags,
        summary:
          'What an invitation link is for (tenant, address, password rules), or why it no longer works',
        body: Type.Object({ token: Token }, { additionalProperties: false }),
        response: withProblems({
          200: Type.Object({
            tenantName: Type.String(),
            tenantSlug: Type.String(),
            email: Type.String(),
            expiresAt: Timestamp,
            passwordPolicy: Type.Record(Type.String(), Type.Unknown()),
            suggested: Type.Object({ firstName: Type.String(), lastName: Type.String() }),
          }),
        }),
      },
    },
    async (request) => invitations.inspect(platform, request.body.token),
  );

  app.post(
    '/api/v1/invitations/accept',
    {
      config: limited,
      schema: {
        tags,
        summary:
          'Accept an invitation: names and a password under the tenant’s policy; the user becomes active',
        body: Type.Object(
          {
            token: Token,
            firstName: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
            lastName: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Type.Object({ tenant: Type.String(), login: Type.String() }) }),
      },
    },
    async (request) =>
      invitations.accept(platform, request.body, {
        ip: request.ip,
        userAgent: request.headers['user-agent']?.slice(0, 512),
        requestId: request.id,
      }),
  );
};
