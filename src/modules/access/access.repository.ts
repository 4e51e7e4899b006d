import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { StoredAccessInputs } from '../../platform/auth.ts';
import type { Tx } from '../../platform/db.ts';
import { predefinedRolesFor } from './permissions.catalog.ts';

/** Creates the predefined roles of a new tenant; returns their ids by key. */
export async function insertPredefinedRoles(tx: Tx, tenantId: string, kind: 'provider' | 'customer') {
  const rows = predefinedRolesFor(kind).map((r) => ({
    tenantId,
    id: uuidv7(),
    key: r.key,
    name: r.name,
    description: r.description,
    permissions: [...r.permissions],
    customerAccess: r.customerAccess,
  }));
  await tx.insertInto('roles').values(rows).execute();
  return new Map(rows.map((r) => [r.key, r.id]));
}

export async function assignDirectRole(tx: Tx, tenantId: string, userId: string, roleId: string) {
  await tx
    .insertInto('userRoles')
    .values({ tenantId, userId, roleId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Many (user, role) pairs in one statement: bulk creation of users. */
export async function assignDirectRoles(
  tx: Tx,
  tenantId: string,
  pairs: ReadonlyArray<{ userId: string; roleId: string }>,
) {
  if (pairs.length === 0) return;
  await sql`insert into user_roles (tenant_id, user_id, role_id)
    select ${tenantId}::uuid, p.user_id, p.role_id
      from unnest(${pairs.map((p) => p.userId)}::uuid[], ${pairs.map((p) => p.roleId)}::uuid[]) as p(user_id, role_id)
    on conflict do nothing`.execute(tx);
}

export async function findRole(tx: Tx, tenantId: string, roleId: string) {
  return tx
    .selectFrom('roles')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('id', '=', roleId)
    .executeTakeFirst();
}

export async function findRoles(tx: Tx, tenantId: string, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return tx.selectFrom('roles').selectAll().where('tenantId', '=', tenantId).where('id', 'in', ids).execute();
}

export async function findRoleByKey(tx: Tx, tenantId: string, key: string) {
  return tx
    .selectFrom('roles')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('key', '=', key)
    .executeTakeFirst();
}

export async function listRoles(tx: Tx, tenantId: string) {
  return tx
    .selectFrom('roles as r')
    .selectAll('r')
    .select((eb) => [
      eb
        .selectFrom('userRoles as ur')
        .innerJoin('users as u', (j) =>
          j.onRef('u.tenantId', '=', 'ur.tenantId').onRef('u.id', '=', 'ur.userId'),
        )
        .whereRef('ur.tenantId', '=', 'r.tenantId')
        .whereRef('ur.roleId', '=', 'r.id')
        .where('u.status', '<>', 'removed')
        .select((e) => e.fn.countAll<string>().as('n'))
        .as('userCount'),
      eb
        .selectFrom('groups as g')
        .whereRef('g.tenantId', '=', 'r.tenantId')
        .whereRef('g.roleId', '=', 'r.id')
        .select((e) => e.fn.countAll<string>().as('n'))
        .as('groupCount'),
    ])
    .where('r.tenantId', '=', tenantId)
    .orderBy(sql`r.key is null`)
    .orderBy('r.name')
    .execute();
}

export async function directRoleIdsOf(tx: Tx, tenantId: string, userId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('userRoles')
    .select('roleId')
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .execute();
  return rows.map((r) => r.roleId);
}

export async function removeDirectRole(tx: Tx, tenantId: string, userId: string, roleId: string) {
  await tx
    .deleteFrom('userRoles')
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('roleId', '=', roleId)
    .execute();
}

export async function removeAllDirectRoles(tx: Tx, tenantId: string, userId: string) {
  await tx.deleteFrom('userRoles').where('tenantId', '=', tenantId).where('userId', '=', userId).execute();
}

export async function countRoleUse(tx: Tx, tenantId: string, roleId: string) {
  const users = await tx
    .selectFrom('userRoles as ur')
    .innerJoin('users as u', (j) => j.onRef('u.tenantId', '=', 'ur.tenantId').onRef('u.id', '=', 'ur.userId'))
    .where('ur.tenantId', '=', tenantId)
    .where('ur.roleId', '=', roleId)
    .where('u.status', '<>', 'removed')
    .select((e) => e.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  const groups = await tx
    .selectFrom('groups')
    .where('tenantId', '=', tenantId)
    .where('roleId', '=', roleId)
    .select((e) => e.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return { users: Number(users.n), groups: Number(groups.n) };
}

export async function loadAccessInputs(
  tx: Tx,
  tenantId: string,
  userId: string,
): Promise<StoredAccessInputs> {
  const row = await sql<{
    access: StoredAccessInputs;
  }>`select user_access_inputs(${tenantId}::uuid, ${userId}::uuid) as access`.execute(tx);
  return row.rows[0]!.access;
}

export async function replaceOverrides(
  tx: Tx,
  tenantId: string,
  userId: string,
  overrides: ReadonlyArray<{ permission: string; effect: 'grant' | 'deny' }>,
) {
  await tx
    .deleteFrom('userPermissionOverrides')
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .execute();
  if (overrides.length > 0) {
    await tx
      .insertInto('userPermissionOverrides')
      .values(overrides.map((o) => ({ tenantId, userId, permission: o.permission, effect: o.effect })))
      .execute();
  }
}
