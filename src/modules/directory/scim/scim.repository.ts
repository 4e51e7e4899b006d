import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Tx } from '../../../platform/db.ts';
import { USER_COLUMNS, type UserRow } from '../../users/users.repository.ts';
import type { GroupRow, PersonRef } from './scim.resources.ts';

/**
 * SQL only. Users SCIM can see are those still in the tenant's directory: pending, active and
 * suspended. Archived and removed users are gone from SCIM's view (a DELETE leads to either).
 */
const VISIBLE = sql`u.status in ('pending', 'active', 'suspended')`;
const userColumns = sql.join(
  USER_COLUMNS.map((c) => sql`u.${sql.ref(c.replace(/[A-Z]/g, (x) => `_${x.toLowerCase()}`))}`),
);

export interface Page {
  offset: number;
  limit: number;
  order: RawBuilder<unknown> | null;
  descending: boolean;
}

export async function listUsers(tx: Tx, tenantId: string, where: RawBuilder<SqlBool> | null, page: Page) {
  const dir = page.descending ? sql`desc` : sql`asc`;
  const order = page.order
    ? sql`${page.order} ${dir} nulls last, u.id ${dir}`
    : sql`u.created_at ${dir}, u.id ${dir}`;
  const result = await sql<UserRow>`
    select ${userColumns} from users u
     where u.tenant_id = ${tenantId} and ${VISIBLE} and ${where ?? sql`true`}
     order by ${order} limit ${page.limit} offset ${page.offset}`.execute(tx);
  return result.rows;
}

export async function countUsers(tx: Tx, tenantId: string, where: RawBuilder<SqlBool> | null) {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from users u where u.tenant_id = ${tenantId} and ${VISIBLE} and ${where ?? sql`true`}`.execute(
    tx,
  );
  return result.rows[0]!.n;
}

export async function findVisibleUser(
  tx: Tx,
  tenantId: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
) {
  const result = await sql<UserRow>`
    select ${userColumns} from users u where u.tenant_id = ${tenantId} and u.id = ${id} and ${VISIBLE}
    ${opts.forUpdate ? sql`for update` : sql``}`.execute(tx);
  return result.rows[0];
}

/** The first manager of each user (SCIM's `manager` is single-valued; Rollcall allows several). */
export async function firstManagers(tx: Tx, tenantId: string, userIds: readonly string[]) {
  if (userIds.length === 0) return new Map<string, PersonRef>();
  const result = await sql<PersonRef & { userId: string }>`
    select distinct on (m.user_id) m.user_id, mu.id, mu.first_name, mu.last_name
      from user_managers m join users mu on mu.tenant_id = m.tenant_id and mu.id = m.manager_id
     where m.tenant_id = ${tenantId} and m.user_id in (${sql.join(userIds)})
     order by m.user_id, m.created_at, m.manager_id`.execute(tx);
  return new Map(result.rows.map(({ userId, ...p }) => [userId, p]));
}

const GROUP_COLUMNS = sql`g.id, g.name, g.external_id, g.created_at, g.updated_at,
  coalesce((select md5(string_agg(gm.user_id::text, ',' order by gm.user_id))
              from group_members gm join users mu on mu.tenant_id = gm.tenant_id and mu.id = gm.user_id
             where gm.tenant_id = g.tenant_id and gm.group_id = g.id
               and mu.status in ('pending', 'active', 'suspended')), '') as member_digest`;

export async function listGroups(tx: Tx, tenantId: string, where: RawBuilder<SqlBool> | null, page: Page) {
  const dir = page.descending ? sql`desc` : sql`asc`;
  const order = page.order
    ? sql`${page.order} ${dir} nulls last, g.id ${dir}`
    : sql`g.created_at ${dir}, g.id ${dir}`;
  const result = await sql<GroupRow>`
    select ${GROUP_COLUMNS} from groups g where g.tenant_id = ${tenantId} and ${where ?? sql`true`}
     order by ${order} limit ${page.limit} offset ${page.offset}`.execute(tx);
  return result.rows;
}

export async function countGroups(tx: Tx, tenantId: string, where: RawBuilder<SqlBool> | null) {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from groups g where g.tenant_id = ${tenantId} and ${where ?? sql`true`}`.execute(
    tx,
  );
  return result.rows[0]!.n;
}

export async function findGroup(tx: Tx, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}) {
  const result = await sql<GroupRow>`
    select ${GROUP_COLUMNS} from groups g where g.tenant_id = ${tenantId} and g.id = ${id}
    ${opts.forUpdate ? sql`for update of g` : sql``}`.execute(tx);
  return result.rows[0];
}

/** The visible members of groups, by group. */
export async function membersOf(tx: Tx, tenantId: string, groupIds: readonly string[]) {
  const byGroup = new Map<string, PersonRef[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return byGroup;
  const result = await sql<PersonRef & { groupId: string }>`
    select gm.group_id, mu.id, mu.first_name, mu.last_name
      from group_members gm join users mu on mu.tenant_id = gm.tenant_id and mu.id = gm.user_id
     where gm.tenant_id = ${tenantId} and gm.group_id in (${sql.join(groupIds)})
       and mu.status in ('pending', 'active', 'suspended')
     order by gm.group_id, gm.created_at, mu.id`.execute(tx);
  for (const { groupId, ...p } of result.rows) byGroup.get(groupId)!.push(p);
  return byGroup;
}

/** Which of these users are visible members of the group: membership checked without the whole list. */
export async function membersAmong(tx: Tx, tenantId: string, groupId: string, userIds: readonly string[]) {
  if (userIds.length === 0) return new Set<string>();
  const result = await sql<{ userId: string }>`
    select gm.user_id from group_members gm join users mu on mu.tenant_id = gm.tenant_id and mu.id = gm.user_id
     where gm.tenant_id = ${tenantId} and gm.group_id = ${groupId} and gm.user_id in (${sql.join(userIds)})
       and mu.status in ('pending', 'active', 'suspended')`.execute(tx);
  return new Set(result.rows.map((r) => r.userId));
}

/** Which of these ids are users SCIM can see. */
export async function visibleUserIds(tx: Tx, tenantId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const result = await sql<{ id: string }>`
    select u.id from users u where u.tenant_id = ${tenantId} and u.id in (${sql.join(ids)}) and ${VISIBLE}`.execute(
    tx,
  );
  return new Set(result.rows.map((r) => r.id));
}

// ---------------------------------------------------------------- tokens

export async function insertToken(
  tx: Tx,
  row: {
    tenantId: string;
    id: string;
    name: string;
    tokenHash: string;
    prefix: string;
    ceiling: string[];
    createdBy: string | null;
    createdByLabel: string;
    createdAt: Date;
  },
) {
  return tx.insertInto('scimTokens').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function listTokens(tx: Tx, tenantId: string) {
  return tx
    .selectFrom('scimTokens')
    .select(['id', 'name', 'prefix', 'createdAt', 'createdByLabel', 'lastUsedAt', 'lastUsedIp'])
    .where('tenantId', '=', tenantId)
    .where('revokedAt', 'is', null)
    .orderBy('createdAt', 'desc')
    .execute();
}

export async function revokeToken(tx: Tx, tenantId: string, id: string, at: Date) {
  return tx
    .updateTable('scimTokens')
    .set({ revokedAt: at })
    .where('tenantId', '=', tenantId)
    .where('id', '=', id)
    .where('revokedAt', 'is', null)
    .returning(['id', 'name'])
    .executeTakeFirst();
}
