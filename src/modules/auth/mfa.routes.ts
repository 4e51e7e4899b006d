import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requirePrincipal } from '../../platform/auth.ts';
import type { Platform } from '../../platform/platform.ts';
import { NullableTimestamp, Timestamp, Uuid, withProblems } from '../../platform/schemas.ts';
import { scopeOf, selfCallerOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import { UserParams } from '../users/users.schemas.ts';
import * as mfa from './mfa.service.ts';
import * as passkeys from './passkeys.service.ts';

const own = selfCallerOf;
const enrolling = ['mfa_enrolment'] as const;
const RecoveryCodes = Type.Object({
  recoveryCodes: Type.Array(Type.String(), { description: 'Shown once; only hashes are kept' }),
});

export const mfaRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const tags = ['mfa'];

  app.get(
    '/api/v1/me/mfa',
    {
      config: { allowRestricted: enrolling },
      schema: {
        tags,
        summary: 'My second factors, recovery codes left, and whether my organization requires MFA',
        response: withProblems({
          200: Type.Object({
            factors: Type.Array(
              Type.Object({
                id: Uuid,
                kind: Type.String(),
                name: Type.String(),
                createdAt: Timestamp,
                lastUsedAt: NullableTimestamp,
              }),
            ),
            recoveryCodesRemaining: Type.Integer(),
            enforced: Type.Boolean(),
          }),
        }),
      },
    },
    async (request) => mfa.listFactors(platform, requirePrincipal(request)),
  );

  app.post(
    '/api/v1/me/mfa/totp',
    {
      config: { allowRestricted: enrolling },
      schema: {
        tags,
        summary: 'Start TOTP enrolment: a secret, its otpauth URI and a QR code; confirm with a code',
        body: Type.Optional(
          Type.Object(
            { name: Type.Optional(Type.String({ maxLength: 100 })) },
            { additionalProperties: false },
          ),
        ),
        response: withProblems({
          201: Type.Object({
            factorId: Uuid,
            secret: Type.String(),
            otpauthUri: Type.String(),
            qrCode: Type.String(),
          }),
        }),
      },
    },
    async (request, reply) => {
      const { principal, ctx } = own(platform, request);
      return reply
        .status(201)
        .send(await mfa.startTotpEnrolment(platform, ctx, principal, request.body?.name));
    },
  );

  app.post(
    '/api/v1/me/mfa/totp/:factorId/confirm',
    {
      config: { allowRestricted: enrolling, rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Confirm TOTP enrolment with a current code; the first factor comes with ten recovery codes',
        params: Type.Object({ factorId: Uuid }),
        body: Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, { additionalProperties: false }),
        response: withProblems({
          200: Type.Object({
            factorId: Uuid,
            recoveryCodes: Type.Union([Type.Array(Type.String()), Type.Null()]),
          }),
        }),
      },
    },
    async (request) => {
      const { principal, ctx } = own(platform, request);
      return mfa.confirmTotpEnrolment(platform, ctx, principal, request.params.factorId, request.body.code);
    },
  );

  app.post(
    '/api/v1/me/mfa/passkeys/options',
    {
      config: { allowRestricted: enrolling },
      schema: {
        tags,
        summary: 'Start registering a passkey: WebAuthn creation options for navigator.credentials.create',
        response: withProblems({
          200: Type.Object({ factorId: Uuid, options: Type.Record(Type.String(), Type.Unknown()) }),
        }),
      },
    },
    async (request) => {
      const { principal, ctx } = own(platform, request);
      return passkeys.registrationOptions(platform, ctx, principal);
    },
  );

  app.post(
    '/api/v1/me/mfa/passkeys/:factorId/verify',
    {
      config: { allowRestricted: enrolling },
      schema: {
        tags,
        summary: 'Finish registering a passkey with the authenticator’s answer, and name it',
        params: Type.Object({ factorId: Uuid }),
        body: Type.Object(
          {
            response: Type.Record(Type.String(), Type.Unknown()),
            name: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: withProblems({
          200: Type.Object({
            factorId: Uuid,
            recoveryCodes: Type.Union([Type.Array(Type.String()), Type.Null()]),
          }),
        }),
      },
    },
    async (request) => {
      const { principal, ctx } = own(platform, request);
      return passkeys.verifyRegistration(platform, ctx, principal, request.params.factorId, request.body);
    },
  );

  app.delete(
    '/api/v1/me/mfa/factors/:factorId',
    {
      schema: {
        tags,
        summary: 'Remove one of my second factors',
        params: Type.Object({ factorId: Uuid }),
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      const { principal, ctx } = own(platform, request);
      await mfa.removeFactor(platform, ctx, principal, request.params.factorId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/me/mfa/recovery-codes',
    {
      schema: {
        tags,
        summary: 'Replace my recovery codes (the old ones stop working)',
        response: withProblems({ 200: RecoveryCodes }),
      },
    },
    async (request) => {
      const { principal, ctx } = own(platform, request);
      return mfa.regenerateRecoveryCodes(platform, ctx, principal);
    },
  );

  app.post(
    '/api/v1/tenants/:tenantId/users/:userId/mfa/reset',
    {
      preHandler: tenantScopeHook(platform),
      config: { permission: 'users.passwords' },
      schema: {
        tags,
        summary: 'Remove a user’s second factors and recovery codes (lost device)',
        params: UserParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await mfa.adminResetMfa(
        platform,
        { principal: requirePrincipal(request), ctx: scopeOf(request).ctx },
        request.params.userId,
      );
      return reply.status(204).send();
    },
  );
};
