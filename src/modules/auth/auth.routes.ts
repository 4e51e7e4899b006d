import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  CSRF_COOKIE,
  clearSessionCookies,
  contextFor,
  csrfTokenFor,
  requirePrincipal,
  SESSION_COOKIE,
} from '../../platform/auth.ts';
import type { Platform } from '../../platform/platform.ts';
import { Timestamp, Uuid, withProblems } from '../../platform/schemas.ts';
import {
  ApiTokenBody,
  ApiTokenInfo,
  LoginBody,
  MeResponse,
  MfaBody,
  MfaRequiredResponse,
  NewApiTokenResponse,
  SignedInResponse,
} from './auth.schemas.ts';
import * as auth from './auth.service.ts';
import { completePasswordReset, inspectPasswordReset, requestPasswordReset } from './credentials.service.ts';
import { completeMfa, sendEmailCode } from './mfa.service.ts';
import { passwordlessOptions, passwordlessSignIn, secondFactorOptions } from './passkeys.service.ts';

const requestInfo = (request: FastifyRequest) => ({
  ip: request.ip,
  userAgent: request.headers['user-agent']?.slice(0, 512),
  requestId: request.id,
});

export const authRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const secure = platform.config.publicUrl?.startsWith('https://') ?? false;
  const setSessionCookies = (reply: FastifyReply, token: string, expires: Date) => {
    const cookieOptions = { path: '/', sameSite: 'lax' as const, secure, expires };
    reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, httpOnly: true });
    reply.setCookie(CSRF_COOKIE, csrfTokenFor(platform.secret, token), { ...cookieOptions, httpOnly: false });
  };

  app.post(
    '/api/v1/auth/login',
    {
      config: {
        public: true,
        rateLimit: { max: platform.config.authRateLimitPerMinute, timeWindow: '1 minute' },
      },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a password',
        description: 'Sets the `rollcall_session` (HttpOnly) and `rollcall_csrf` cookies.',
        body: LoginBody,
        response: withProblems({ 200: Type.Union([SignedInResponse, MfaRequiredResponse]) }),
      },
    },
    async (request, reply) => {
      const info = requestInfo(request);
      const result = await auth.login(platform, request.body, info);
      if (result.mfaRequired) {
        return {
          mfaRequired: true,
          mfaToken: result.mfaToken,
          mfaExpiresAt: result.mfaExpiresAt.toISOString(),
          methods: result.methods,
          user: { firstName: result.user.firstName, initials: auth.publicUser(result.user).initials },
          tenant: result.tenant,
        };
      }
      setSessionCookies(reply, result.sessionToken, result.expiresAt);
      return {
        mfaRequired: false,
        user: auth.publicUser(result.user),
        tenant: result.tenant,
        expiresAt: result.expiresAt.toISOString(),
        passwordChangeRequired: result.passwordChangeRequired,
        mfaEnrolmentRequired: result.mfaEnrolmentRequired,
      };
    },
  );

  app.post(
    '/api/v1/auth/mfa',
    {
      config: {
        public: true,
        rateLimit: { max: platform.config.authRateLimitPerMinute, timeWindow: '1 minute' },
      },
      schema: {
        tags: ['auth'],
        summary:
          'Complete a sign-in that answered mfaRequired: a TOTP code, a recovery code or an emailed code',
        body: MfaBody,
        response: withProblems({ 200: SignedInResponse }),
      },
    },
    async (request, reply) => {
      const result = await completeMfa(platform, request.body, requestInfo(request));
      setSessionCookies(reply, result.session.sessionToken, result.session.expiresAt);
      return {
        mfaRequired: false,
        user: auth.publicUser(result.user),
        tenant: result.tenant,
        expiresAt: result.session.expiresAt.toISOString(),
        passwordChangeRequired: result.session.passwordChangeRequired,
        mfaEnrolmentRequired: result.session.mfaEnrolmentRequired,
      };
    },
  );

  const publicLimited = {
    public: true,
    rateLimit: { max: platform.config.authRateLimitPerMinute, timeWindow: '1 minute' },
  };

  app.post(
    '/api/v1/auth/mfa/email-code',
    {
      config: publicLimited,
      schema: {
        tags: ['auth'],
        summary: 'Email a one-time code for a sign-in that answered mfaRequired',
        body: Type.Object(
          { mfaToken: Type.String({ minLength: 10, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: withProblems({ 202: Type.Null() }),
      },
    },
    async (request, reply) => {
      await sendEmailCode(platform, request.body.mfaToken, requestInfo(request));
      return reply.status(202).send();
    },
  );

  app.post(
    '/api/v1/auth/mfa/passkey-options',
    {
      config: publicLimited,
      schema: {
        tags: ['auth'],
        summary: 'WebAuthn request options to prove a sign-in’s second factor with a passkey',
        body: Type.Object(
          { mfaToken: Type.String({ minLength: 10, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Type.Record(Type.String(), Type.Unknown()) }),
      },
    },
    async (request) => secondFactorOptions(platform, request.body.mfaToken),
  );

  app.post(
    '/api/v1/auth/passkey/options',
    {
      config: publicLimited,
      schema: {
        tags: ['auth'],
        summary: 'Start a password-less sign-in with a passkey',
        body: Type.Object(
          { tenant: Type.String({ minLength: 1, maxLength: 63 }) },
          { additionalProperties: false },
        ),
        response: withProblems({
          200: Type.Object({ challengeId: Uuid, options: Type.Record(Type.String(), Type.Unknown()) }),
        }),
      },
    },
    async (request) => passwordlessOptions(platform, request.body.tenant),
  );

  app.post(
    '/api/v1/auth/passkey',
    {
      config: publicLimited,
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a passkey alone',
        body: Type.Object(
          {
            tenant: Type.String({ minLength: 1, maxLength: 63 }),
            challengeId: Uuid,
            credential: Type.Record(Type.String(), Type.Unknown()),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: SignedInResponse }),
      },
    },
    async (request, reply) => {
      const result = await passwordlessSignIn(platform, request.body, requestInfo(request));
      setSessionCookies(reply, result.session.sessionToken, result.session.expiresAt);
      return {
        mfaRequired: false as const,
        user: auth.publicUser(result.user),
        tenant: result.tenant,
        expiresAt: result.session.expiresAt.toISOString(),
        passwordChangeRequired: result.session.passwordChangeRequired,
        mfaEnrolmentRequired: result.session.mfaEnrolmentRequired,
      };
    },
  );

  app.post(
    '/api/v1/auth/password-reset',
    {
      config: publicLimited,
      schema: {
        tags: ['auth'],
        summary: 'Email a password reset link; the answer is the same whether or not the account exists',
        body: Type.Object(
          {
            tenant: Type.String({ minLength: 1, maxLength: 63 }),
            login: Type.String({ minLength: 1, maxLength: 254 }),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 202: Type.Null() }),
      },
    },
    async (request, reply) => {
      await requestPasswordReset(platform, request.body, requestInfo(request));
      return reply.status(202).send();
    },
  );

  app.post(
    '/api/v1/auth/password-reset/inspect',
    {
      config: publicLimited,
      schema: {
        tags: ['auth'],
        summary: 'What a reset link is for (organization, login, password rules), or why it no longer works',
        body: Type.Object(
          { token: Type.String({ minLength: 10, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: withProblems({
          200: Type.Object({
            tenantName: Type.String(),
            tenantSlug: Type.String(),
            login: Type.String(),
            firstName: Type.String(),
            expiresAt: Timestamp,
            passwordPolicy: Type.Record(Type.String(), Type.Unknown()),
          }),
        }),
      },
    },
    async (request) => inspectPasswordReset(platform, request.body.token),
  );

  app.post(
    '/api/v1/auth/password-reset/complete',
    {
      config: publicLimited,
      schema: {
        tags: ['auth'],
        summary: 'Choose a new password with a reset link’s token (single use; every session ends)',
        body: Type.Object(
          {
            token: Type.String({ minLength: 10, maxLength: 200 }),
            newPassword: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await completePasswordReset(platform, request.body, requestInfo(request));
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { optionalAuth: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign out (ends this session)',
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      if (request.principal) {
        await auth.logout(
          platform,
          contextFor(platform, request, request.principal.tenantId),
          request.principal,
        );
      }
      clearSessionCookies(reply, secure);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/me',
    {
      config: { allowRestricted: ['password_change', 'mfa_enrolment'] },
      schema: {
        tags: ['auth'],
        summary: 'Who am I: user, tenant and effective permissions',
        response: withProblems({ 200: MeResponse }),
      },
    },
    async (request) => auth.me(requirePrincipal(request)),
  );

  app.post(
    '/api/v1/me/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create a personal API token (shown once)',
        body: ApiTokenBody,
        response: withProblems({ 201: NewApiTokenResponse }),
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      const created = await auth.createApiToken(
        platform,
        contextFor(platform, request, principal.tenantId),
        principal,
        request.body,
      );
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/v1/me/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'List my API tokens',
        response: withProblems({ 200: Type.Object({ items: Type.Array(ApiTokenInfo) }) }),
      },
    },
    async (request) => ({ items: await auth.listApiTokens(platform, requirePrincipal(request)) }),
  );

  app.delete(
    '/api/v1/me/tokens/:tokenId',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke one of my API tokens',
        params: Type.Object({ tokenId: Uuid }),
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const principal = requirePrincipal(request);
      await auth.revokeApiToken(
        platform,
        contextFor(platform, request, principal.tenantId),
        principal,
        request.params.tokenId,
      );
      return reply.status(204).send();
    },
  );
};
