import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Tx } from '../../platform/db.ts';
import type { NewUser, User, UserStatus } from '../../platform/db-schema.ts';

/** Every column but the avatar bytes, which only the avatar route reads. */
export const USER_COLUMNS = [
  'tenantId',
  'id',
  'firstName',
  'lastName',
  'email',
  'username',
  'status',
  'kind',
  'passwordHash',
  'passwordChangedAt',
  'phoneNumbers',
  'jobTitle',
  'department',
  'employeeId',
  'hireDate',
  'leaveDate',
  'locale',
  'timeZone',
  'notificationPreferences',
  'customAttributes',
  'avatarContentType',
  'avatarUpdatedAt',
  'source',
  'sourceAttributes',
  'idpGroups',
  'statusChangedAt',
  'removedAt',
  'failedSignIns',
  'failedWindowStartedAt',
  'lockedUntil',
  'mustChangePassword',
  'emailVerifiedAt',
  'setupPending',
  'externalId',
  'ipRanges',
  'signInBlockedUntil',
  'createdAt',
  'updatedAt',
] as const;
export type UserRow = Omit<User, 'avatar'>;

export async function findUser(
  tx: Tx,
  tenantId: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<UserRow | undefined> {
  let q = tx.selectFrom('users').select(USER_COLUMNS).where('tenantId', '=', tenantId).where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function findUsers(
  tx: Tx,
  tenantId: string,
  ids: readonly string[],
  opts: { forUpdate?: boolean } = {},
) {
  if (ids.length === 0) return [];
  let q = tx
    .selectFrom('users')
    .select(USER_COLUMNS)
    .where('tenantId', '=', tenantId)
    .where('id', 'in', ids)
    .orderBy('id');
  if (opts.forUpdate) q = q.forUpdate();
  return q.execute();
}

export async function insertUser(tx: Tx, user: NewUser): Promise<UserRow> {
  return tx.insertInto('users').values(user).returning(USER_COLUMNS).executeTakeFirstOrThrow();
}

/** The columns a new user is written with, and their types for `unnest`. */
const NEW_USER_COLUMNS = {
  tenantId: 'uuid',
  id: 'uuid',
  firstName: 'text',
  lastName: 'text',
  email: 'text',
  username: 'text',
  status: 'text',
  kind: 'text',
  passwordHash: 'text',
  passwordChangedAt: 'timestamptz',
  phoneNumbers: 'jsonb',
  jobTitle: 'text',
  department: 'text',
  employeeId: 'text',
  hireDate: 'date',
  leaveDate: 'date',
  locale: 'text',
  timeZone: 'text',
  notificationPreferences: 'jsonb',
  customAttributes: 'jsonb',
  source: 'text',
  sourceAttributes: 'text[]',
  externalId: 'text',
  statusChangedAt: 'timestamptz',
  createdAt: 'timestamptz',
  updatedAt: 'timestamptz',
} as const;

/**
 * Many new users in one statement (an import's batch): one array parameter per column through
 * `unnest`, which PostgreSQL plans once however many rows come, where a multi-row VALUES list of
 * 23 parameters a row costs more to bind and plan than to insert.
 */
export async function insertUsers(tx: Tx, users: readonly NewUser[]): Promise<UserRow[]> {
  if (users.length === 0) return [];
  const columns = Object.entries(NEW_USER_COLUMNS) as Array<[keyof typeof NEW_USER_COLUMNS, string]>;
  // a field this statement does not write would be lost without a word
  const unknown = users.flatMap((u) => Object.keys(u)).filter((k) => !(k in NEW_USER_COLUMNS));
  if (unknown.length) throw new Error(`insertUsers does not write ${[...new Set(unknown)].join(', ')}`);
  // jsonb and text[] values travel as JSON text: unnest cannot take an array of arrays
  const travelsAsJson = (type: string) => type === 'jsonb' || type === 'text[]';
  const arrays = columns.map(([key, type]) => {
    const values = users.map((u) => {
      const v = (u as Record<string, unknown>)[key] ?? null;
      return travelsAsJson(type) && v !== null && typeof v !== 'string' ? JSON.stringify(v) : v;
    });
    return sql`${values}::${sql.raw(travelsAsJson(type) ? 'text' : type)}[]`;
  });
  const names = columns.map(([key]) => sql.ref(snake(key)));
  const selected = columns.map(([key, type]) => {
    const ref = sql.ref(`n.${snake(key)}`);
    if (type === 'jsonb') return sql`${ref}::jsonb`;
    if (type === 'text[]')
      return sql`coalesce((select array_agg(e) from jsonb_array_elements_text(${ref}::jsonb) e), '{}')`;
    return ref;
  });
  const result = await sql<UserRow>`
    insert into users (${sql.join(names)})
    select ${sql.join(selected)} from unnest(${sql.join(arrays)}) as n(${sql.join(names)})
    returning ${sql.join(USER_COLUMNS.map((c) => sql.ref(snake(c))))}`.execute(tx);
  return result.rows;
}

export async function updateUser(tx: Tx, tenantId: string, id: string, changes: Record<string, unknown>) {
  return tx
    .updateTable('users')
    .set(changes as never)
    .where('tenantId', '=', tenantId)
    .where('id', '=', id)
    .returning(USER_COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function setStatus(tx: Tx, tenantId: string, id: string, status: UserStatus, at: Date) {
  return tx
    .updateTable('users')
    .set({ status, statusChangedAt: at, updatedAt: at, ...(status === 'removed' ? { removedAt: at } : {}) })
    .where('tenantId', '=', tenantId)
    .where('id', '=', id)
    .returning(USER_COLUMNS)
    .executeTakeFirstOrThrow();
}

/** Ends every session and API token of a user: suspension, archiving, removal (rule 27). */
export async function revokeAccess(tx: Tx, tenantId: string, userId: string, at: Date) {
  const sessions = await tx
    .updateTable('sessions')
    .set({ revokedAt: at })
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  const tokens = await tx
    .updateTable('apiTokens')
    .set({ revokedAt: at })
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return { sessions: Number(sessions.numUpdatedRows), tokens: Number(tokens.numUpdatedRows) };
}

// ---------------------------------------------------------------- lists and search (rule 5)

export const SORT_COLUMNS = {
  lastName: sql<string>`lower(u.last_name)`,
  firstName: sql<string>`lower(u.first_name)`,
  email: sql<string>`lower(coalesce(u.email, ''))`,
  username: sql<string>`lower(coalesce(u.username, ''))`,
  status: sql<string>`u.status`,
  jobTitle: sql<string>`lower(coalesce(u.job_title, ''))`,
  department: sql<string>`lower(coalesce(u.department, ''))`,
  createdAt: sql<string>`u.created_at`,
} as const;
export type SortField = keyof typeof SORT_COLUMNS;

export interface UserFilter {
  q?: string;
  status?: UserStatus | 'all';
  groupId?: string;
  roleId?: string;
  kind?: 'internal' | 'external';
  /** Data scope of a caller without `users.scope.all`: the users matching any of these. */
  scope?: { none?: boolean; selfId?: string; managerId?: string; department?: string };
}

function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A data scope as SQL over `users u`: the users it reaches. Lists about users (runs, …) filter by it too. */
export function userScopeSql(scope: NonNullable<UserFilter['scope']>): RawBuilder<SqlBool> {
  const reach = [sql`false`];
  if (scope.selfId) reach.push(sql`u.id = ${scope.selfId}`);
  if (scope.managerId) {
    reach.push(
      sql`exists (select 1 from user_managers m where m.tenant_id = u.tenant_id and m.user_id = u.id and m.manager_id = ${scope.managerId})`,
    );
  }
  if (scope.department) reach.push(sql`lower(trim(u.department)) = ${scope.department.trim().toLowerCase()}`);
  return sql<SqlBool>`(${sql.join(reach, sql` or `)})`;
}

/** The filter as SQL over `users u`, without the status (the tabs count every status). */
function filterSql(tenantId: string, f: UserFilter): Expression<SqlBool> {
  const parts = [sql`u.tenant_id = ${tenantId}`];
  if (f.kind) parts.push(sql`u.kind = ${f.kind}`);
  if (f.scope) parts.push(userScopeSql(f.scope));
  if (f.groupId) {
    parts.push(
      sql`exists (select 1 from group_members gm where gm.tenant_id = u.tenant_id and gm.user_id = u.id and gm.group_id = ${f.groupId})`,
    );
  }
  if (f.roleId) {
    parts.push(sql`(exists (select 1 from user_roles ur where ur.tenant_id = u.tenant_id and ur.user_id = u.id and ur.role_id = ${f.roleId})
      or exists (select 1 from group_members gm join groups g on g.tenant_id = gm.tenant_id and g.id = gm.group_id
                  where gm.tenant_id = u.tenant_id and gm.user_id = u.id and g.role_id = ${f.roleId}))`);
  }
  const q = f.q?.trim();
  if (q) {
    const pattern = likePattern(q);
    // names, email and username through the trigram index; role names (direct or through a group)
    // too. In a function, because under RLS the index cannot serve LIKE (see migration 0003).
    parts.push(sql`u.id in (select search_user_ids(${tenantId}::uuid, ${pattern}))`);
  }
  return sql<SqlBool>`${sql.join(parts, sql` and `)}`;
}

function statusSql(status: UserFilter['status']) {
  if (!status || status === 'all') return sql`u.status <> 'removed'`;
  return sql`u.status = ${status}`;
}

export async function listUsers(
  tx: Tx,
  tenantId: string,
  f: UserFilter,
  page: { sort: SortField; direction: 'asc' | 'desc'; after: [string, string] | null; limit: number },
): Promise<Array<UserRow & { sortValue: string }>> {
  const column = SORT_COLUMNS[page.sort];
  const dir = page.direction === 'asc' ? sql`asc` : sql`desc`;
  const cmp = page.direction === 'asc' ? sql`>` : sql`<`;
  const after = page.after
    ? page.sort === 'createdAt'
      ? sql`and (${column}, u.id) ${cmp} (${page.after[0]}::timestamptz, ${page.after[1]}::uuid)`
      : sql`and (${column}, u.id) ${cmp} (${page.after[0]}, ${page.after[1]}::uuid)`
    : sql``;
  const result = await sql<UserRow & { sortValue: string }>`
    select ${sql.join(USER_COLUMNS.map((c) => sql`u.${sql.ref(snake(c))}`))}, ${column}::text as sort_value
      from users u
     where ${filterSql(tenantId, f)} and ${statusSql(f.status)} ${after}
     order by ${column} ${dir}, u.id ${dir}
     limit ${page.limit}`.execute(tx);
  return result.rows;
}

export async function countUsersByStatus(
  tx: Tx,
  tenantId: string,
  f: UserFilter,
): Promise<Record<string, number>> {
  const result = await sql<{ status: string; n: number }>`
    select u.status, count(*)::int as n from users u where ${filterSql(tenantId, f)} group by u.status`.execute(
    tx,
  );
  return Object.fromEntries(result.rows.map((r) => [r.status, r.n]));
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

// ---------------------------------------------------------------- what a user holds

export async function rolesOfUsers(tx: Tx, tenantId: string, userIds: readonly string[]) {
  if (userIds.length === 0) return [];
  return tx
    .selectFrom('userRoles as ur')
    .innerJoin('roles as r', (j) => j.onRef('r.tenantId', '=', 'ur.tenantId').onRef('r.id', '=', 'ur.roleId'))
    .select(['ur.userId', 'r.id', 'r.name', 'r.key'])
    .where('ur.tenantId', '=', tenantId)
    .where('ur.userId', 'in', userIds)
    .orderBy('r.name')
    .execute();
}

export async function groupsOfUsers(tx: Tx, tenantId: string, userIds: readonly string[]) {
  if (userIds.length === 0) return [];
  return tx
    .selectFrom('groupMembers as gm')
    .innerJoin('groups as g', (j) =>
      j.onRef('g.tenantId', '=', 'gm.tenantId').onRef('g.id', '=', 'gm.groupId'),
    )
    .select(['gm.userId', 'g.id', 'g.name', 'g.isDefault', 'g.source'])
    .where('gm.tenantId', '=', tenantId)
    .where('gm.userId', 'in', userIds)
    .orderBy('g.isDefault', 'desc')
    .orderBy('g.name')
    .execute();
}

export async function managerIdsOf(tx: Tx, tenantId: string, userId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('userManagers')
    .select('managerId')
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .execute();
  return rows.map((r) => r.managerId);
}

export async function managersOf(tx: Tx, tenantId: string, userId: string) {
  return tx
    .selectFrom('userManagers as m')
    .innerJoin('users as u', (j) =>
      j.onRef('u.tenantId', '=', 'm.tenantId').onRef('u.id', '=', 'm.managerId'),
    )
    .select(['u.id', 'u.firstName', 'u.lastName', 'u.email', 'u.status'])
    .where('m.tenantId', '=', tenantId)
    .where('m.userId', '=', userId)
    .orderBy('u.lastName')
    .execute();
}

export async function managedUsersOf(tx: Tx, tenantId: string, managerId: string) {
  return tx
    .selectFrom('userManagers as m')
    .innerJoin('users as u', (j) => j.onRef('u.tenantId', '=', 'm.tenantId').onRef('u.id', '=', 'm.userId'))
    .select(['u.id', 'u.firstName', 'u.lastName', 'u.email', 'u.status'])
    .where('m.tenantId', '=', tenantId)
    .where('m.managerId', '=', managerId)
    .where('u.status', '<>', 'removed')
    .orderBy('u.lastName')
    .execute();
}

export async function countManagedUsers(tx: Tx, tenantId: string, managerId: string): Promise<number> {
  const row = await tx
    .selectFrom('userManagers as m')
    .innerJoin('users as u', (j) => j.onRef('u.tenantId', '=', 'm.tenantId').onRef('u.id', '=', 'm.userId'))
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('m.tenantId', '=', tenantId)
    .where('m.managerId', '=', managerId)
    .where('u.status', '<>', 'removed')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The users above `userId` in the management chain (managers, their managers, …). */
export async function managementAncestors(
  tx: Tx,
  tenantId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const result = await sql<{ id: string }>`
    with recursive up(id) as (
      select manager_id from user_managers where tenant_id = ${tenantId} and user_id in (${sql.join(userIds)})
      union
      select m.manager_id from user_managers m join up on m.user_id = up.id where m.tenant_id = ${tenantId}
    ) select id from up`.execute(tx);
  return new Set(result.rows.map((r) => r.id));
}

export async function replaceManagers(
  tx: Tx,
  tenantId: string,
  userId: string,
  managerIds: readonly string[],
) {
  await tx.deleteFrom('userManagers').where('tenantId', '=', tenantId).where('userId', '=', userId).execute();
  if (managerIds.length > 0) {
    await tx
      .insertInto('userManagers')
      .values(managerIds.map((managerId) => ({ tenantId, userId, managerId })))
      .execute();
  }
}

export async function detachFromManagement(tx: Tx, tenantId: string, userId: string) {
  await tx
    .deleteFrom('userManagers')
    .where('tenantId', '=', tenantId)
    .where((eb) => eb.or([eb('userId', '=', userId), eb('managerId', '=', userId)]))
    .execute();
}

// ---------------------------------------------------------------- skills, avatar

export async function listSkills(tx: Tx, tenantId: string, userId: string) {
  return tx
    .selectFrom('userSkills')
    .select(['id', 'kind', 'name', 'issuer', 'issuedOn', 'expiresOn'])
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .orderBy('kind')
    .orderBy('name')
    .execute();
}

export async function replaceSkills(
  tx: Tx,
  tenantId: string,
  userId: string,
  items: Array<{
    id: string;
    kind: 'skill' | 'certification';
    name: string;
    issuer: string | null;
    issuedOn: string | null;
    expiresOn: string | null;
  }>,
) {
  await tx.deleteFrom('userSkills').where('tenantId', '=', tenantId).where('userId', '=', userId).execute();
  if (items.length > 0)
    await tx
      .insertInto('userSkills')
      .values(items.map((i) => ({ ...i, tenantId, userId })))
      .execute();
}

export async function readAvatar(tx: Tx, tenantId: string, userId: string) {
  return tx
    .selectFrom('users')
    .select(['avatar', 'avatarContentType', 'avatarUpdatedAt', 'firstName', 'lastName'])
    .where('tenantId', '=', tenantId)
    .where('id', '=', userId)
    .executeTakeFirst();
}

export async function writeAvatar(
  tx: Tx,
  tenantId: string,
  userId: string,
  avatar: Buffer | null,
  contentType: string | null,
  at: Date,
) {
  await tx
    .updateTable('users')
    .set({ avatar, avatarContentType: contentType, avatarUpdatedAt: avatar ? at : null, updatedAt: at })
    .where('tenantId', '=', tenantId)
    .where('id', '=', userId)
    .execute();
}

/** Which of these users hold a people licence. */
export async function licensedUsers(
  tx: Tx,
  tenantId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await tx
    .selectFrom('licenseAssignments')
    .select('userId')
    .where('tenantId', '=', tenantId)
    .where('type', '=', 'people')
    .where('userId', 'in', userIds)
    .execute();
  return new Set(rows.map((r) => r.userId));
}
