import { sql } from 'kysely';
import type { Tx } from '../../platform/db.ts';
import { AccessErrors } from './access.errors.ts';

/**
 * Rule 14: every tenant keeps at least one active Super Admin. Every command that could take the
 * last one away (suspend, archive, remove, demote, leave a group whose role makes them one, change or
 * unassign such a group role) runs inside `keepingASuperAdmin`: it takes a per-tenant lock first, so
 * two admins demoting the last two Super Admins at the same moment are serialised and the second is
 * refused.
 *
 * Whether the tenant has an active Super Admin at all is looked up from the role's side (its holders
 * and the members of groups carrying it), so it stops at the first one instead of counting every
 * user: cheap in tenants of thousands of users, where flow steps and imports change many users one
 * after the other.
 */
/**
 * `u` holds the Super Admin role, directly or through a group, as an internal user: an external
 * (portal) user is capped to the external permissions whatever their roles say, so they are no Super
 * Admin at all.
 */
const holdsSuperAdmin = sql`(u.kind = 'internal' and (
           exists (select 1 from user_roles ur join roles r on r.tenant_id = ur.tenant_id and r.id = ur.role_id
                    where ur.tenant_id = u.tenant_id and ur.user_id = u.id and r.key = 'super_admin')
        or exists (select 1 from group_members gm
                     join groups g on g.tenant_id = gm.tenant_id and g.id = gm.group_id
                     join roles r on r.tenant_id = g.tenant_id and r.id = g.role_id
                    where gm.tenant_id = u.tenant_id and gm.user_id = u.id and r.key = 'super_admin')))`;

const anActiveSuperAdmin = (tenantId: string) => sql<boolean>`
  exists (select 1 from roles r
            join user_roles ur on ur.tenant_id = r.tenant_id and ur.role_id = r.id
            join users u on u.tenant_id = ur.tenant_id and u.id = ur.user_id
           where r.tenant_id = ${tenantId} and r.key = 'super_admin' and u.status = 'active' and u.kind = 'internal'
             and (u.sign_in_blocked_until is null or u.sign_in_blocked_until <= now()))
  or exists (select 1 from roles r
               join groups g on g.tenant_id = r.tenant_id and g.role_id = r.id
               join group_members gm on gm.tenant_id = g.tenant_id and gm.group_id = g.id
               join users u on u.tenant_id = gm.tenant_id and u.id = gm.user_id
              where r.tenant_id = ${tenantId} and r.key = 'super_admin' and u.status = 'active'
                and u.kind = 'internal'
                -- a Super Admin whose sign-in a running transfer disables cannot act either
                and (u.sign_in_blocked_until is null or u.sign_in_blocked_until <= now()))`;

export async function countActiveSuperAdmins(tx: Tx, tenantId: string): Promise<number> {
  const row = await sql<{ n: number }>`
    select count(distinct u.id)::int as n
      from users u
     where u.tenant_id = ${tenantId} and u.status = 'active'
       -- a Super Admin whose sign-in a running transfer disables cannot act either
       and (u.sign_in_blocked_until is null or u.sign_in_blocked_until <= now())
       and ${holdsSuperAdmin}`.execute(tx);
  return row.rows[0]!.n;
}

/** Whether `userId` is the tenant's only active Super Admin (a removal scheduled now would fail later). */
export async function isLastActiveSuperAdmin(tx: Tx, tenantId: string, userId: string): Promise<boolean> {
  const row = await sql<{ holds: boolean }>`
    select exists (select 1 from users u
                    where u.tenant_id = ${tenantId} and u.id = ${userId} and u.status = 'active' and ${holdsSuperAdmin}) as holds`.execute(
    tx,
  );
  return row.rows[0]!.holds && (await countActiveSuperAdmins(tx, tenantId)) === 1;
}

export async function hasActiveSuperAdmin(tx: Tx, tenantId: string): Promise<boolean> {
  const row = await sql<{ found: boolean }>`select ${anActiveSuperAdmin(tenantId)} as found`.execute(tx);
  return row.rows[0]!.found;
}

export async function lockSuperAdmins(tx: Tx, tenantId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`rollcall:super_admins:${tenantId}`}, 0))`.execute(
    tx,
  );
}

/** The lock, then the first look, in one statement (the lock is the row the look is made for). */
async function lockThenCheck(tx: Tx, tenantId: string): Promise<boolean> {
  const row = await sql<{ found: boolean }>`
    select ${anActiveSuperAdmin(tenantId)} as found
      from (select pg_advisory_xact_lock(hashtextextended(${`rollcall:super_admins:${tenantId}`}, 0)) offset 0) as locked`.execute(
    tx,
  );
  return row.rows[0]!.found;
}

/**
 * The user is an active Super Admin now — read with the user's row locked, as the change would lock
 * it, so no grant of the role can slip in between.
 */
async function isActiveSuperAdmin(tx: Tx, tenantId: string, userId: string): Promise<boolean> {
  const row = await sql<{ holds: boolean }>`
    select u.status = 'active' and ${holdsSuperAdmin} as holds
      from users u where u.tenant_id = ${tenantId} and u.id = ${userId}
       for update of u`.execute(tx);
  return row.rows[0]?.holds ?? false;
}

export async function keepingASuperAdmin<T>(tx: Tx, tenantId: string, change: () => Promise<T>): Promise<T> {
  const before = await lockThenCheck(tx, tenantId);
  const result = await change();
  if (before && !(await hasActiveSuperAdmin(tx, tenantId))) throw AccessErrors.lastSuperAdmin();
  return result;
}

/**
 * For a change that touches one user (their status, groups, roles, profile): unless they are a
 * Super Admin now, it cannot take the last one away, and the tenant lock and both looks are skipped.
 */
export async function keepingASuperAdminFor<T>(
  tx: Tx,
  tenantId: string,
  userId: string,
  change: () => Promise<T>,
): Promise<T> {
  if (!(await isActiveSuperAdmin(tx, tenantId, userId))) return change();
  return keepingASuperAdmin(tx, tenantId, change);
}

/**
 * Whether blocking `userId`'s sign-in (a duration transfer that disables it) would leave the tenant
 * with no Super Admin able to sign in at `at`: the same guard as suspending them (rule 14), for a
 * block that is not a status.
 */
export async function blockWouldStrandTenant(
  tx: Tx,
  tenantId: string,
  userId: string,
  at: Date,
): Promise<boolean> {
  const row = await sql<{ isOne: boolean; others: number }>`
    select exists (select 1 from users u where u.tenant_id = ${tenantId} and u.id = ${userId}
                     and u.status = 'active' and ${holdsSuperAdmin}) as "isOne",
           (select count(*)::int from users u
             where u.tenant_id = ${tenantId} and u.id <> ${userId} and u.status = 'active'
               and (u.sign_in_blocked_until is null or u.sign_in_blocked_until <= ${at})
               and ${holdsSuperAdmin}) as others`.execute(tx);
  return row.rows[0]!.isOne && row.rows[0]!.others === 0;
}
