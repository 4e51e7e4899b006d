import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requirePrincipal } from '../../platform/auth.ts';
import { withTenantTx } from '../../platform/db.ts';
import type { Platform } from '../../platform/platform.ts';
import { TenantParams, Uuid, withProblems } from '../../platform/schemas.ts';
import { callerOf, selfCallerOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import { UserParams } from '../users/users.schemas.ts';
import * as credentials from './credentials.service.ts';
import {
  ChangePasswordBody,
  EndedCount,
  IpRangesBody,
  PasswordResetBody,
  PasswordResetResult,
  SecurityPolicyBody,
  SecurityPolicyView,
  SessionList,
} from './security.schemas.ts';

const own = selfCallerOf;

export const securityRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (
  app,
  { platform },
) => {
  const preHandler = tenantScopeHook(platform);
  const tags = ['security'];

  // ---------------------------------------------------------------- my own credentials and sessions

  app.post(
    '/api/v1/me/password',
    {
      config: {
        allowRestricted: ['password_change'],
        // guessing the current password through this route is throttled per user, wherever they are
        rateLimit: {
          max: Math.max(3, Math.ceil(platform.config.authRateLimitPerMinute / 3)),
          timeWindow: '1 minute',
          keyGenerator: (request) => `password:${request.principal?.userId ?? request.ip}`,
        },
      },
      schema: {
        tags,
        summary: 'Change my password (current one required); my other sessions end',
        body: ChangePasswordBody,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const { principal, ctx } = own(platform, request);
      await credentials.changeOwnPassword(platform, ctx, principal, request.body);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/me/sessions',
    {
      schema: {
        tags,
        summary: 'My sessions with their devices',
        response: withProblems({ 200: SessionList }),
      },
    },
    async (request) => credentials.listOwnSessions(platform, requirePrincipal(request)),
  );

  app.delete(
    '/api/v1/me/sessions/:sessionId',
    {
      schema: {
        tags,
        summary: 'End one of my sessions',
        params: Type.Object({ sessionId: Uuid }),
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const { principal, ctx } = own(platform, request);
      await credentials.endOwnSession(platform, ctx, principal, request.params.sessionId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/me/sessions/end-others',
    { schema: { tags, summary: 'Sign out everywhere else', response: withProblems({ 200: EndedCount }) } },
    async (request) => {
      const { principal, ctx } = own(platform, request);
      return credentials.endOtherSessions(platform, ctx, principal);
    },
  );

  // ---------------------------------------------------------------- a tenant's policy, a user's security

  app.get(
    '/api/v1/tenants/:tenantId/security-policy',
    {
      preHandler,
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: 'Password, lockout and session policy (with defaults)',
        params: TenantParams,
        response: withProblems({ 200: SecurityPolicyView }),
      },
    },
    async (request) => credentials.getSecurityPolicy(platform, callerOf(request)),
  );

  app.put(
    '/api/v1/tenants/:tenantId/security-policy',
    {
      preHandler,
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: 'Change the password, lockout and session policy',
        params: TenantParams,
        body: SecurityPolicyBody,
        response: withProblems({ 200: SecurityPolicyView }),
      },
    },
    async (request) => credentials.setSecurityPolicy(platform, callerOf(request), request.body),
  );

  app.get(
    '/api/v1/tenants/:tenantId/users/:userId/sessions',
    {
      preHandler,
      config: { permission: 'users.sessions' },
      schema: {
        tags,
        summary: 'A user’s sessions with their devices',
        params: UserParams,
        response: withProblems({ 200: SessionList }),
      },
    },
    async (request) => credentials.listUserSessions(platform, callerOf(request), request.params.userId),
  );

  app.delete(
    '/api/v1/tenants/:tenantId/users/:userId/sessions',
    {
      preHandler,
      config: { permission: 'users.sessions' },
      schema: {
        tags,
        summary: 'End all of a user’s sessions',
        params: UserParams,
        response: withProblems({ 200: EndedCount }),
      },
    },
    async (request) => credentials.endUserSessions(platform, callerOf(request), request.params.userId),
  );

  app.delete(
    '/api/v1/tenants/:tenantId/users/:userId/sessions/:sessionId',
    {
      preHandler,
      config: { permission: 'users.sessions' },
      schema: {
        tags,
        summary: 'End one of a user’s sessions (remote session termination)',
        params: Type.Object({ tenantId: Uuid, userId: Uuid, sessionId: Uuid }),
        response: withProblems({ 200: EndedCount }),
      },
    },
    async (request) =>
      credentials.endUserSessions(
        platform,
        callerOf(request),
        request.params.userId,
        request.params.sessionId,
      ),
  );

  app.post(
    '/api/v1/tenants/:tenantId/users/:userId/password-reset',
    {
      preHandler,
      config: { permission: 'users.passwords' },
      schema: {
        tags,
        summary: 'Force a password change at next sign-in, or set a temporary password (shown once)',
        params: UserParams,
        body: PasswordResetBody,
        response: withProblems({ 200: PasswordResetResult }),
      },
    },
    async (request) => {
      const c = callerOf(request);
      if (request.body.mode === 'send_link') {
        await withTenantTx(platform.db, c.ctx.tenantId, (tx) =>
          credentials.sendResetLinkInTx(tx, platform, c, request.params.userId),
        );
        return { temporaryPassword: null, endedSessions: 0 };
      }
      const r = await credentials.adminResetPassword(platform, c, request.params.userId, request.body.mode);
      return { temporaryPassword: r.temporaryPassword, endedSessions: r.endedSessions };
    },
  );

  app.put(
    '/api/v1/tenants/:tenantId/users/:userId/ip-ranges',
    {
      preHandler,
      config: { permission: 'settings.manage' },
      schema: {
        tags,
        summary: 'The CIDR ranges this user may sign in from (empty = no restriction of their own)',
        params: UserParams,
        body: IpRangesBody,
        response: withProblems({ 200: IpRangesBody }),
      },
    },
    async (request) =>
      credentials.setUserIpRanges(platform, callerOf(request), request.params.userId, request.body.ipRanges),
  );

  app.post(
    '/api/v1/tenants/:tenantId/users/:userId/unlock',
    {
      preHandler,
      config: { permission: 'users.passwords' },
      schema: {
        tags,
        summary: 'Lift a temporary sign-in lockout',
        params: UserParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await credentials.unlockUser(platform, callerOf(request), request.params.userId);
      return reply.status(204).send();
    },
  );
};
