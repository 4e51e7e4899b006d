import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import { actorMasters } from '../../platform/context.ts';
import { type Tx, withTenantTx } from '../../platform/db.ts';
import type { Platform } from '../../platform/platform.ts';
import { AccessErrors } from '../access/access.errors.ts';
import * as accessRepo from '../access/access.repository.ts';
import { assertWithinCeiling, authorize } from '../access/authorize.ts';
import { keepingASuperAdmin, keepingASuperAdminFor } from '../access/super-admins.ts';
import { hasLicense } from '../licenses/licenses.service.ts';
import * as usersRepo from '../users/users.repository.ts';
import {
  assertGroupRolesWithinCeiling,
  type Caller,
  initials,
  loadScopedUser,
} from '../users/users.service.ts';
import { GroupErrors } from './groups.errors.ts';
import * as repo from './groups.repository.ts';
import type { CreateGroupBody, UnassignGroupRoleBody, UpdateGroupBody } from './groups.schemas.ts';

type GroupListRow = Awaited<ReturnType<typeof repo.listGroups>>[number];

function toApiGroup(g: GroupListRow) {
  const person = (id: string | null, first: string | null, last: string | null) =>
    id && first !== null && last !== null
      ? { id, firstName: first, lastName: last, initials: initials(first, last) }
      : null;
  return {
    id: g.id,
    name: g.name,
    isDefault: g.isDefault,
    role: g.roleId ? { id: g.roleId, name: g.roleName ?? '' } : null,
    defaultMember: person(g.defaultMemberId, g.defaultMemberFirstName, g.defaultMemberLastName),
    owner: person(g.ownerId, g.ownerFirstName, g.ownerLastName),
    memberCount: Number(g.memberCount ?? 0),
    source: g.source,
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
  };
}

async function groupView(tx: Tx, tenantId: string, groupId: string) {
  const row = (await repo.listGroups(tx, tenantId)).find((g) => g.id === groupId);
  if (!row) throw GroupErrors.notFound();
  return toApiGroup(row);
}

// ---------------------------------------------------------------- queries

export async function listGroups(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'groups.read');
  const rows = await withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    repo.listGroups(tx, caller.ctx.tenantId),
  );
  return { items: rows.map(toApiGroup) };
}

export async function getGroup(platform: Platform, caller: Caller, groupId: string) {
  authorize(caller.principal, 'groups.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) => groupView(tx, caller.ctx.tenantId, groupId));
}

// ---------------------------------------------------------------- commands (rules 6–8)

export async function createGroup(platform: Platform, caller: Caller, body: CreateGroupBody) {
  authorize(caller.principal, 'groups.manage');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) => createGroupInTx(tx, caller, body));
}

/** Rule 4a: a group a directory provisioned names it, with the directory's id for it. */
export interface GroupOrigin {
  source: 'scim' | 'ldap' | 'sso';
  externalId?: string | null;
}

export async function createGroupInTx(tx: Tx, caller: Caller, body: CreateGroupBody, origin?: GroupOrigin) {
  authorize(caller.principal, 'groups.manage');
  const tenantId = caller.ctx.tenantId;
  if (body.roleId) {
    const role = await accessRepo.findRole(tx, tenantId, body.roleId);
    if (!role) throw AccessErrors.unknownRoles([body.roleId]);
    assertWithinCeiling(caller.principal, role.permissions);
  }
  // the creator owns the group (rule 17); provider staff acting in a customer are not its members,
  // and a directory's token is nobody
  const ownerId =
    caller.principal.tenantId === tenantId && caller.principal.via !== 'scim_token'
      ? caller.principal.userId
      : null;
  const name = body.name.trim();
  const id = uuidv7();
  try {
    await repo.insertGroup(tx, {
      tenantId,
      id,
      name,
      ownerId,
      roleId: body.roleId ?? null,
      ...(origin ? { source: origin.source, externalId: origin.externalId ?? null } : {}),
    });
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw GroupErrors.nameTaken(name);
    throw error;
  }
  await recordAudit(tx, caller.ctx, {
    action: 'group.created',
    target: { type: 'group', id, label: name },
    after: {
      name,
      roleId: body.roleId ?? null,
      ownerId,
      ...(origin ? { source: origin.source, externalId: origin.externalId ?? null } : {}),
    },
  });
  return groupView(tx, tenantId, id);
}

export async function updateGroup(
  platform: Platform,
  caller: Caller,
  groupId: string,
  body: UpdateGroupBody,
) {
  authorize(caller.principal, 'groups.manage');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) => updateGroupInTx(tx, caller, groupId, body));
}

export async function updateGroupInTx(
  tx: Tx,
  caller: Caller,
  groupId: string,
  body: UpdateGroupBody,
  origin?: GroupOrigin,
) {
  authorize(caller.principal, 'groups.manage');
  const tenantId = caller.ctx.tenantId;
  return keepingASuperAdmin(tx, tenantId, async () => {
    const group = await repo.findGroup(tx, tenantId, groupId, { forUpdate: true });
    if (!group) throw GroupErrors.notFound();
    const changes: Record<string, unknown> = {};
    if (body.name !== undefined && body.name.trim() !== group.name) {
      if (group.isDefault) throw GroupErrors.defaultUnrenamable();
      if (!actorMasters(caller.ctx.actor, group.source)) throw GroupErrors.mastered(group.source!);
      changes.name = body.name.trim();
    }
    // the Default group stays Rollcall's: a directory may fill it but never takes it over
    if (origin && !group.isDefault) {
      if (!actorMasters(caller.ctx.actor, group.source)) throw GroupErrors.mastered(group.source!);
      // a directory changes the groups it provisioned, never one an administrator made (which may carry
      // a privileged group role and is named and filled in Rollcall)
      if (group.source === null) throw GroupErrors.managedInRollcall(origin.source);
      if (group.source !== origin.source) changes.source = origin.source;
      if (origin.externalId !== undefined && origin.externalId !== group.externalId)
        changes.externalId = origin.externalId;
    }
    if (body.roleId !== undefined && body.roleId !== group.roleId) {
      // a new group role is granted to every member: the ceiling applies to it, and to the one it replaces
      const ids = [body.roleId, group.roleId].filter((r): r is string => r !== null);
      const roles = await accessRepo.findRoles(tx, tenantId, ids);
      if (body.roleId && !roles.some((r) => r.id === body.roleId))
        throw AccessErrors.unknownRoles([body.roleId]);
      assertWithinCeiling(
        caller.principal,
        roles.flatMap((r) => r.permissions),
      );
      changes.roleId = body.roleId;
    }
    if (body.defaultMemberId !== undefined && body.defaultMemberId !== group.defaultMemberId) {
      if (body.defaultMemberId !== null) {
        // rule 7: the default member receives the group's work, so must be an active member
        const members = await repo.memberIds(tx, tenantId, groupId);
        if (!members.includes(body.defaultMemberId)) throw GroupErrors.defaultMemberNotMember();
        const member = await usersRepo.findUser(tx, tenantId, body.defaultMemberId);
        if (member?.status !== 'active') throw GroupErrors.defaultMemberInactive();
        if (!(await hasLicense(tx, tenantId, body.defaultMemberId)))
          throw GroupErrors.defaultMemberUnlicensed();
      }
      changes.defaultMemberId = body.defaultMemberId;
    }
    if (Object.keys(changes).length === 0) return groupView(tx, tenantId, groupId);
    try {
      await repo.updateGroup(tx, tenantId, groupId, { ...changes, updatedAt: caller.ctx.clock.now() });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw GroupErrors.nameTaken(String(changes.name));
      throw error;
    }
    const before = Object.fromEntries(
      Object.keys(changes).map((k) => [k, (group as Record<string, unknown>)[k]]),
    );
    await recordAudit(tx, caller.ctx, {
      action: 'group.updated',
      target: { type: 'group', id: groupId, label: (changes.name as string) ?? group.name },
      before,
      after: changes,
    });
    return groupView(tx, tenantId, groupId);
  });
}

/**
 * Deleting a custom group (never Default, rule 6): members for whom it was the only group move to
 * Default, so nobody is left without a group.
 */
export async function deleteGroup(platform: Platform, caller: Caller, groupId: string) {
  authorize(caller.principal, 'groups.manage');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) => deleteGroupInTx(tx, caller, groupId));
}

export async function deleteGroupInTx(tx: Tx, caller: Caller, groupId: string) {
  authorize(caller.principal, 'groups.manage');
  const tenantId = caller.ctx.tenantId;
  return keepingASuperAdmin(tx, tenantId, async () => {
    const group = await repo.findGroup(tx, tenantId, groupId, { forUpdate: true });
    if (!group) throw GroupErrors.notFound();
    if (group.isDefault) throw GroupErrors.defaultUndeletable();
    if (!actorMasters(caller.ctx.actor, group.source)) throw GroupErrors.mastered(group.source!);
    const members = await repo.memberIds(tx, tenantId, groupId);
    await repo.deleteGroup(tx, tenantId, groupId);
    const orphans = await repo.usersWithoutGroup(tx, tenantId, members);
    const defaultGroupId = (await repo.findDefaultGroupId(tx, tenantId))!;
    for (const userId of orphans) await repo.addMember(tx, tenantId, defaultGroupId, userId);
    await recordAudit(tx, caller.ctx, {
      action: 'group.deleted',
      target: { type: 'group', id: groupId, label: group.name },
      before: { name: group.name, roleId: group.roleId, memberIds: members },
      after: { movedToDefault: orphans },
    });
    return { movedToDefault: orphans };
  });
}

/**
 * Rule 8: unassigning a group role either takes it from every member, or lets every member but the
 * one named keep it as a direct role.
 */
export async function unassignGroupRole(
  platform: Platform,
  caller: Caller,
  groupId: string,
  body: UnassignGroupRoleBody,
) {
  authorize(caller.principal, 'groups.manage');
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, (tx) =>
    keepingASuperAdmin(tx, tenantId, async () => {
      const group = await repo.findGroup(tx, tenantId, groupId, { forUpdate: true });
      if (!group) throw GroupErrors.notFound();
      if (!group.roleId) throw GroupErrors.noGroupRole();
      const role = (await accessRepo.findRole(tx, tenantId, group.roleId))!;
      assertWithinCeiling(caller.principal, role.permissions);
      const members = await repo.memberIds(tx, tenantId, groupId);
      if (body.exceptUserId && !members.includes(body.exceptUserId)) throw GroupErrors.exceptUserNotMember();
      const keepers =
        body.mode === 'keep_individually' ? members.filter((id) => id !== body.exceptUserId) : [];
      for (const userId of keepers) await accessRepo.assignDirectRole(tx, tenantId, userId, role.id);
      await repo.updateGroup(tx, tenantId, groupId, { roleId: null, updatedAt: caller.ctx.clock.now() });
      await recordAudit(tx, caller.ctx, {
        action: 'group.role_unassigned',
        target: { type: 'group', id: groupId, label: group.name },
        before: { roleId: role.id, roleName: role.name },
        after: { mode: body.mode, exceptUserId: body.exceptUserId ?? null, keptIndividuallyBy: keepers },
      });
      return groupView(tx, tenantId, groupId);
    }),
  );
}

// ---------------------------------------------------------------- membership (rule 6)

/** Replaces a user's groups; at least one must remain. */
export async function setUserGroups(platform: Platform, caller: Caller, userId: string, groupIds: string[]) {
  authorize(caller.principal, 'groups.manage');
  await withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    setUserGroupsInTx(tx, caller, userId, groupIds),
  );
}

export async function setUserGroupsInTx(tx: Tx, caller: Caller, userId: string, groupIds: string[]) {
  authorize(caller.principal, 'groups.manage');
  const tenantId = caller.ctx.tenantId;
  if (groupIds.length === 0) throw GroupErrors.lastGroup([userId]);
  return keepingASuperAdminFor(tx, tenantId, userId, async () => {
    const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
    const wanted = [...new Set(groupIds)];
    const groups = await repo.findGroups(tx, tenantId, wanted);
    if (groups.length !== wanted.length)
      throw GroupErrors.unknownGroups(wanted.filter((g) => !groups.some((x) => x.id === g)));
    const current = await repo.groupIdsOf(tx, tenantId, userId);
    const added = wanted.filter((g) => !current.includes(g));
    const removed = current.filter((g) => !wanted.includes(g));
    if (added.length === 0 && removed.length === 0) return { changed: false };
    const all = await repo.findGroups(tx, tenantId, [...added, ...removed]);
    // rule 4a: who belongs to a provisioned group is the directory's to say
    const mastered = all.find((g) => !actorMasters(caller.ctx.actor, g.source));
    if (mastered) throw GroupErrors.mastered(mastered.source!);
    await assertGroupRolesWithinCeiling(tx, caller, all);
    for (const g of added) await repo.addMember(tx, tenantId, g, userId);
    for (const g of removed) {
      await repo.removeMember(tx, tenantId, g, userId);
      const group = all.find((x) => x.id === g)!;
      if (group.defaultMemberId === userId)
        await repo.updateGroup(tx, tenantId, g, { defaultMemberId: null, updatedAt: caller.ctx.clock.now() });
    }
    const names = (ids: string[]) =>
      ids.map((id) => [...groups, ...all].find((g) => g.id === id)?.name ?? id).sort();
    await recordAudit(tx, caller.ctx, {
      action: 'user.groups_changed',
      target: { type: 'user', id: userId, label: `${user.firstName} ${user.lastName}` },
      before: { groups: names(current) },
      after: { groups: names(wanted) },
    });
    return { changed: true };
  });
}

export async function changeUserGroupsInTx(
  tx: Tx,
  caller: Caller,
  userId: string,
  op: 'add' | 'remove',
  groupIds: string[],
) {
  const current = await repo.groupIdsOf(tx, caller.ctx.tenantId, userId);
  const next =
    op === 'add' ? [...new Set([...current, ...groupIds])] : current.filter((g) => !groupIds.includes(g));
  if (next.length === 0) throw GroupErrors.lastGroup([userId]);
  return setUserGroupsInTx(tx, caller, userId, next);
}

export async function addMembers(platform: Platform, caller: Caller, groupId: string, userIds: string[]) {
  authorize(caller.principal, 'groups.manage');
  await withTenantTx(platform.db, caller.ctx.tenantId, (tx) => addMembersInTx(tx, caller, groupId, userIds));
  return getGroup(platform, caller, groupId);
}

export async function addMembersInTx(tx: Tx, caller: Caller, groupId: string, userIds: string[]) {
  authorize(caller.principal, 'groups.manage');
  if (!(await repo.findGroup(tx, caller.ctx.tenantId, groupId))) throw GroupErrors.notFound();
  for (const userId of userIds) await changeUserGroupsInTx(tx, caller, userId, 'add', [groupId]);
}

export async function removeMember(platform: Platform, caller: Caller, groupId: string, userId: string) {
  authorize(caller.principal, 'groups.manage');
  await withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    removeMembersInTx(tx, caller, groupId, [userId]),
  );
  return getGroup(platform, caller, groupId);
}

export async function removeMembersInTx(tx: Tx, caller: Caller, groupId: string, userIds: string[]) {
  authorize(caller.principal, 'groups.manage');
  if (!(await repo.findGroup(tx, caller.ctx.tenantId, groupId))) throw GroupErrors.notFound();
  for (const userId of userIds) {
    await loadScopedUser(tx, caller, userId);
    await changeUserGroupsInTx(tx, caller, userId, 'remove', [groupId]);
  }
}
