import { type Static, Type } from 'typebox';
import { SLUG_PATTERN } from '../../platform/config.ts';
import { ListQuery, Page, Timestamp, Uuid } from '../../platform/schemas.ts';

/** Rule 25: a tenant's password policy; each field falls back to the default (reference 004). */
export const PasswordPolicySchema = Type.Object(
  {
    minLength: Type.Optional(Type.Integer({ minimum: 8, maximum: 128 })),
    requireLower: Type.Optional(Type.Boolean()),
    requireUpper: Type.Optional(Type.Boolean()),
    requireDigit: Type.Optional(Type.Boolean()),
    requireSymbol: Type.Optional(Type.Boolean()),
    maxAgeDays: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 3650, description: '0 = passwords never expire' }),
    ),
    historyCount: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 24, description: 'no reuse of the last N' }),
    ),
    forbidCommon: Type.Optional(Type.Boolean()),
    forbidPersonalInfo: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** Rule 26: MFA required for everyone in the tenant, or for holders of these roles. */
export const MfaPolicySchema = Type.Object(
  {
    required: Type.Optional(Type.Boolean()),
    requiredRoleIds: Type.Optional(Type.Array(Uuid, { maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const LockoutPolicySchema = Type.Object(
  {
    maxFailures: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: '0 = never lock' })),
    windowMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
    lockMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10080 })),
  },
  { additionalProperties: false },
);

/** The settings a tenant may hold; anything else is refused, so a typo never silently does nothing. */
export const TenantSettings = Type.Object(
  {
    timeZone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' }),
    ),
    locale: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 })),
    session: Type.Optional(
      Type.Object(
        {
          idleMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 1440 })),
          absoluteHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 720 })),
          maxConcurrent: Type.Optional(
            Type.Integer({ minimum: 0, maximum: 100, description: '0 = no limit' }),
          ),
          onLimit: Type.Optional(Type.Union([Type.Literal('refuse'), Type.Literal('end_oldest')])),
        },
        { additionalProperties: false },
      ),
    ),
    password: Type.Optional(PasswordPolicySchema),
    lockout: Type.Optional(LockoutPolicySchema),
    mfa: Type.Optional(MfaPolicySchema),
    ipAllowList: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 200 })),
    invitationDays: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 90, description: 'How long invitation links work' }),
    ),
    scim: Type.Optional(
      Type.Object(
        {
          deleteAction: Type.Optional(
            Type.Union([Type.Literal('remove'), Type.Literal('archive')], {
              description: 'What a SCIM DELETE of a user does: remove it (tombstone) or archive it',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    branding: Type.Optional(
      Type.Object(
        {
          displayName: Type.Optional(Type.String({ maxLength: 100 })),
          primaryColor: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type TenantSettings = Static<typeof TenantSettings>;

export const TenantSchema = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('provider'), Type.Literal('customer')]),
  parentId: Type.Union([Uuid, Type.Null()]),
  name: Type.String(),
  slug: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended')]),
  settings: TenantSettings,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', examples: ['Acme Dental'] });
const Slug = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: SLUG_PATTERN.source,
  description: 'lowercase letters, digits, dashes',
});

export const CreateTenantBody = Type.Object(
  { name: Name, slug: Slug, settings: Type.Optional(TenantSettings) },
  { additionalProperties: false },
);
export type CreateTenantBody = Static<typeof CreateTenantBody>;

export const UpdateTenantBody = Type.Object(
  {
    name: Type.Optional(Name),
    settings: Type.Optional(TenantSettings),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTenantBody = Static<typeof UpdateTenantBody>;

export const ListTenantsQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    kind: Type.Optional(Type.Union([Type.Literal('provider'), Type.Literal('customer')])),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type ListTenantsQuery = Static<typeof ListTenantsQuery>;

export const TenantPage = Page(TenantSchema);
