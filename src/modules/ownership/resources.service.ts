import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import { type Tx, withTenantTx } from '../../platform/db.ts';
import type { ShareLevel } from '../../platform/db-schema.ts';
import type { Platform } from '../../platform/platform.ts';
import { decodeCursor, encodeCursor } from '../../platform/schemas.ts';
import { authorize } from '../access/authorize.ts';
import * as usersRepo from '../users/users.repository.ts';
import { type Caller, initials, loadScopedUser } from '../users/users.service.ts';
import { integrationKinds, isIntegrationKind, ownableKind, ownableKinds } from './ownable-kinds.ts';
import { OwnershipErrors } from './ownership.errors.ts';
import * as repo from './ownership.repository.ts';
import type {
  CreateResourceBody,
  OwnershipsQuery,
  ResourcesQuery,
  SharedChangesBody,
  UpdateResourceBody,
} from './ownership.schemas.ts';
import { announceOwnerChanges, ownedByUser, personRef } from './ownership.service.ts';

/**
 * Rule 17 beyond transfers: resources integrations register (each with one owner), sharing them
 * with users at `view` or `edit`, and changing the owner of one item of any listable kind.
 */
const person = (id: string, firstName: string | null, lastName: string | null) => ({
  id,
  firstName: firstName ?? '',
  lastName: lastName ?? '',
  initials: initials(firstName ?? '', lastName ?? ''),
});
const label = (u: { firstName: string; lastName: string }) => `${u.firstName} ${u.lastName}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An owner or share recipient: a live member the caller may act on. */
async function loadMember(tx: Tx, caller: Caller, userId: string, field: string) {
  const found = await usersRepo.findUser(tx, caller.ctx.tenantId, userId);
  if (!found || found.status === 'removed') throw OwnershipErrors.invalidOwner(field);
  return loadScopedUser(tx, caller, userId, { forUpdate: true });
}

function resourceView(r: Awaited<ReturnType<typeof repo.listResources>>[number]) {
  return {
    id: r.id,
    type: r.type,
    externalId: r.externalId,
    name: r.name,
    url: r.url,
    owner: person(r.ownerId, r.ownerFirstName, r.ownerLastName),
    shareCount: Number(r.shareCount ?? 0),
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

async function loadResourceView(tx: Tx, tenantId: string, id: string) {
  const found = await repo.findResource(tx, tenantId, id);
  if (!found) throw OwnershipErrors.resourceNotFound();
  const [row] = await repo.listResources(tx, tenantId, {
    type: found.type,
    externalId: found.externalId,
    limit: 1,
  });
  return resourceView(row!);
}

// ---------------------------------------------------------------- resources

export async function registerResource(platform: Platform, caller: Caller, body: CreateResourceBody) {
  authorize(caller.principal, 'resources.manage');
  const tenantId = caller.ctx.tenantId;
  const kind = ownableKind(body.type);
  if (!isIntegrationKind(kind))
    throw OwnershipErrors.unknownType(
      body.type,
      integrationKinds().map((k) => k.type),
    );
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const owner = await loadMember(tx, caller, body.ownerId, 'body/ownerId');
    if (owner.status !== 'active') throw OwnershipErrors.invalidOwner();
    const existing = await repo.findResourceByExternalId(tx, tenantId, body.type, body.externalId);
    if (existing) throw OwnershipErrors.resourceExists(existing.id);
    const now = caller.ctx.clock.now();
    const r = await repo.insertResource(tx, {
      tenantId,
      id: uuidv7(),
      type: body.type,
      externalId: body.externalId,
      name: body.name.trim(),
      url: body.url ?? null,
      ownerId: owner.id,
      createdBy: caller.principal.userId,
      createdAt: now,
      updatedAt: now,
    });
    await recordAudit(tx, caller.ctx, {
      action: 'resource.registered',
      target: { type: r.type, id: r.id, label: r.name },
      after: { externalId: r.externalId, name: r.name, url: r.url, ownerId: r.ownerId },
    });
    return loadResourceView(tx, tenantId, r.id);
  });
}

export async function listResources(platform: Platform, caller: Caller, query: ResourcesQuery) {
  authorize(caller.principal, 'resources.read');
  const limit = query.limit ?? 50;
  const after = decodeCursor(query.cursor, 2) as [string, string] | null;
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const rows = await repo.listResources(tx, caller.ctx.tenantId, {
      type: query.type,
      ownerId: query.ownerId,
      externalId: query.externalId,
      q: query.q?.trim() || undefined,
      after: after ? { name: after[0], id: after[1] } : null,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(resourceView),
      nextCursor: rows.length > limit && last ? encodeCursor([last.name, last.id]) : null,
    };
  });
}

export async function getResource(platform: Platform, caller: Caller, id: string) {
  authorize(caller.principal, 'resources.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    loadResourceView(tx, caller.ctx.tenantId, id),
  );
}

export async function updateResource(
  platform: Platform,
  caller: Caller,
  id: string,
  body: UpdateResourceBody,
) {
  authorize(caller.principal, 'resources.manage');
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const r = await repo.findResource(tx, tenantId, id, { forUpdate: true });
    if (!r) throw OwnershipErrors.resourceNotFound();
    const changes = {
      ...(body.name !== undefined ? { name: body.name.trim() } : {}),
      ...(body.url !== undefined ? { url: body.url } : {}),
    };
    const before = { name: r.name, url: r.url };
    const updated = await repo.updateResource(tx, tenantId, id, {
      ...changes,
      updatedAt: caller.ctx.clock.now(),
    });
    if (updated.name !== r.name || updated.url !== r.url) {
      await recordAudit(tx, caller.ctx, {
        action: 'resource.updated',
        target: { type: r.type, id, label: updated.name },
        before,
        after: { name: updated.name, url: updated.url },
      });
    }
    return loadResourceView(tx, tenantId, id);
  });
}

export async function deleteResource(platform: Platform, caller: Caller, id: string) {
  authorize(caller.principal, 'resources.manage');
  const tenantId = caller.ctx.tenantId;
  await withTenantTx(platform.db, tenantId, async (tx) => {
    const r = await repo.findResource(tx, tenantId, id, { forUpdate: true });
    if (!r) throw OwnershipErrors.resourceNotFound();
    await repo.deleteResource(tx, tenantId, id);
    await recordAudit(tx, caller.ctx, {
      action: 'resource.deleted',
      target: { type: r.type, id, label: r.name },
      before: { externalId: r.externalId, name: r.name, ownerId: r.ownerId },
    });
  });
}

// ---------------------------------------------------------------- shares

/** A suspended user gets nothing newly shared (reference 003, blocked users); archived or pending users neither. */
function assertCanReceiveShare(user: { status: string }) {
  if (user.status === 'suspended') throw OwnershipErrors.shareUserSuspended();
  if (user.status !== 'active') throw OwnershipErrors.shareUserInactive(user.status);
}

async function setShareInTx(
  tx: Tx,
  caller: Caller,
  resource: { id: string; type: string; name: string; ownerId: string },
  user: { id: string; status: string; firstName: string; lastName: string },
  level: ShareLevel | null,
) {
  const tenantId = caller.ctx.tenantId;
  const current = await repo.findShare(tx, tenantId, resource.id, user.id);
  if (level === null) {
    if (!current) return false;
    await repo.deleteShare(tx, tenantId, resource.id, user.id);
  } else {
    if (resource.ownerId === user.id) throw OwnershipErrors.shareWithOwner();
    if (!current) {
      assertCanReceiveShare(user);
      // reference 003, blocked users: a suspended user's resources are not newly shared either
      const owner = await usersRepo.findUser(tx, tenantId, resource.ownerId);
      if (owner?.status === 'suspended') throw OwnershipErrors.shareOwnerSuspended();
    }
    if (current?.level === level) return false;
    await repo.upsertShare(
      tx,
      { tenantId, resourceId: resource.id, userId: user.id, level, sharedBy: caller.principal.userId },
      caller.ctx.clock.now(),
    );
  }
  await recordAudit(tx, caller.ctx, {
    action: level === null ? 'resource.unshared' : current ? 'resource.share_changed' : 'resource.shared',
    target: { type: resource.type, id: resource.id, label: resource.name },
    before: current ? { userId: user.id, level: current.level } : null,
    after: level === null ? null : { userId: user.id, userLabel: label(user), level },
  });
  return true;
}

export async function listShares(platform: Platform, caller: Caller, resourceId: string) {
  authorize(caller.principal, 'resources.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    if (!(await repo.findResource(tx, caller.ctx.tenantId, resourceId)))
      throw OwnershipErrors.resourceNotFound();
    const rows = await repo.sharesOfResource(tx, caller.ctx.tenantId, resourceId);
    return {
      items: rows.map((s) => ({
        user: { ...person(s.userId, s.firstName, s.lastName), email: s.email, status: s.status },
        level: s.level,
        sharedAt: new Date(s.createdAt).toISOString(),
      })),
    };
  });
}

export async function setShare(
  platform: Platform,
  caller: Caller,
  resourceId: string,
  userId: string,
  level: ShareLevel | null,
) {
  authorize(caller.principal, 'resources.manage');
  const tenantId = caller.ctx.tenantId;
  await withTenantTx(platform.db, tenantId, async (tx) => {
    const resource = await repo.findResource(tx, tenantId, resourceId, { forUpdate: true });
    if (!resource) throw OwnershipErrors.resourceNotFound();
    const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
    await setShareInTx(tx, caller, resource, user, level);
  });
  return listShares(platform, caller, resourceId);
}

/** The Shared Workflows window: what is shared with a user, at which level. */
export async function sharedWithUser(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'resources.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    await loadScopedUser(tx, caller, userId);
    const rows = await repo.sharesOfUser(tx, caller.ctx.tenantId, userId);
    return {
      items: rows.map((s) => ({
        resource: {
          id: s.resourceId,
          type: s.type,
          typeLabel: ownableKind(s.type)?.label ?? s.type,
          name: s.name,
          externalId: s.externalId,
          url: s.url,
          owner: person(s.ownerId, s.ownerFirstName, s.ownerLastName),
        },
        level: s.level,
        sharedAt: new Date(s.createdAt).toISOString(),
      })),
    };
  });
}

/** Saves the window's edits at once: level changes, stop sharing one or many; all or nothing. */
export async function changeSharedWithUser(
  platform: Platform,
  caller: Caller,
  userId: string,
  body: SharedChangesBody,
) {
  authorize(caller.principal, 'resources.manage');
  const tenantId = caller.ctx.tenantId;
  await withTenantTx(platform.db, tenantId, async (tx) => {
    const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
    for (const change of body.changes) {
      const resource = await repo.findResource(tx, tenantId, change.resourceId, { forUpdate: true });
      if (!resource) throw OwnershipErrors.resourceNotFound();
      await setShareInTx(tx, caller, resource, user, change.level);
    }
  });
  return sharedWithUser(platform, caller, userId);
}

// ---------------------------------------------------------------- every kind: lists and change owner

export function listKinds(caller: Caller) {
  authorize(caller.principal, 'resources.read');
  return {
    items: ownableKinds().map((k) => ({
      type: k.type,
      label: k.label,
      revertsAtDurationEnd: k.revertsAtDurationEnd,
      oneTimeOnly: k.oneTimeOnly ?? false,
      integration: isIntegrationKind(k),
      listable: typeof k.listAll === 'function' && typeof k.findOwned === 'function',
    })),
  };
}

export async function listOwnerships(platform: Platform, caller: Caller, query: OwnershipsQuery) {
  authorize(caller.principal, 'resources.read');
  const kind = ownableKind(query.type);
  if (!kind) throw OwnershipErrors.unknownKind(query.type);
  if (!kind.listAll) throw OwnershipErrors.notChangeable(query.type);
  const limit = query.limit ?? 50;
  const after = decodeCursor(query.cursor, 2) as [string, string] | null;
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const rows = await kind.listAll!(tx, caller.ctx.tenantId, {
      q: query.q?.trim() || undefined,
      ownerId: query.ownerId,
      after: after ? { name: after[0], id: after[1] } : null,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const owners = new Map(
      (await usersRepo.findUsers(tx, caller.ctx.tenantId, [...new Set(page.map((r) => r.ownerId))])).map(
        (u) => [u.id, u],
      ),
    );
    const last = page[page.length - 1];
    return {
      items: page.map((r) => {
        const o = owners.get(r.ownerId);
        return {
          type: kind.type,
          id: r.id,
          name: r.name,
          owner: person(r.ownerId, o?.firstName ?? null, o?.lastName ?? null),
        };
      }),
      nextCursor: rows.length > limit && last ? encodeCursor([last.name, last.id]) : null,
    };
  });
}

/** "Change owner" of one item (reference 003: ownerships can also be transferred individually). */
export async function changeOwner(
  platform: Platform,
  caller: Caller,
  type: string,
  itemId: string,
  ownerId: string,
) {
  authorize(caller.principal, 'resources.manage');
  const kind = ownableKind(type);
  if (!kind) throw OwnershipErrors.unknownKind(type);
  if (!kind.listAll || !kind.findOwned) throw OwnershipErrors.notChangeable(type);
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const owner = await loadMember(tx, caller, ownerId, 'body/ownerId');
    if (owner.status !== 'active') throw OwnershipErrors.invalidOwner();
    const current = UUID.test(itemId) ? await kind.findOwned!(tx, tenantId, itemId) : undefined;
    if (!current) throw OwnershipErrors.itemNotFound();
    const item = { type: kind.type, id: current.id, name: current.name };
    if (current.ownerId === owner.id) return { ...item, owner: personRef(owner) };
    await kind.checkOwner?.(tx, tenantId, current.id, owner.id);
    const previous = (await usersRepo.findUser(tx, tenantId, current.ownerId))!;
    await kind.setOwner(tx, tenantId, current.id, owner.id, caller.ctx.clock.now(), previous.id);
    if (isIntegrationKind(kind))
      await announceOwnerChanges(tx, platform, caller, [current.id], previous, owner, {
        transferId: null,
        reason: 'change_owner',
      });
    await recordAudit(tx, caller.ctx, {
      action: 'ownership.owner_changed',
      target: { type: kind.type, id: current.id, label: current.name },
      before: { ownerId: previous.id, owner: label(previous) },
      after: { ownerId: owner.id, owner: label(owner) },
    });
    return { ...item, owner: personRef(owner) };
  });
}

/** Everything a user owns, by kind (the user's Ownerships panel). */
export async function ownershipsOfUser(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'users.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    await loadScopedUser(tx, caller, userId, { allowRemoved: true });
    const owned = await ownedByUser(tx, caller.ctx.tenantId, userId);
    return {
      kinds: owned.map(({ kind, items }) => ({ type: kind.type, label: kind.label, items })),
      total: owned.reduce((n, o) => n + o.items.length, 0),
    };
  });
}
