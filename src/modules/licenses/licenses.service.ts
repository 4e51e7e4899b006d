import { sql } from 'kysely';
import { recordAudit } from '../../platform/audit.ts';
import { type Tx, withTenantTx } from '../../platform/db.ts';
import { queueMail } from '../../platform/mail.ts';
import type { Platform } from '../../platform/platform.ts';
import { authorize } from '../access/authorize.ts';
import { escapeHtml } from '../notifications/templates.ts';
import { type Caller, loadScopedUser } from '../users/users.service.ts';
import { LicenseErrors } from './licenses.errors.ts';

/**
 * Rule 16: licence pools. Assigning takes a seat and is refused when none is free; unassigning,
 * archiving and removal free it; suspension keeps it. The pool row is locked while a seat is taken,
 * so parallel assignments count exactly. Crossing 90% of a pool emails the tenant's admins, once per
 * crossing.
 */
export const PEOPLE = 'people';
const ALERT_SHARE = 0.9;

async function usage(tx: Tx, tenantId: string, type: string): Promise<number> {
  const row = await tx
    .selectFrom('licenseAssignments')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('tenantId', '=', tenantId)
    .where('type', '=', type)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listPools(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'licenses.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const pools = await tx
      .selectFrom('licensePools')
      .selectAll()
      .where('tenantId', '=', caller.ctx.tenantId)
      .orderBy('type')
      .execute();
    const items = [];
    for (const p of pools) {
      const used = await usage(tx, p.tenantId, p.type);
      items.push({
        type: p.type,
        quantity: p.quantity,
        used,
        free: Math.max(0, p.quantity - used),
        updatedAt: p.updatedAt,
      });
    }
    if (!items.some((i) => i.type === PEOPLE))
      items.unshift({ type: PEOPLE, quantity: 0, used: 0, free: 0, updatedAt: null as never });
    return { items };
  });
}

/**
 * The provider sets its customers' quantities (and its own): a customer's admins cannot raise
 * their own. Lowering below what is assigned is refused.
 */
export async function setPools(
  platform: Platform,
  caller: Caller,
  tenant: { id: string; parentId: string | null },
  pools: Array<{ type: string; quantity: number }>,
) {
  authorize(caller.principal, 'licenses.manage');
  const ownProvider = tenant.parentId === null ? tenant.id : tenant.parentId;
  if (caller.principal.tenantId !== ownProvider) throw LicenseErrors.providerOnly();
  await withTenantTx(platform.db, tenant.id, async (tx) => {
    for (const p of pools) {
      const current = await tx
        .selectFrom('licensePools')
        .selectAll()
        .where('tenantId', '=', tenant.id)
        .where('type', '=', p.type)
        .forUpdate()
        .executeTakeFirst();
      const used = current ? await usage(tx, tenant.id, p.type) : 0;
      if (p.quantity < used) throw LicenseErrors.belowUsage(p.type, used);
      await sql`insert into license_pools (tenant_id, type, quantity, updated_at) values (${tenant.id}, ${p.type}, ${p.quantity}, ${caller.ctx.clock.now()})
                on conflict (tenant_id, type) do update set quantity = excluded.quantity, updated_at = excluded.updated_at,
                  alert_raised = license_pools.alert_raised and ${used}::int >= excluded.quantity * ${ALERT_SHARE}::numeric`.execute(
        tx,
      );
      await recordAudit(tx, caller.ctx, {
        action: 'license.pool_changed',
        target: { type: 'license_pool', id: p.type, label: p.type },
        before: current ? { quantity: current.quantity } : null,
        after: { quantity: p.quantity, used },
      });
    }
  });
  return listPools(platform, caller);
}

export async function hasLicense(tx: Tx, tenantId: string, userId: string, type = PEOPLE): Promise<boolean> {
  const row = await tx
    .selectFrom('licenseAssignments')
    .select('userId')
    .where('tenantId', '=', tenantId)
    .where('type', '=', type)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function assignLicense(platform: Platform, caller: Caller, userId: string, type = PEOPLE) {
  authorize(caller.principal, 'licenses.assign');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const tenantId = caller.ctx.tenantId;
    const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
    if (user.status === 'archived' || user.status === 'removed') throw LicenseErrors.userNotActive();
    // the pool row lock: parallel assignments queue here and each counts the seats the one before took
    const pool = await tx
      .selectFrom('licensePools')
      .selectAll()
      .where('tenantId', '=', tenantId)
      .where('type', '=', type)
      .forUpdate()
      .executeTakeFirst();
    if (!pool) throw LicenseErrors.noneFree(type, 0);
    if (await hasLicense(tx, tenantId, userId, type)) return { changed: false };
    const used = await usage(tx, tenantId, type);
    if (used >= pool.quantity) throw LicenseErrors.noneFree(type, pool.quantity);
    await tx
      .insertInto('licenseAssignments')
      .values({
        tenantId,
        type,
        userId,
        assignedAt: caller.ctx.clock.now(),
        assignedBy: caller.principal.userId,
      })
      .execute();
    await recordAudit(tx, caller.ctx, {
      action: 'license.assigned',
      target: { type: 'user', id: userId, label: `${user.firstName} ${user.lastName}` },
      after: { type, used: used + 1, quantity: pool.quantity },
    });
    if (!pool.alertRaised && used + 1 >= pool.quantity * ALERT_SHARE)
      await raiseAlert(platform, tx, caller, type, used + 1, pool.quantity);
    return { changed: true };
  });
}

async function raiseAlert(
  platform: Platform,
  tx: Tx,
  caller: Caller,
  type: string,
  used: number,
  quantity: number,
) {
  const tenantId = caller.ctx.tenantId;
  await tx
    .updateTable('licensePools')
    .set({ alertRaised: true })
    .where('tenantId', '=', tenantId)
    .where('type', '=', type)
    .execute();
  const tenant = await tx
    .selectFrom('tenants')
    .select('name')
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow();
  const admins = await tx
    .selectFrom('users as u')
    .innerJoin('userRoles as ur', (j) =>
      j.onRef('ur.tenantId', '=', 'u.tenantId').onRef('ur.userId', '=', 'u.id'),
    )
    .innerJoin('roles as r', (j) => j.onRef('r.tenantId', '=', 'ur.tenantId').onRef('r.id', '=', 'ur.roleId'))
    .select(['u.id', 'u.email', 'u.firstName'])
    .distinct()
    .where('u.tenantId', '=', tenantId)
    .where('u.status', '=', 'active')
    .where('u.email', 'is not', null)
    .where('r.key', 'in', ['super_admin', 'tenant_admin'])
    .execute();
  const share = Math.round((used / Math.max(1, quantity)) * 100);
  for (const admin of admins) {
    const text = `Hello ${admin.firstName},\n\n${used} of ${quantity} ${type} licences of ${tenant.name} are in use (${share}%). Free some or ask your provider for more before they run out.\n`;
    const html = `<p>Hello ${escapeHtml(admin.firstName)},</p><p><b>${used} of ${quantity}</b> ${escapeHtml(type)} licences of ${escapeHtml(tenant.name)} are in use (${share}%).</p><p>Free some or ask your provider for more before they run out.</p>`;
    await queueMail(platform, tx, caller.ctx, {
      to: admin.email!,
      toUserId: admin.id,
      kind: 'license_alert',
      subject: `${tenant.name}: ${share}% of ${type} licences in use`,
      text,
      html,
    });
  }
  await recordAudit(tx, caller.ctx, {
    action: 'license.alert_raised',
    target: { type: 'license_pool', id: type, label: type },
    after: { used, quantity, notified: admins.length },
  });
}

/** Frees a user's seats; default-group-member slots (which need a licence, rule 7) are cleared too. */
export async function releaseLicensesInTx(tx: Tx, caller: Caller, userId: string) {
  const tenantId = caller.ctx.tenantId;
  const released = await tx
    .deleteFrom('licenseAssignments')
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .returning('type')
    .execute();
  const cleared = await tx
    .updateTable('groups')
    .set({ defaultMemberId: null, updatedAt: caller.ctx.clock.now() })
    .where('tenantId', '=', tenantId)
    .where('defaultMemberId', '=', userId)
    .returning(['id', 'name'])
    .execute();
  for (const { type } of released) await rearmAlertIfBelow(tx, tenantId, type);
  return { released: released.map((r) => r.type), clearedDefaultMemberOf: cleared };
}

/** After seats were freed: once usage is below 90% again, the next crossing alerts again. */
export async function rearmAlertIfBelow(tx: Tx, tenantId: string, type: string) {
  const pool = await tx
    .selectFrom('licensePools')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('type', '=', type)
    .forUpdate()
    .executeTakeFirst();
  if (pool?.alertRaised && (await usage(tx, tenantId, type)) < pool.quantity * ALERT_SHARE) {
    await tx
      .updateTable('licensePools')
      .set({ alertRaised: false })
      .where('tenantId', '=', tenantId)
      .where('type', '=', type)
      .execute();
  }
}

export async function unassignLicense(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'licenses.assign');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) => unassignLicenseInTx(tx, caller, userId));
}

/** Frees a user's seats inside a caller's transaction, with its audit event: flow steps reuse it. */
export async function unassignLicenseInTx(tx: Tx, caller: Caller, userId: string) {
  authorize(caller.principal, 'licenses.assign');
  const user = await loadScopedUser(tx, caller, userId, { forUpdate: true, allowRemoved: true });
  const result = await releaseLicensesInTx(tx, caller, userId);
  if (result.released.length > 0) {
    await recordAudit(tx, caller.ctx, {
      action: 'license.unassigned',
      target: { type: 'user', id: userId, label: `${user.firstName} ${user.lastName}` },
      after: result,
    });
  }
  return result;
}
