import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import { type Tx, withSystemTx, withTenantTx } from '../../platform/db.ts';
import type { Role } from '../../platform/db-schema.ts';
import { AppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import { assertValidCidrs } from '../auth/ip-restrictions.ts';
import { UserErrors } from '../users/users.errors.ts';
import { type Caller, loadScopedUser } from '../users/users.service.ts';
import { AccessErrors } from './access.errors.ts';
import * as repo from './access.repository.ts';
import type { CreateRoleBody, OverridesBody, UpdateRoleBody } from './access.schemas.ts';
import {
  assertCustomerReachWithinCeiling,
  assertKnownPermissions,
  assertWithinCeiling,
  authorize,
} from './authorize.ts';
import { evaluatePermissions, type PermissionSource } from './evaluator.ts';
import { EXTERNAL_CEILING, PERMISSION_CATALOG } from './permissions.catalog.ts';
import { keepingASuperAdmin, keepingASuperAdminFor } from './super-admins.ts';

export function catalog() {
  return { items: PERMISSION_CATALOG.map((p) => ({ ...p, external: p.external ?? false })) };
}

export function toApiRole(
  r: Role & { userCount?: string | number | null; groupCount?: string | number | null },
) {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    description: r.description,
    predefined: r.key !== null,
    permissions: [...r.permissions].sort(),
    customerAccess: r.customerAccess,
    customerTenantIds: r.customerTenantIds,
    ipRanges: r.ipRanges,
    userCount: Number(r.userCount ?? 0),
    groupCount: Number(r.groupCount ?? 0),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

// ---------------------------------------------------------------- roles (rules 9, 10)

export async function listRoles(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'roles.read');
  const rows = await withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    repo.listRoles(tx, caller.ctx.tenantId),
  );
  return { items: rows.map(toApiRole) };
}

export async function getRole(platform: Platform, caller: Caller, roleId: string) {
  authorize(caller.principal, 'roles.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const role = await repo.findRole(tx, caller.ctx.tenantId, roleId);
    if (!role) throw AccessErrors.roleNotFound();
    return toApiRole({ ...role, ...(await repo.countRoleUse(tx, caller.ctx.tenantId, roleId)) } as never);
  });
}

async function checkCustomerReach(
  caller: Caller,
  tenantKind: string,
  body: { customerAccess?: string; customerTenantIds?: string[] },
  platform: Platform,
) {
  const access = body.customerAccess ?? 'none';
  if (access !== 'none' && tenantKind !== 'provider') throw AccessErrors.customerAccessInCustomer();
  const ids = body.customerTenantIds ?? [];
  if (ids.length > 0) {
    const found = await withSystemTx(platform.db, (tx) =>
      tx
        .selectFrom('tenants')
        .select('id')
        .where('parentId', '=', caller.ctx.tenantId)
        .where('id', 'in', ids)
        .execute(),
    );
    if (found.length !== new Set(ids).size) throw AccessErrors.foreignCustomer();
  }
  assertCustomerReachWithinCeiling(caller.principal, { customerAccess: access, customerTenantIds: ids });
}

export async function createRole(
  platform: Platform,
  caller: Caller,
  tenantKind: string,
  body: CreateRoleBody,
) {
  authorize(caller.principal, 'roles.manage');
  assertKnownPermissions(body.permissions);
  assertWithinCeiling(caller.principal, body.permissions);
  await checkCustomerReach(caller, tenantKind, body, platform);
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const row = {
      tenantId: caller.ctx.tenantId,
      id: uuidv7(),
      key: null,
      name: body.name.trim(),
      description: body.description?.trim() ?? '',
      permissions: [...new Set(body.permissions)].sort(),
      customerAccess: body.customerAccess ?? 'none',
      customerTenantIds: body.customerTenantIds ?? [],
      ipRanges: body.ipRanges ? assertValidCidrs(body.ipRanges, 'body/ipRanges') : [],
    };
    let role: Role;
    try {
      role = await tx.insertInto('roles').values(row).returningAll().executeTakeFirstOrThrow();
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw AccessErrors.nameTaken(row.name);
      throw error;
    }
    await recordAudit(tx, caller.ctx, {
      action: 'role.created',
      target: { type: 'role', id: role.id, label: role.name },
      after: {
        name: role.name,
        description: role.description,
        permissions: role.permissions,
        customerAccess: role.customerAccess,
      },
    });
    return toApiRole(role);
  });
}

/**
 * Editing a custom role changes what every holder may do, so adding a permission is granting it
 * (rule 13); removing one the editor does not hold is refused too (no one edits above themselves).
 */
export async function updateRole(
  platform: Platform,
  caller: Caller,
  tenantKind: string,
  roleId: string,
  body: UpdateRoleBody,
) {
  authorize(caller.principal, 'roles.manage');
  if (body.permissions) assertKnownPermissions(body.permissions);
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const role = await tx
      .selectFrom('roles')
      .selectAll()
      .where('tenantId', '=', caller.ctx.tenantId)
      .where('id', '=', roleId)
      .forUpdate()
      .executeTakeFirst();
    if (!role) throw AccessErrors.roleNotFound();
    if (role.key !== null) throw AccessErrors.predefinedImmutable();
    if (body.permissions) {
      const next = new Set(body.permissions);
      const added = body.permissions.filter((p) => !role.permissions.includes(p));
      const removed = role.permissions.filter((p) => !next.has(p));
      assertWithinCeiling(caller.principal, [...added, ...removed]);
    }
    if (body.customerAccess !== undefined || body.customerTenantIds !== undefined) {
      await checkCustomerReach(
        caller,
        tenantKind,
        {
          customerAccess: body.customerAccess ?? role.customerAccess,
          customerTenantIds: body.customerTenantIds ?? role.customerTenantIds,
        },
        platform,
      );
    }
    let updated: Role;
    try {
      updated = await tx
        .updateTable('roles')
        .set({
          ...(body.name !== undefined ? { name: body.name.trim() } : {}),
          ...(body.description !== undefined ? { description: body.description.trim() } : {}),
          ...(body.permissions !== undefined ? { permissions: [...new Set(body.permissions)].sort() } : {}),
          ...(body.customerAccess !== undefined ? { customerAccess: body.customerAccess } : {}),
          ...(body.customerTenantIds !== undefined ? { customerTenantIds: body.customerTenantIds } : {}),
          ...(body.ipRanges !== undefined
            ? { ipRanges: assertValidCidrs(body.ipRanges, 'body/ipRanges') }
            : {}),
          updatedAt: caller.ctx.clock.now(),
        })
        .where('tenantId', '=', caller.ctx.tenantId)
        .where('id', '=', roleId)
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw AccessErrors.nameTaken(body.name ?? '');
      throw error;
    }
    const view = (r: Role) => ({
      name: r.name,
      description: r.description,
      permissions: r.permissions,
      customerAccess: r.customerAccess,
      customerTenantIds: r.customerTenantIds,
    });
    await recordAudit(tx, caller.ctx, {
      action: 'role.updated',
      target: { type: 'role', id: roleId, label: updated.name },
      before: view(role),
      after: view(updated),
    });
    return toApiRole({ ...updated, ...(await repo.countRoleUse(tx, caller.ctx.tenantId, roleId)) } as never);
  });
}

export async function deleteRole(platform: Platform, caller: Caller, roleId: string) {
  authorize(caller.principal, 'roles.manage');
  await withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const role = await repo.findRole(tx, caller.ctx.tenantId, roleId);
    if (!role) throw AccessErrors.roleNotFound();
    if (role.key !== null) throw AccessErrors.predefinedImmutable();
    assertWithinCeiling(caller.principal, role.permissions);
    const use = await repo.countRoleUse(tx, caller.ctx.tenantId, roleId);
    if (use.users > 0 || use.groups > 0) throw AccessErrors.roleInUse(use.users, use.groups);
    // tombstoned holders (removed users) keep no roles worth keeping
    await tx
      .deleteFrom('userRoles')
      .where('tenantId', '=', caller.ctx.tenantId)
      .where('roleId', '=', roleId)
      .execute();
    await tx
      .deleteFrom('roles')
      .where('tenantId', '=', caller.ctx.tenantId)
      .where('id', '=', roleId)
      .execute();
    await recordAudit(tx, caller.ctx, {
      action: 'role.deleted',
      target: { type: 'role', id: roleId, label: role.name },
      before: { name: role.name, permissions: role.permissions },
    });
  });
}

// ---------------------------------------------------------------- a user's direct roles (rules 12–14)

export async function setUserRoles(platform: Platform, caller: Caller, userId: string, roleIds: string[]) {
  authorize(caller.principal, 'roles.manage');
  await withTenantTx(platform.db, caller.ctx.tenantId, (tx) => setUserRolesInTx(tx, caller, userId, roleIds));
  return userRoles(platform, caller, userId);
}

export async function setUserRolesInTx(tx: Tx, caller: Caller, userId: string, roleIds: string[]) {
  authorize(caller.principal, 'roles.manage');
  const tenantId = caller.ctx.tenantId;
  if (roleIds.length === 0) throw AccessErrors.lastDirectRole();
  return keepingASuperAdminFor(tx, tenantId, userId, async () => {
    const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
    const current = await repo.directRoleIdsOf(tx, tenantId, userId);
    const wanted = [...new Set(roleIds)];
    const found = await repo.findRoles(tx, tenantId, [...new Set([...wanted, ...current])]);
    const missing = wanted.filter((id) => !found.some((r) => r.id === id));
    if (missing.length > 0) throw AccessErrors.unknownRoles(missing);
    const byId = new Map(found.map((r) => [r.id, r]));
    const added = wanted.filter((id) => !current.includes(id));
    const removed = current.filter((id) => !wanted.includes(id));
    if (added.length === 0 && removed.length === 0) return { changed: false };
    // granting a role grants its permissions; taking one away is only for those who could grant it
    assertWithinCeiling(
      caller.principal,
      [...added, ...removed].flatMap((id) => byId.get(id)!.permissions),
    );
    for (const id of removed) await repo.removeDirectRole(tx, tenantId, userId, id);
    for (const id of added) await repo.assignDirectRole(tx, tenantId, userId, id);
    await recordAudit(tx, caller.ctx, {
      action: 'user.roles_changed',
      target: { type: 'user', id: userId, label: `${user.firstName} ${user.lastName}` },
      before: { roles: current.map((id) => byId.get(id)!.name).sort() },
      after: { roles: wanted.map((id) => byId.get(id)!.name).sort() },
    });
    return { changed: true };
  });
}

/** Adds or removes some direct roles (bulk actions); the rest stay. */
export async function changeUserRolesInTx(
  tx: Tx,
  caller: Caller,
  userId: string,
  op: 'add' | 'remove',
  roleIds: string[],
) {
  const current = await repo.directRoleIdsOf(tx, caller.ctx.tenantId, userId);
  const next =
    op === 'add' ? [...new Set([...current, ...roleIds])] : current.filter((id) => !roleIds.includes(id));
  if (op === 'remove' && next.length === 0) throw AccessErrors.lastDirectRole();
  return setUserRolesInTx(tx, caller, userId, next);
}

export async function userRoles(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'roles.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    await loadScopedUser(tx, caller, userId);
    const inputs = await repo.loadAccessInputs(tx, caller.ctx.tenantId, userId);
    return {
      directRoles: inputs.directRoles.map((r) => ({ id: r.id, name: r.name, key: r.key })),
      groupRoles: inputs.groupRoles.map((g) => ({
        id: g.roleId,
        name: g.roleName,
        key: g.key,
        groupId: g.groupId,
        groupName: g.groupName,
      })),
    };
  });
}

// ---------------------------------------------------------------- overrides, tenant defaults

export async function setOverrides(platform: Platform, caller: Caller, userId: string, body: OverridesBody) {
  authorize(caller.principal, 'roles.manage');
  const perms = body.overrides.map((o) => o.permission);
  assertKnownPermissions(perms);
  if (new Set(perms).size !== perms.length) {
    throw new AppError('invalid', 'permission.duplicate', 'Each permission may have one override only.');
  }
  const tenantId = caller.ctx.tenantId;
  await withTenantTx(platform.db, tenantId, async (tx) =>
    keepingASuperAdmin(tx, tenantId, async () => {
      const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
      const current = (await repo.loadAccessInputs(tx, tenantId, userId)).overrides;
      const key = (o: { permission: string; effect: string }) => `${o.effect}:${o.permission}`;
      const changedOverrides = [
        ...body.overrides.filter((o) => !current.some((c) => key(c) === key(o))),
        ...current.filter((c) => !body.overrides.some((o) => key(o) === key(c))),
      ];
      // an override, grant or deny, may only name a permission the caller holds (rule 13)
      assertWithinCeiling(
        caller.principal,
        changedOverrides.map((o) => o.permission),
      );
      const grantsBeyondExternal = body.overrides.filter(
        (o) => o.effect === 'grant' && !EXTERNAL_CEILING.has(o.permission),
      );
      if (user.kind === 'external' && grantsBeyondExternal.length > 0) {
        throw UserErrors.externalCeiling(grantsBeyondExternal.map((o) => o.permission));
      }
      if (changedOverrides.length === 0) return;
      await repo.replaceOverrides(tx, tenantId, userId, body.overrides);
      await recordAudit(tx, caller.ctx, {
        action: 'user.permission_overrides_changed',
        target: { type: 'user', id: userId, label: `${user.firstName} ${user.lastName}` },
        before: { overrides: current },
        after: { overrides: body.overrides },
      });
    }),
  );
  return explainPermissions(platform, caller, userId);
}

export async function getTenantDefaults(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'roles.read');
  const row = await withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    tx
      .selectFrom('tenants')
      .select('defaultPermissions')
      .where('id', '=', caller.ctx.tenantId)
      .executeTakeFirstOrThrow(),
  );
  return { permissions: [...row.defaultPermissions].sort() };
}

export async function setTenantDefaults(platform: Platform, caller: Caller, permissions: string[]) {
  authorize(caller.principal, 'roles.manage');
  assertKnownPermissions(permissions);
  const tenantId = caller.ctx.tenantId;
  await withTenantTx(platform.db, tenantId, async (tx) => {
    const current = await tx
      .selectFrom('tenants')
      .select('defaultPermissions')
      .where('id', '=', tenantId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const next = [...new Set(permissions)].sort();
    const added = next.filter((p) => !current.defaultPermissions.includes(p));
    const removed = current.defaultPermissions.filter((p) => !next.includes(p));
    assertWithinCeiling(caller.principal, [...added, ...removed]);
    if (added.length + removed.length === 0) return;
    await tx
      .updateTable('tenants')
      .set({ defaultPermissions: next, updatedAt: caller.ctx.clock.now() })
      .where('id', '=', tenantId)
      .execute();
    await recordAudit(tx, caller.ctx, {
      action: 'tenant.default_permissions_changed',
      target: { type: 'tenant', id: tenantId },
      before: { permissions: current.defaultPermissions },
      after: { permissions: next },
    });
  });
  return getTenantDefaults(platform, caller);
}

// ---------------------------------------------------------------- explain (rule 11)

function describeSource(s: PermissionSource): string {
  switch (s.type) {
    case 'tenant_default':
      return 'tenant default';
    case 'role':
      return `role ${s.roleName}`;
    case 'group_role':
      return `group role ${s.roleName} via group ${s.groupName}`;
    case 'override':
      return s.effect === 'grant' ? 'granted by an override' : 'denied by an override';
  }
}

export async function explainPermissions(platform: Platform, caller: Caller, userId: string) {
  const self = caller.principal.userId === userId && caller.principal.tenantId === caller.ctx.tenantId;
  if (!self) authorize(caller.principal, 'roles.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    if (!self) await loadScopedUser(tx, caller, userId);
    const inputs = await repo.loadAccessInputs(tx, caller.ctx.tenantId, userId);
    if (!inputs.userKind) throw UserErrors.notFound();
    const result = evaluatePermissions(inputs);
    const entries = (m: ReadonlyMap<string, PermissionSource[]>) =>
      [...m]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([permission, sources]) => ({
          permission,
          sources: sources.map((s) => ({ ...s, label: describeSource(s) })),
        }));
    return {
      userId,
      kind: inputs.userKind,
      permissions: entries(result.sources),
      denied: entries(result.denied),
      cappedByExternalCeiling: entries(result.capped),
      overrides: inputs.overrides,
    };
  });
}
