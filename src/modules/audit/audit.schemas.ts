import { type Static, Type } from 'typebox';
import { ListQuery, Page, Timestamp, Uuid } from '../../platform/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const AuditEventSchema = Type.Object({
  id: Uuid,
  seq: Type.String({ description: 'Position in the tenant’s chain, from 1' }),
  occurredAt: Timestamp,
  actor: Type.Object({
    type: Type.String(),
    id: Nullable(Type.String()),
    label: Nullable(Type.String()),
    tenantId: Nullable(Type.String()),
  }),
  action: Type.String(),
  target: Type.Object({
    type: Nullable(Type.String()),
    id: Nullable(Type.String()),
    label: Nullable(Type.String()),
  }),
  before: Type.Unknown(),
  after: Type.Unknown(),
  ip: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  hash: Type.String(),
  prevHash: Type.String(),
});

export const AuditQuery = Type.Object(
  {
    actorId: Type.Optional(Uuid),
    action: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'Exact action, or a prefix ending in `.` or `*` (e.g. `auth.`)',
      }),
    ),
    targetId: Type.Optional(Type.String({ maxLength: 200 })),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditPage = Page(AuditEventSchema);

export const ChainVerificationSchema = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer(),
  brokenAt: Type.Union([
    Type.Null(),
    Type.Object({ seq: Type.String(), id: Type.String(), reason: Type.String() }),
  ]),
});
