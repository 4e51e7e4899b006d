import type { Updateable } from 'kysely';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Tx } from '../../platform/db.ts';
import type { GroupsTable } from '../../platform/db-schema.ts';

export const DEFAULT_GROUP_NAME = 'Default';

/** Rule 6: every tenant has a Default group; it is created with the tenant and never deleted. */
export async function insertDefaultGroup(tx: Tx, tenantId: string): Promise<string> {
  const id = uuidv7();
  await tx.insertInto('groups').values({ tenantId, id, name: DEFAULT_GROUP_NAME, isDefault: true }).execute();
  return id;
}

export async function findDefaultGroupId(tx: Tx, tenantId: string): Promise<string | undefined> {
  const row = await tx
    .selectFrom('groups')
    .select('id')
    .where('tenantId', '=', tenantId)
    .where('isDefault', '=', true)
    .executeTakeFirst();
  return row?.id;
}

export async function addMember(tx: Tx, tenantId: string, groupId: string, userId: string) {
  await tx
    .insertInto('groupMembers')
    .values({ tenantId, groupId, userId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Many (group, user) memberships in one statement: bulk creation of users. */
export async function addMemberships(
  tx: Tx,
  tenantId: string,
  pairs: ReadonlyArray<{ groupId: string; userId: string }>,
) {
  if (pairs.length === 0) return;
  await sql`insert into group_members (tenant_id, group_id, user_id)
    select ${tenantId}::uuid, p.group_id, p.user_id
      from unnest(${pairs.map((p) => p.groupId)}::uuid[], ${pairs.map((p) => p.userId)}::uuid[]) as p(group_id, user_id)
    on conflict do nothing`.execute(tx);
}

export async function findGroup(
  tx: Tx,
  tenantId: string,
  groupId: string,
  opts: { forUpdate?: boolean } = {},
) {
  let q = tx.selectFrom('groups').selectAll().where('tenantId', '=', tenantId).where('id', '=', groupId);
  if (opts.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function findGroups(tx: Tx, tenantId: string, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return tx
    .selectFrom('groups')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('id', 'in', ids)
    .execute();
}

/** Groups with their role, default member, owner and member count, ordered Default first. */
export async function listGroups(tx: Tx, tenantId: string) {
  return tx
    .selectFrom('groups as g')
    .leftJoin('roles as r', (j) => j.onRef('r.tenantId', '=', 'g.tenantId').onRef('r.id', '=', 'g.roleId'))
    .leftJoin('users as dm', (j) =>
      j.onRef('dm.tenantId', '=', 'g.tenantId').onRef('dm.id', '=', 'g.defaultMemberId'),
    )
    .leftJoin('users as o', (j) => j.onRef('o.tenantId', '=', 'g.tenantId').onRef('o.id', '=', 'g.ownerId'))
    .select((eb) => [
      'g.id',
      'g.name',
      'g.isDefault',
      'g.roleId',
      'r.name as roleName',
      'g.defaultMemberId',
      'dm.firstName as defaultMemberFirstName',
      'dm.lastName as defaultMemberLastName',
      'g.ownerId',
      'g.source',
      'g.externalId',
      'o.firstName as ownerFirstName',
      'o.lastName as ownerLastName',
      'g.createdAt',
      'g.updatedAt',
      eb
        .selectFrom('groupMembers as gm')
        .innerJoin('users as u', (j) =>
          j.onRef('u.tenantId', '=', 'gm.tenantId').onRef('u.id', '=', 'gm.userId'),
        )
        .whereRef('gm.tenantId', '=', 'g.tenantId')
        .whereRef('gm.groupId', '=', 'g.id')
        .where('u.status', '<>', 'removed')
        .select((e) => e.fn.countAll<string>().as('n'))
        .as('memberCount'),
    ])
    .where('g.tenantId', '=', tenantId)
    .orderBy('g.isDefault', 'desc')
    .orderBy(sql`lower(g.name)`)
    .execute();
}

export async function insertGroup(
  tx: Tx,
  row: {
    tenantId: string;
    id: string;
    name: string;
    ownerId: string | null;
    roleId?: string | null;
    source?: 'scim' | 'ldap' | 'sso' | null;
    externalId?: string | null;
  },
) {
  return tx.insertInto('groups').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateGroup(
  tx: Tx,
  tenantId: string,
  groupId: string,
  changes: Updateable<GroupsTable>,
) {
  return tx
    .updateTable('groups')
    .set(changes as never)
    .where('tenantId', '=', tenantId)
    .where('id', '=', groupId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteGroup(tx: Tx, tenantId: string, groupId: string) {
  await tx.deleteFrom('groups').where('tenantId', '=', tenantId).where('id', '=', groupId).execute();
}

export async function memberIds(tx: Tx, tenantId: string, groupId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('groupMembers as gm')
    .innerJoin('users as u', (j) => j.onRef('u.tenantId', '=', 'gm.tenantId').onRef('u.id', '=', 'gm.userId'))
    .select('gm.userId')
    .where('gm.tenantId', '=', tenantId)
    .where('gm.groupId', '=', groupId)
    .where('u.status', '<>', 'removed')
    .execute();
  return rows.map((r) => r.userId);
}

export async function groupIdsOf(tx: Tx, tenantId: string, userId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('groupMembers')
    .select('groupId')
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .execute();
  return rows.map((r) => r.groupId);
}

export async function removeMember(tx: Tx, tenantId: string, groupId: string, userId: string) {
  await tx
    .deleteFrom('groupMembers')
    .where('tenantId', '=', tenantId)
    .where('groupId', '=', groupId)
    .where('userId', '=', userId)
    .execute();
}

export async function removeAllMemberships(tx: Tx, tenantId: string, userId: string) {
  await tx.deleteFrom('groupMembers').where('tenantId', '=', tenantId).where('userId', '=', userId).execute();
}

/** Users (of `userIds`) who belong to no group. */
export async function usersWithoutGroup(
  tx: Tx,
  tenantId: string,
  userIds: readonly string[],
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await tx
    .selectFrom('users as u')
    .select('u.id')
    .where('u.tenantId', '=', tenantId)
    .where('u.id', 'in', userIds)
    .where('u.status', '<>', 'removed')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('groupMembers as gm')
            .select('gm.userId')
            .whereRef('gm.tenantId', '=', 'u.tenantId')
            .whereRef('gm.userId', '=', 'u.id'),
        ),
      ),
    )
    .execute();
  return rows.map((r) => r.id);
}

/** The groups `userId` owns (`column` = owner) or receives routed work for (`column` = default member). */
export async function groupsHeldBy(
  tx: Tx,
  tenantId: string,
  column: 'ownerId' | 'defaultMemberId',
  userId: string,
): Promise<Array<{ id: string; name: string }>> {
  return tx
    .selectFrom('groups')
    .select(['id', 'name'])
    .where('tenantId', '=', tenantId)
    .where(column, '=', userId)
    .orderBy(sql`lower(name)`)
    .orderBy('id')
    .execute();
}

/** Groups with an owner (or a default member), by name, keyset-paged: the Resources page. */
export async function listGroupsHeld(
  tx: Tx,
  tenantId: string,
  column: 'ownerId' | 'defaultMemberId',
  filter: { q?: string; ownerId?: string; after?: { name: string; id: string } | null; limit: number },
): Promise<Array<{ id: string; name: string; ownerId: string }>> {
  let q = tx
    .selectFrom('groups')
    .select(['id', 'name', `${column} as ownerId`])
    .where('tenantId', '=', tenantId)
    .where(column, 'is not', null);
  if (filter.ownerId) q = q.where(column, '=', filter.ownerId);
  if (filter.q) q = q.where('name', 'ilike', `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (filter.after) {
    const { name, id } = filter.after;
    q = q.where(sql<boolean>`(lower(name), id) > (lower(${name}), ${id}::uuid)`);
  }
  const rows = await q.orderBy(sql`lower(name)`).orderBy('id').limit(filter.limit).execute();
  return rows as Array<{ id: string; name: string; ownerId: string }>;
}
