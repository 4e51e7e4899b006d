import { type Static, Type } from 'typebox';
import { Timestamp, Uuid } from '../../platform/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Permission = Type.String({ pattern: '^[a-z]+(\\.[a-z_]+)+$', maxLength: 100 });
export const IpRanges = Type.Array(Type.String({ maxLength: 64 }), {
  maxItems: 200,
  description: 'CIDR ranges; empty = no restriction',
});
const CustomerAccess = Type.Union([Type.Literal('none'), Type.Literal('all'), Type.Literal('selected')]);

export const RoleSchema = Type.Object({
  id: Uuid,
  key: Nullable(Type.String()),
  name: Type.String(),
  description: Type.String(),
  predefined: Type.Boolean(),
  permissions: Type.Array(Type.String()),
  customerAccess: CustomerAccess,
  customerTenantIds: Type.Array(Uuid),
  ipRanges: Type.Array(Type.String()),
  userCount: Type.Integer(),
  groupCount: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const CreateRoleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', examples: ['Helpdesk'] }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: Type.Array(Permission, { maxItems: 200, uniqueItems: true }),
    customerAccess: Type.Optional(CustomerAccess),
    customerTenantIds: Type.Optional(Type.Array(Uuid, { maxItems: 1000, uniqueItems: true })),
    ipRanges: Type.Optional(IpRanges),
  },
  { additionalProperties: false },
);
export type CreateRoleBody = Static<typeof CreateRoleBody>;

export const UpdateRoleBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    permissions: Type.Optional(Type.Array(Permission, { maxItems: 200, uniqueItems: true })),
    customerAccess: Type.Optional(CustomerAccess),
    customerTenantIds: Type.Optional(Type.Array(Uuid, { maxItems: 1000, uniqueItems: true })),
    ipRanges: Type.Optional(IpRanges),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateRoleBody = Static<typeof UpdateRoleBody>;

export const RoleParams = Type.Object({ tenantId: Uuid, roleId: Uuid });

export const CatalogSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      key: Type.String(),
      module: Type.String(),
      label: Type.String(),
      description: Type.String(),
      external: Type.Boolean(),
    }),
  ),
});

export const UserRolesBody = Type.Object(
  { roleIds: Type.Array(Uuid, { maxItems: 50, uniqueItems: true }) },
  { additionalProperties: false },
);
export const UserRolesView = Type.Object({
  directRoles: Type.Array(Type.Object({ id: Uuid, name: Type.String(), key: Nullable(Type.String()) })),
  groupRoles: Type.Array(
    Type.Object({
      id: Uuid,
      name: Type.String(),
      key: Nullable(Type.String()),
      groupId: Uuid,
      groupName: Type.String(),
    }),
  ),
});

export const OverridesBody = Type.Object(
  {
    overrides: Type.Array(
      Type.Object(
        { permission: Permission, effect: Type.Union([Type.Literal('grant'), Type.Literal('deny')]) },
        { additionalProperties: false },
      ),
      { maxItems: 200 },
    ),
  },
  { additionalProperties: false },
);
export type OverridesBody = Static<typeof OverridesBody>;

const Source = Type.Object({
  type: Type.String(),
  label: Type.String(),
  roleId: Type.Optional(Type.String()),
  roleName: Type.Optional(Type.String()),
  groupId: Type.Optional(Type.String()),
  groupName: Type.Optional(Type.String()),
  effect: Type.Optional(Type.String()),
});
const Explained = Type.Array(Type.Object({ permission: Type.String(), sources: Type.Array(Source) }));
export const PermissionsExplained = Type.Object({
  userId: Uuid,
  kind: Type.String(),
  permissions: Explained,
  denied: Explained,
  cappedByExternalCeiling: Explained,
  overrides: Type.Array(Type.Object({ permission: Type.String(), effect: Type.String() })),
});

export const DefaultPermissionsBody = Type.Object(
  { permissions: Type.Array(Permission, { maxItems: 200, uniqueItems: true }) },
  { additionalProperties: false },
);
