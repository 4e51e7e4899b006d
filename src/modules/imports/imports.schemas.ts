import { type Static, Type } from 'typebox';
import { Timestamp, Uuid } from '../../platform/schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

/** What a column can be mapped to: a user field, a custom attribute, or roles/groups by name. */
export const IMPORT_FIELDS = [
  'firstName',
  'lastName',
  'fullName',
  'email',
  'username',
  'kind',
  'jobTitle',
  'department',
  'employeeId',
  'hireDate',
  'leaveDate',
  'locale',
  'timeZone',
  'phoneMobile',
  'phoneWork',
  'phoneHome',
  'phoneOther',
  'roles',
  'groups',
  'rolesAndGroups',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const ColumnMapping = Type.Object(
  {
    index: Type.Integer({ minimum: 0, maximum: 199, description: 'Column number, from 0' }),
    field: Type.Union([
      ...IMPORT_FIELDS.map((f) => Type.Literal(f)),
      Type.String({
        pattern: '^custom:[A-Za-z][A-Za-z0-9_]{0,63}$',
        description: 'custom:<key> stores the value as a custom attribute',
      }),
    ]),
  },
  { additionalProperties: false },
);

export const ImportOptions = Type.Object(
  {
    hasHeader: Type.Boolean({ description: 'The first row names the columns and is not imported' }),
    columns: Type.Array(ColumnMapping, {
      minItems: 1,
      maxItems: 200,
      description: 'The columns to import; columns not listed are ignored',
    }),
    separator: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 3,
        description: 'Between several names in a roles/groups column (default ";")',
      }),
    ),
    existing: Type.Optional(
      Type.Union([Type.Literal('fail'), Type.Literal('update'), Type.Literal('skip')], {
        description:
          'A row whose key matches an existing user: fail (default), update that user, or skip the row',
      }),
    ),
    matchBy: Type.Optional(
      Type.Union([Type.Literal('email'), Type.Literal('username'), Type.Literal('employeeId')], {
        description: 'The key column that finds an existing user (default email)',
      }),
    ),
    welcome: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('set_password_link')], {
        description:
          'How the users the run creates get in: none (default: nothing is emailed; give them a password or a link later), or set_password_link: each new user with an email gets a welcome email naming the importer, the organization and their login, with a single-use link to choose a password (valid 7 days; using it also confirms the address). Updated users get nothing.',
      }),
    ),
    defaults: Type.Optional(
      Type.Object(
        {
          kind: Type.Optional(Type.Union([Type.Literal('internal'), Type.Literal('external')])),
          roleIds: Type.Optional(Type.Array(Uuid, { maxItems: 50, uniqueItems: true })),
          groupIds: Type.Optional(Type.Array(Uuid, { maxItems: 100, uniqueItems: true })),
        },
        { additionalProperties: false, description: 'Given to every imported user, besides the file’s own' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ImportOptions = Static<typeof ImportOptions>;

const ImportColumn = Type.Object({
  index: Type.Integer(),
  header: Type.String({ description: 'The first row’s value (the header when there is one)' }),
  samples: Type.Array(Type.String()),
  suggestedField: Nullable(Type.String()),
});

const Counts = Type.Object({
  total: Type.Integer({ description: 'Rows to process in this pass' }),
  done: Type.Integer(),
  created: Type.Integer({ description: 'Created, or in a dry run: would be created' }),
  updated: Type.Integer(),
  skipped: Type.Integer(),
  failed: Type.Integer(),
});

export const ImportSchema = Type.Object({
  id: Uuid,
  tenantId: Uuid,
  fileName: Type.String(),
  bytes: Type.Integer(),
  hasBom: Type.Boolean(),
  delimiter: Type.String(),
  recordCount: Type.Integer({ description: 'Rows in the file, the header included' }),
  columnCount: Type.Integer(),
  columns: Type.Array(ImportColumn),
  preview: Type.Array(Type.Array(Type.String()), { description: 'The first rows as read' }),
  suggestedHasHeader: Type.Boolean(),
  status: Type.Union(
    ['uploaded', 'validating', 'validated', 'running', 'completed', 'failed', 'cancelled'].map((s) =>
      Type.Literal(s),
    ),
  ),
  phase: Nullable(Type.Union([Type.Literal('dry_run'), Type.Literal('run')])),
  options: Nullable(Type.Unknown()),
  progress: Counts,
  cancelRequested: Type.Boolean(),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  createdBy: Type.Object({ id: Uuid, label: Type.String() }),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
});

export const ImportSummarySchema = Type.Omit(ImportSchema, ['columns', 'preview', 'options']);

export const ImportParams = Type.Object({ tenantId: Uuid, importId: Uuid });

export const UploadQuery = Type.Object(
  {
    fileName: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    delimiter: Type.Optional(
      Type.Union([Type.Literal(','), Type.Literal(';'), Type.Literal('\t'), Type.Literal('|')], {
        description: 'Override the detected delimiter',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RowResult = Type.Object({
  row: Type.Integer({ description: 'Row number in the file, the header being row 1' }),
  outcome: Type.Union(['created', 'updated', 'unchanged', 'skipped', 'failed'].map((s) => Type.Literal(s))),
  userId: Nullable(Uuid),
  login: Nullable(Type.String({ description: 'The row’s email or username' })),
  code: Nullable(Type.String({ description: 'The first problem’s code, when the row failed' })),
  message: Nullable(Type.String({ description: 'Every problem’s reason, joined by “; ”' })),
  problems: Type.Array(Type.Object({ code: Type.String(), message: Type.String() }), {
    description: 'Every problem of a failed row, in the order the row is checked',
  }),
});

export const RowsQuery = Type.Object(
  {
    phase: Type.Optional(Type.Union([Type.Literal('dry_run'), Type.Literal('run')])),
    outcome: Type.Optional(
      Type.Union(['created', 'updated', 'unchanged', 'skipped', 'failed'].map((s) => Type.Literal(s))),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type RowsQuery = Static<typeof RowsQuery>;

export const RowPage = Type.Object({ items: Type.Array(RowResult), nextCursor: Nullable(Type.String()) });

export const ImportPage = Type.Object({ items: Type.Array(ImportSummarySchema) });

/** Columns an export may contain, in the caller's order. */
export const EXPORT_COLUMNS = [
  'id',
  'firstName',
  'lastName',
  'email',
  'username',
  'status',
  'kind',
  'jobTitle',
  'department',
  'employeeId',
  'hireDate',
  'leaveDate',
  'locale',
  'timeZone',
  'phoneNumbers',
  'roles',
  'groups',
  'licensed',
  'source',
  'createdAt',
  'updatedAt',
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];
