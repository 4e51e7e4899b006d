import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Platform } from '../../platform/platform.ts';
import { withProblems } from '../../platform/schemas.ts';
import { callerOf, selfCallerOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import * as verification from './email-verification.ts';
import { OwnProfileBody, OwnProfileSchema, UserParams } from './users.schemas.ts';
import * as users from './users.service.ts';

const VerificationSent = Type.Object({
  sent: Type.Boolean(),
  alreadyVerified: Type.Boolean(),
});

/** One's own profile, the first-sign-in setup, and confirming an email address. */
export const profileRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const tags = ['profile'];

  app.get(
    '/api/v1/me/profile',
    {
      schema: { tags, summary: 'My profile', response: withProblems({ 200: OwnProfileSchema }) },
    },
    async (request) => users.getOwnProfile(platform, selfCallerOf(platform, request)),
  );

  app.patch(
    '/api/v1/me/profile',
    {
      schema: {
        tags,
        summary: 'Change my name, phone numbers, language, time zone or notification preferences',
        description: 'Fields a directory masters for this user (rule 4a) are refused.',
        body: OwnProfileBody,
        response: withProblems({ 200: OwnProfileSchema }),
      },
    },
    async (request) => users.updateOwnProfile(platform, selfCallerOf(platform, request), request.body),
  );

  app.post(
    '/api/v1/me/setup/complete',
    {
      schema: {
        tags,
        summary: 'Finish (or skip) the first-sign-in setup, so it is not offered again',
        body: Type.Object({ skipped: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: withProblems({ 200: OwnProfileSchema }),
      },
    },
    async (request) =>
      users.completeSetup(platform, selfCallerOf(platform, request), request.body.skipped ?? false),
  );

  // a link a person asks for goes to a mailbox: a few an hour, not a flood
  const verificationLimit = (
    key: (r: { principal?: { userId: string } | null; ip: string; params: unknown }) => string,
  ) => ({
    rateLimit: { max: 5, timeWindow: '1 hour', keyGenerator: key },
  });

  app.post(
    '/api/v1/me/email-verification',
    {
      config: verificationLimit((r) => `verify-self:${r.principal?.userId ?? r.ip}`),
      schema: {
        tags,
        summary: 'Email me a link that confirms my address (the previous link stops working)',
        response: withProblems({ 200: VerificationSent }),
      },
    },
    async (request) => verification.requestOwnVerification(platform, selfCallerOf(platform, request)),
  );

  app.post(
    '/api/v1/email-verification/confirm',
    {
      config: {
        public: true,
        rateLimit: { max: platform.config.authRateLimitPerMinute, timeWindow: '1 minute' },
      },
      schema: {
        tags,
        summary: 'Confirm an email address with the link sent to it (single use, expires)',
        body: Type.Object(
          { token: Type.String({ minLength: 10, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Type.Object({ email: Type.String() }) }),
      },
    },
    async (request) =>
      verification.confirmEmail(platform, request.body.token, {
        ip: request.ip,
        userAgent: request.headers['user-agent']?.slice(0, 512),
        requestId: request.id,
      }),
  );

  app.post(
    '/api/v1/tenants/:tenantId/users/:userId/email-verification',
    {
      preHandler: tenantScopeHook(platform),
      config: {
        permission: 'users.update',
        ...verificationLimit((r) => `verify-user:${(r.params as { userId?: string }).userId ?? r.ip}`),
      },
      schema: {
        tags: ['users'],
        summary: 'Send the user a link that confirms their email address',
        params: UserParams,
        response: withProblems({ 200: VerificationSent }),
      },
    },
    async (request) => verification.requestVerification(platform, callerOf(request), request.params.userId),
  );
};
