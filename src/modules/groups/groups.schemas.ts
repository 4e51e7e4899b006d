import { type Static, Type } from 'typebox';
import { Timestamp, Uuid } from '../../platform/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Person = Type.Object({
  id: Uuid,
  firstName: Type.String(),
  lastName: Type.String(),
  initials: Type.String(),
});

export const GroupSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  isDefault: Type.Boolean(),
  role: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
  defaultMember: Nullable(Person),
  owner: Nullable(Person),
  memberCount: Type.Integer(),
  source: Type.Union([Type.String(), Type.Null()], {
    description: 'The directory that provisioned the group (rule 4a): its name and members change only there',
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', examples: ['Front desk'] });

export const CreateGroupBody = Type.Object(
  { name: Name, roleId: Type.Optional(Uuid) },
  { additionalProperties: false },
);
export type CreateGroupBody = Static<typeof CreateGroupBody>;

export const UpdateGroupBody = Type.Object(
  {
    name: Type.Optional(Name),
    roleId: Type.Optional(Nullable(Uuid)),
    defaultMemberId: Type.Optional(Nullable(Uuid)),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateGroupBody = Static<typeof UpdateGroupBody>;

export const UnassignGroupRoleBody = Type.Object(
  {
    mode: Type.Union([Type.Literal('remove_from_all'), Type.Literal('keep_individually')]),
    exceptUserId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type UnassignGroupRoleBody = Static<typeof UnassignGroupRoleBody>;

export const GroupParams = Type.Object({ tenantId: Uuid, groupId: Uuid });
export const MembersBody = Type.Object(
  { userIds: Type.Array(Uuid, { minItems: 1, maxItems: 1000, uniqueItems: true }) },
  { additionalProperties: false },
);
export const UserGroupsBody = Type.Object(
  { groupIds: Type.Array(Uuid, { maxItems: 100, uniqueItems: true }) },
  { additionalProperties: false },
);
