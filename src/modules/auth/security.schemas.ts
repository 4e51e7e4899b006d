import { type Static, Type } from 'typebox';
import { NullableTimestamp, Timestamp, Uuid } from '../../platform/schemas.ts';
import { LockoutPolicySchema, MfaPolicySchema, PasswordPolicySchema } from '../tenants/tenants.schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
    newPassword: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

export const SessionView = Type.Object({
  id: Uuid,
  current: Type.Boolean(),
  browser: Nullable(Type.String()),
  os: Nullable(Type.String()),
  deviceType: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  expiresAt: Timestamp,
  passwordChangeOnly: Type.Boolean(),
});
export const SessionList = Type.Object({ items: Type.Array(SessionView) });

const SessionPolicySchema = Type.Object(
  {
    idleMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 1440 })),
    absoluteHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })),
    maxConcurrent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    onLimit: Type.Optional(Type.Union([Type.Literal('refuse'), Type.Literal('end_oldest')])),
  },
  { additionalProperties: false },
);

export const SecurityPolicyBody = Type.Object(
  {
    password: Type.Optional(PasswordPolicySchema),
    lockout: Type.Optional(LockoutPolicySchema),
    session: Type.Optional(SessionPolicySchema),
    mfa: Type.Optional(MfaPolicySchema),
    ipAllowList: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 }), {
        maxItems: 200,
        description: 'CIDR ranges (IPv4 or IPv6); empty = any address',
      }),
    ),
    forcePasswordChange: Type.Optional(
      Type.Boolean({ description: 'Every active user changes their password at next sign-in' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SecurityPolicyBody = Static<typeof SecurityPolicyBody>;

export const SecurityPolicyView = Type.Object({
  password: Type.Object({
    minLength: Type.Integer(),
    requireLower: Type.Boolean(),
    requireUpper: Type.Boolean(),
    requireDigit: Type.Boolean(),
    requireSymbol: Type.Boolean(),
    maxAgeDays: Type.Integer(),
    historyCount: Type.Integer(),
    forbidCommon: Type.Boolean(),
    forbidPersonalInfo: Type.Boolean(),
  }),
  lockout: Type.Object({
    maxFailures: Type.Integer(),
    windowMinutes: Type.Integer(),
    lockMinutes: Type.Integer(),
  }),
  ipAllowList: Type.Array(Type.String()),
  mfa: Type.Object({ required: Type.Boolean(), requiredRoleIds: Type.Array(Uuid) }),
  session: Type.Object({
    idleMinutes: Type.Integer(),
    absoluteHours: Type.Integer(),
    maxConcurrent: Type.Integer(),
    onLimit: Type.String(),
  }),
});

export const PasswordResetBody = Type.Object(
  { mode: Type.Union([Type.Literal('force_change'), Type.Literal('temporary'), Type.Literal('send_link')]) },
  { additionalProperties: false },
);
export const PasswordResetResult = Type.Object({
  temporaryPassword: Nullable(Type.String({ description: 'Shown once, with mode=temporary' })),
  endedSessions: Type.Integer(),
});

export const IpRangesBody = Type.Object(
  { ipRanges: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 200 }) },
  { additionalProperties: false },
);

export const EndedCount = Type.Object({ ended: Type.Integer() });
export const LockState = Type.Object({ lockedUntil: NullableTimestamp });
