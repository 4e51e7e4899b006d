import { type Static, Type } from 'typebox';
import { ListQuery, Timestamp, Uuid } from '../../platform/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
// without an example, the docs page makes one up from the pattern (a lone ">")
const FirstName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', examples: ['Ada'] });
const LastName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', examples: ['Lovelace'] });
const Email = Type.String({ format: 'email', maxLength: 254 });
const Username = Type.String({ minLength: 2, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]*$' });
const DateOnly = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
const Text = (max: number) => Type.String({ maxLength: max });

export const UserStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('active'),
  Type.Literal('suspended'),
  Type.Literal('archived'),
  Type.Literal('removed'),
]);
export const UserKind = Type.Union([Type.Literal('internal'), Type.Literal('external')]);

export const PhoneNumber = Type.Object(
  {
    type: Type.Union([
      Type.Literal('mobile'),
      Type.Literal('work'),
      Type.Literal('home'),
      Type.Literal('other'),
    ]),
    number: Type.String({ minLength: 3, maxLength: 40, pattern: '^\\+?[0-9 ()./-]{3,40}$' }),
  },
  { additionalProperties: false },
);

const AttributeValue = Type.Union([
  Type.String({ maxLength: 2000 }),
  Type.Number(),
  Type.Boolean(),
  Type.Null(),
]);
export const CustomAttributes = Type.Record(
  Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' }),
  AttributeValue,
  {
    maxProperties: 50,
    // keys outside the pattern are refused, not ignored
    additionalProperties: false,
  },
);
export const NotificationPreferences = Type.Object(
  {
    email: Type.Optional(Type.Boolean()),
    flowTasks: Type.Optional(Type.Boolean()),
    securityAlerts: Type.Optional(Type.Boolean()),
    digest: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('daily'), Type.Literal('weekly')])),
  },
  { additionalProperties: false },
);

/** The editable profile: shared by create (where names are required) and update (all optional). */
const profileFields = {
  email: Type.Optional(Nullable(Email)),
  username: Type.Optional(Nullable(Username)),
  phoneNumbers: Type.Optional(Type.Array(PhoneNumber, { maxItems: 10 })),
  jobTitle: Type.Optional(Nullable(Text(200))),
  department: Type.Optional(Nullable(Text(200))),
  employeeId: Type.Optional(Nullable(Text(100))),
  hireDate: Type.Optional(Nullable(DateOnly)),
  leaveDate: Type.Optional(Nullable(DateOnly)),
  locale: Type.Optional(
    Nullable(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 })),
  ),
  timeZone: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
  notificationPreferences: Type.Optional(NotificationPreferences),
  customAttributes: Type.Optional(CustomAttributes),
};

export const CreateUserBody = Type.Object(
  {
    firstName: FirstName,
    lastName: LastName,
    kind: Type.Optional(UserKind),
    ...profileFields,
    password: Type.Optional(Type.String({ minLength: 12, maxLength: 1024 })),
    roleIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 50, uniqueItems: true })),
    groupIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 100, uniqueItems: true })),
    managerIds: Type.Optional(Type.Array(Uuid, { maxItems: 20, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

/** What a person may change about themselves (the first-sign-in setup, their profile page). */
export const OwnProfileBody = Type.Object(
  {
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    phoneNumbers: profileFields.phoneNumbers,
    locale: profileFields.locale,
    timeZone: profileFields.timeZone,
    notificationPreferences: profileFields.notificationPreferences,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type OwnProfileBody = Static<typeof OwnProfileBody>;

export const OwnProfileSchema = Type.Object({
  id: Uuid,
  tenantId: Uuid,
  firstName: Type.String(),
  lastName: Type.String(),
  email: Nullable(Type.String()),
  emailVerified: Type.Boolean(),
  username: Nullable(Type.String()),
  phoneNumbers: Type.Array(PhoneNumber),
  locale: Nullable(Type.String()),
  timeZone: Nullable(Type.String()),
  notificationPreferences: NotificationPreferences,
  initials: Type.String(),
  avatarUrl: Type.String(),
  hasAvatar: Type.Boolean(),
  source: Nullable(Type.String()),
  sourceAttributes: Type.Array(Type.String()),
  setupPending: Type.Boolean(),
  tenantTimeZone: Nullable(
    Type.String({ description: 'The tenant’s time zone, used while the person has none' }),
  ),
});

export const UpdateUserBody = Type.Object(
  {
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    kind: Type.Optional(UserKind),
    ...profileFields,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

const RoleRef = Type.Object({ id: Uuid, name: Type.String(), key: Nullable(Type.String()) });
const GroupRef = Type.Object({ id: Uuid, name: Type.String(), isDefault: Type.Boolean() });
const PersonRef = Type.Object({
  id: Uuid,
  firstName: Type.String(),
  lastName: Type.String(),
  email: Nullable(Type.String()),
  status: Type.String(),
  initials: Type.String(),
});

export const UserSummarySchema = Type.Object({
  id: Uuid,
  tenantId: Uuid,
  firstName: Type.String(),
  lastName: Type.String(),
  email: Nullable(Type.String()),
  username: Nullable(Type.String()),
  status: UserStatus,
  kind: UserKind,
  jobTitle: Nullable(Type.String()),
  department: Nullable(Type.String()),
  initials: Type.String(),
  avatarUrl: Type.String(),
  source: Nullable(Type.String()),
  licensed: Type.Boolean({ description: 'Holds a people licence' }),
  roles: Type.Array(RoleRef),
  groups: Type.Array(GroupRef),
  pendingChange: Type.Optional(
    Nullable(
      Type.Object(
        {
          id: Uuid,
          kind: Type.Union([Type.Literal('one_time'), Type.Literal('duration'), Type.Literal('removal')]),
          status: Type.Union([Type.Literal('scheduled'), Type.Literal('active')]),
          startsAt: Timestamp,
          endsAt: Nullable(Timestamp),
          blockSignIn: Type.Boolean(),
          timeZone: Type.String({ description: 'The zone its date and hour were picked in' }),
          recipient: Nullable(Type.Object({ id: Uuid, name: Type.String() })),
        },
        { description: 'A pending ownership transfer or scheduled removal (the clock marker)' },
      ),
    ),
  ),
  sharedCount: Type.Optional(Type.Integer({ description: 'Resources shared with the user' })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const UserSchema = Type.Object({
  ...UserSummarySchema.properties,
  phoneNumbers: Type.Array(PhoneNumber),
  employeeId: Nullable(Type.String()),
  hireDate: Nullable(Type.String()),
  leaveDate: Nullable(Type.String()),
  locale: Nullable(Type.String()),
  timeZone: Nullable(Type.String()),
  notificationPreferences: NotificationPreferences,
  customAttributes: Type.Record(Type.String(), Type.Unknown()),
  hasAvatar: Type.Boolean(),
  emailVerified: Type.Boolean({ description: 'The owner of the email opened the link sent there' }),
  sourceAttributes: Type.Array(Type.String()),
  idpGroups: Type.Array(Type.Unknown(), {
    description: 'Groups the identity provider asserts (rule 4a), apart from Rollcall groups',
  }),
  statusChangedAt: Nullable(Timestamp),
  signInBlockedUntil: Type.Optional(
    Type.Union([Timestamp, Type.Null()], {
      description: 'A duration transfer keeps the user from signing in until then',
    }),
  ),
  managers: Type.Array(PersonRef),
  managedUsersCount: Type.Integer(),
});

export const UserSortField = Type.Union(
  ['lastName', 'firstName', 'email', 'username', 'status', 'jobTitle', 'department', 'createdAt'].map((f) =>
    Type.Literal(f),
  ),
);
export const ListUsersQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(
      Type.Union([
        Type.Literal('active'),
        Type.Literal('pending'),
        Type.Literal('suspended'),
        Type.Literal('archived'),
        Type.Literal('removed'),
        Type.Literal('all'),
      ]),
    ),
    groupId: Type.Optional(Uuid),
    roleId: Type.Optional(Uuid),
    kind: Type.Optional(UserKind),
    sort: Type.Optional(
      Type.String({
        pattern: '^(lastName|firstName|email|username|status|jobTitle|department|createdAt)(:(asc|desc))?$',
        description: 'column[:asc|desc], e.g. lastName:asc',
      }),
    ),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type ListUsersQuery = Static<typeof ListUsersQuery>;

export const StatusCounts = Type.Object({
  active: Type.Integer(),
  pending: Type.Integer(),
  suspended: Type.Integer(),
  archived: Type.Integer(),
  all: Type.Integer(),
});

export const UserPage = Type.Object({
  items: Type.Array(UserSummarySchema),
  nextCursor: Nullable(Type.String()),
  total: Type.Integer({ description: 'Matching users in the selected status tab' }),
  counts: StatusCounts,
});

export const UserParams = Type.Object({ tenantId: Uuid, userId: Uuid });

export const ManagersBody = Type.Object(
  { managerIds: Type.Array(Uuid, { maxItems: 20, uniqueItems: true }) },
  { additionalProperties: false },
);

export const Skill = Type.Object(
  {
    kind: Type.Union([Type.Literal('skill'), Type.Literal('certification')]),
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    issuer: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    issuedOn: Type.Optional(Nullable(DateOnly)),
    expiresOn: Type.Optional(Nullable(DateOnly)),
  },
  { additionalProperties: false },
);
export const SkillsBody = Type.Object(
  { items: Type.Array(Skill, { maxItems: 200 }) },
  { additionalProperties: false },
);
export type SkillsBody = Static<typeof SkillsBody>;
export const SkillView = Type.Object({
  id: Uuid,
  kind: Type.String(),
  name: Type.String(),
  issuer: Nullable(Type.String()),
  issuedOn: Nullable(Type.String()),
  expiresOn: Nullable(Type.String()),
  expired: Type.Boolean(),
  expiresInDays: Nullable(Type.Integer()),
});

export const PeoplePage = Type.Object({ items: Type.Array(PersonRef) });

export const BulkBody = Type.Object(
  {
    action: Type.Union([
      Type.Literal('suspend'),
      Type.Literal('reactivate'),
      Type.Literal('archive'),
      Type.Literal('assignGroups'),
      Type.Literal('removeGroups'),
      Type.Literal('assignRoles'),
      Type.Literal('removeRoles'),
      Type.Literal('revokeAccess'),
      Type.Literal('forcePasswordChange'),
      Type.Literal('sendResetLink'),
    ]),
    ids: Type.Array(Uuid, { minItems: 1, maxItems: 1000, uniqueItems: true }),
    groupIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 100, uniqueItems: true })),
    roleIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 50, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type BulkBody = Static<typeof BulkBody>;
/** A status change answers the user as it is now and what the change ended. */
export const StatusChangeResult = Type.Object({
  ...UserSchema.properties,
  endedSessions: Type.Integer({
    description: 'Sessions this request ended (suspending and archiving end them all; 0 otherwise)',
  }),
});
export const BulkResult = Type.Object({
  results: Type.Array(
    Type.Object({
      id: Uuid,
      ok: Type.Boolean(),
      changed: Type.Optional(Type.Boolean()),
      endedSessions: Type.Optional(Type.Integer({ description: 'Sessions a suspension or archiving ended' })),
      code: Type.Optional(Type.String()),
      detail: Type.Optional(Type.String()),
    }),
  ),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
});
