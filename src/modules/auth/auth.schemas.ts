import { Type } from 'typebox';
import { NullableTimestamp, Timestamp, Uuid } from '../../platform/schemas.ts';

export const LoginBody = Type.Object(
  {
    tenant: Type.String({ minLength: 1, maxLength: 63, description: 'The organization’s slug, e.g. `msp`.' }),
    login: Type.String({ minLength: 1, maxLength: 254, description: 'Email or username.' }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const PublicUser = Type.Object({
  id: Uuid,
  tenantId: Uuid,
  firstName: Type.String(),
  lastName: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  username: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  kind: Type.String(),
  initials: Type.String(),
});

export const TenantSummary = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('provider'), Type.Literal('customer')]),
  parentId: Type.Union([Uuid, Type.Null()]),
  name: Type.String(),
  slug: Type.String(),
});

export const SignedInResponse = Type.Object({
  mfaRequired: Type.Literal(false),
  user: PublicUser,
  tenant: TenantSummary,
  expiresAt: Timestamp,
  passwordChangeRequired: Type.Boolean({
    description: 'The session may only change the password until it is changed',
  }),
  mfaEnrolmentRequired: Type.Boolean({
    description: 'The session may only enrol a second factor until one is set up',
  }),
});

export const MfaRequiredResponse = Type.Object({
  mfaRequired: Type.Literal(true),
  mfaToken: Type.String({ description: 'Send with POST /api/v1/auth/mfa within a few minutes' }),
  mfaExpiresAt: Timestamp,
  methods: Type.Array(Type.String()),
  user: Type.Object({ firstName: Type.String(), initials: Type.String() }),
  tenant: TenantSummary,
});

export const MfaBody = Type.Object(
  {
    mfaToken: Type.String({ minLength: 10, maxLength: 200 }),
    method: Type.Union([
      Type.Literal('totp'),
      Type.Literal('recovery_code'),
      Type.Literal('email'),
      Type.Literal('passkey'),
    ]),
    code: Type.Optional(Type.String({ minLength: 4, maxLength: 40 })),
    credential: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'The authenticator’s answer (passkey)' }),
    ),
  },
  { additionalProperties: false },
);

export const MeResponse = Type.Object({
  user: Type.Object({
    ...PublicUser.properties,
    emailVerified: Type.Boolean({ description: 'The owner of the email opened the link sent there' }),
  }),
  setupRequired: Type.Boolean({
    description: 'Joined by invitation and not through the first-sign-in setup yet',
  }),
  tenant: TenantSummary,
  permissions: Type.Array(Type.String()),
  customerAccess: Type.String(),
  authenticatedBy: Type.String(),
  passwordChangeRequired: Type.Boolean(),
  mfaEnrolmentRequired: Type.Boolean(),
});

export const ApiTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', examples: ['Nightly export script'] }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);

export const ApiTokenInfo = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Timestamp,
  lastUsedAt: NullableTimestamp,
  expiresAt: NullableTimestamp,
});

export const NewApiTokenResponse = Type.Intersect([
  ApiTokenInfo,
  Type.Object({ token: Type.String({ description: 'Shown once; only its hash is stored.' }) }),
]);
