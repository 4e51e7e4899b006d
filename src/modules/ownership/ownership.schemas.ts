import { type Static, Type } from 'typebox';
import { ListQuery, NullableTimestamp, Timestamp, Uuid } from '../../platform/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const PersonRef = Type.Object({
  id: Uuid,
  firstName: Type.String(),
  lastName: Type.String(),
  initials: Type.String(),
});

export const ShareLevel = Type.Union([Type.Literal('view'), Type.Literal('edit')]);

/** A date and an hour on the tenant's clocks: what an administrator picks. */
export const DateHour = Type.Object(
  {
    date: Type.String({ format: 'date', description: 'YYYY-MM-DD in the tenant’s time zone' }),
    hour: Type.Integer({ minimum: 0, maximum: 23 }),
  },
  { additionalProperties: false },
);
export type DateHour = Static<typeof DateHour>;

export const TransferBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('one_time'), Type.Literal('duration')]),
    recipientId: Uuid,
    at: Type.Optional(DateHour),
    start: Type.Optional(DateHour),
    end: Type.Optional(DateHour),
    blockSignIn: Type.Optional(
      Type.Boolean({ description: 'Duration only: the user cannot sign in until the duration ends' }),
    ),
    preview: Type.Optional(
      Type.Boolean({ description: 'Only answer what would move and which groups the recipient joins' }),
    ),
  },
  {
    additionalProperties: false,
    description:
      '`one_time`: `at` (omitted: now). `duration`: `start` (omitted: now) and `end`. Dates and hours are read in the tenant’s time zone.',
  },
);
export type TransferBody = Static<typeof TransferBody>;

export const RemoveUserBody = Type.Object(
  {
    when: Type.Optional(
      Type.Union([Type.Literal('immediate'), Type.Literal('scheduled')], { default: 'immediate' }),
    ),
    at: Type.Optional(DateHour),
    transferTo: Type.Optional(Uuid),
    preview: Type.Optional(Type.Boolean({ description: 'Only report what would move, change nothing' })),
  },
  { additionalProperties: false },
);
export type RemoveUserBody = Static<typeof RemoveUserBody>;

const Ref = Type.Object({ id: Type.String(), name: Type.String() });

export const MovedItem = Type.Object({
  type: Type.String({ description: 'The ownable kind, `group_membership`, or the resource type for access' }),
  id: Type.String(),
  name: Type.String(),
  action: Type.Union([Type.Literal('owner'), Type.Literal('membership'), Type.Literal('access')]),
  reverts: Type.Boolean({ description: 'Moves back when the duration ends' }),
  level: Type.Optional(ShareLevel),
  previousLevel: Type.Optional(Nullable(ShareLevel)),
});
export type MovedItem = Static<typeof MovedItem>;

export const OwnedGroup = Type.Object({
  type: Type.String(),
  label: Type.String(),
  count: Type.Integer(),
  items: Type.Array(Ref, { description: 'The first 200, by name' }),
  moves: Type.Boolean({ description: 'Moves in this kind of change' }),
  freed: Type.Integer({
    description:
      'How many of them are freed instead of moving: the recipient already holds one (a licence seat of the type), or a removal has no recipient',
  }),
  revertsAtEnd: Type.Boolean({ description: 'Comes back to the user when the duration ends' }),
});

export const Warning = Type.Object({
  code: Type.String(),
  message: Type.String(),
  items: Type.Optional(Type.Array(Ref)),
});

export const Plan = Type.Object({
  owned: Type.Array(OwnedGroup),
  ownedCount: Type.Integer(),
  recipientRequired: Type.Boolean(),
  recipientJoinsGroups: Type.Array(
    Type.Object({ id: Uuid, name: Type.String(), roleName: Nullable(Type.String()) }),
    { description: 'The user’s groups the recipient is not in yet: they will be added (rule 18)' },
  ),
  sharedWithUser: Type.Integer({
    description: 'Resources shared with the user; the recipient gets the same access',
  }),
  warnings: Type.Array(Warning),
});
export type Plan = Static<typeof Plan>;

export const TransferView = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('one_time'), Type.Literal('duration'), Type.Literal('removal')]),
  status: Type.Union([
    Type.Literal('scheduled'),
    Type.Literal('active'),
    Type.Literal('completed'),
    Type.Literal('cancelled'),
    Type.Literal('failed'),
  ]),
  user: PersonRef,
  recipient: Nullable(PersonRef),
  startsAt: Timestamp,
  endsAt: NullableTimestamp,
  timeZone: Type.String(),
  start: DateHour,
  end: Nullable(DateHour),
  blockSignIn: Type.Boolean(),
  requestedBy: Type.Object({ id: Nullable(Type.String()), label: Type.String() }),
  createdAt: Timestamp,
  startedAt: NullableTimestamp,
  finishedAt: NullableTimestamp,
  cancelledAt: NullableTimestamp,
  cancelledBy: Nullable(Type.String()),
  cancellable: Type.Boolean(),
  movedCount: Type.Integer(),
  moved: Type.Array(MovedItem, { description: 'What moved, item by item (lists show the first 100)' }),
  outcome: Nullable(Type.Unknown()),
  failure: Nullable(Type.Object({ code: Type.String(), detail: Type.String() })),
});

export const TransferPreview = Type.Object({
  preview: Type.Literal(true),
  kind: Type.String(),
  startsAt: Timestamp,
  endsAt: NullableTimestamp,
  timeZone: Type.String(),
  plan: Plan,
});

export const RemoveResult = Type.Object({
  status: Type.String({ description: 'The user’s status after the request' }),
  changed: Type.Boolean(),
  scheduled: Nullable(TransferView),
  plan: Plan,
  moved: Type.Array(MovedItem),
});

export const TransferParams = Type.Object({ tenantId: Uuid, transferId: Uuid });
export const TransfersQuery = Type.Object({
  status: Type.Optional(
    Type.Union([
      Type.Literal('open'),
      Type.Literal('scheduled'),
      Type.Literal('active'),
      Type.Literal('completed'),
      Type.Literal('cancelled'),
      Type.Literal('failed'),
    ]),
  ),
  ...ListQuery,
});
export type TransfersQuery = Static<typeof TransfersQuery>;

// ---------------------------------------------------------------- resources and shares

const ResourceType = Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,39}$',
  description: 'e.g. workflow, job, form',
});
const Url = Type.String({ maxLength: 2000, pattern: '^https?://' });

export const CreateResourceBody = Type.Object(
  {
    type: ResourceType,
    externalId: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.String({ minLength: 1, maxLength: 300, pattern: '\\S' }),
    url: Type.Optional(Nullable(Url)),
    ownerId: Uuid,
  },
  { additionalProperties: false },
);
export type CreateResourceBody = Static<typeof CreateResourceBody>;

export const UpdateResourceBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 300, pattern: '\\S' })),
    url: Type.Optional(Nullable(Url)),
  },
  { additionalProperties: false },
);
export type UpdateResourceBody = Static<typeof UpdateResourceBody>;

export const ResourceView = Type.Object({
  id: Uuid,
  type: Type.String(),
  externalId: Type.String(),
  name: Type.String(),
  url: Nullable(Type.String()),
  owner: PersonRef,
  shareCount: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const ResourcesQuery = Type.Object({
  type: Type.Optional(ResourceType),
  ownerId: Type.Optional(Uuid),
  externalId: Type.Optional(Type.String({ maxLength: 200 })),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  ...ListQuery,
});
export type ResourcesQuery = Static<typeof ResourcesQuery>;

export const ResourceParams = Type.Object({ tenantId: Uuid, resourceId: Uuid });
export const ShareParams = Type.Object({ tenantId: Uuid, resourceId: Uuid, userId: Uuid });

export const ShareView = Type.Object({
  user: Type.Object({
    id: Uuid,
    firstName: Type.String(),
    lastName: Type.String(),
    initials: Type.String(),
    email: Nullable(Type.String()),
    status: Type.String(),
  }),
  level: ShareLevel,
  sharedAt: Timestamp,
});

export const SharedWithUserItem = Type.Object({
  resource: Type.Object({
    id: Uuid,
    type: Type.String(),
    typeLabel: Type.String(),
    name: Type.String(),
    externalId: Type.String(),
    url: Nullable(Type.String()),
    owner: PersonRef,
  }),
  level: ShareLevel,
  sharedAt: Timestamp,
});

export const SetShareBody = Type.Object({ level: ShareLevel }, { additionalProperties: false });

export const SharedChangesBody = Type.Object(
  {
    changes: Type.Array(
      Type.Object(
        {
          resourceId: Uuid,
          level: Nullable(ShareLevel),
        },
        { additionalProperties: false, description: '`level: null` stops sharing' },
      ),
      { minItems: 1, maxItems: 500 },
    ),
  },
  { additionalProperties: false },
);
export type SharedChangesBody = Static<typeof SharedChangesBody>;

// ---------------------------------------------------------------- ownable kinds

export const KindView = Type.Object({
  type: Type.String(),
  label: Type.String(),
  revertsAtDurationEnd: Type.Boolean(),
  oneTimeOnly: Type.Boolean(),
  integration: Type.Boolean({ description: 'Registered by integrations through `POST …/resources`' }),
  listable: Type.Boolean({ description: 'Listed on the Resources page, with a change-owner action' }),
});

export const OwnershipsQuery = Type.Object({
  type: Type.String({ maxLength: 40 }),
  ownerId: Type.Optional(Uuid),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  ...ListQuery,
});
export type OwnershipsQuery = Static<typeof OwnershipsQuery>;

export const OwnershipItem = Type.Object({
  type: Type.String(),
  id: Type.String(),
  name: Type.String(),
  owner: PersonRef,
});

export const OwnershipItemParams = Type.Object({
  tenantId: Uuid,
  type: Type.String({ maxLength: 40 }),
  itemId: Type.String({ maxLength: 200 }),
});

export const ChangeOwnerBody = Type.Object({ ownerId: Uuid }, { additionalProperties: false });

export const UserOwnerships = Type.Object({
  kinds: Type.Array(Type.Object({ type: Type.String(), label: Type.String(), items: Type.Array(Ref) })),
  total: Type.Integer(),
});
