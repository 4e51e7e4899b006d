import type { Insertable, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { Tx } from '../../platform/db.ts';
import type {
  OwnershipTransfersTable,
  ResourcesTable,
  ShareLevel,
  TransferStatus,
} from '../../platform/db-schema.ts';

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

// ---------------------------------------------------------------- resources registered by integrations

export async function insertResource(tx: Tx, row: Insertable<ResourcesTable>) {
  return tx.insertInto('resources').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findResource(tx: Tx, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}) {
  let q = tx.selectFrom('resources').selectAll().where('tenantId', '=', tenantId).where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function findResourceByExternalId(tx: Tx, tenantId: string, type: string, externalId: string) {
  return tx
    .selectFrom('resources')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('type', '=', type)
    .where('externalId', '=', externalId)
    .executeTakeFirst();
}

export async function updateResource(
  tx: Tx,
  tenantId: string,
  id: string,
  changes: Updateable<ResourcesTable>,
) {
  return tx
    .updateTable('resources')
    .set(changes)
    .where('tenantId', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteResource(tx: Tx, tenantId: string, id: string) {
  await tx.deleteFrom('resources').where('tenantId', '=', tenantId).where('id', '=', id).execute();
}

/** Moves a type's resources (those of `ids`, or all) from one owner to another; the new owner's shares of them go. */
export async function moveResources(
  tx: Tx,
  tenantId: string,
  type: string,
  fromId: string,
  toId: string,
  ids: readonly string[] | 'all',
  now: Date,
) {
  if (ids !== 'all' && ids.length === 0) return [];
  let q = tx
    .updateTable('resources')
    .set({ ownerId: toId, updatedAt: now })
    .where('tenantId', '=', tenantId)
    .where('type', '=', type)
    .where('ownerId', '=', fromId);
  if (ids !== 'all') q = q.where('id', '=', sql<string>`any(${sql.val(ids)}::uuid[])`);
  const moved = await q.returning(['id', 'name']).execute();
  if (moved.length > 0) {
    await tx
      .deleteFrom('resourceShares')
      .where('tenantId', '=', tenantId)
      .where('userId', '=', toId)
      .where('resourceId', '=', sql<string>`any(${sql.val(moved.map((m) => m.id))}::uuid[])`)
      .execute();
  }
  return moved.sort((a, b) => a.name.localeCompare(b.name));
}

export async function resourcesOwnedBy(tx: Tx, tenantId: string, type: string, ownerId: string) {
  return tx
    .selectFrom('resources')
    .select(['id', 'name'])
    .where('tenantId', '=', tenantId)
    .where('type', '=', type)
    .where('ownerId', '=', ownerId)
    .orderBy(sql`lower(name)`)
    .orderBy('id')
    .execute();
}

export interface ResourceFilter {
  type?: string;
  ownerId?: string;
  externalId?: string;
  q?: string;
  after?: { name: string; id: string } | null;
  limit: number;
}

/** Resources with their owner's name and how many users they are shared with, by name. */
export async function listResources(tx: Tx, tenantId: string, f: ResourceFilter) {
  let q = tx
    .selectFrom('resources as r')
    .innerJoin('users as o', (j) => j.onRef('o.tenantId', '=', 'r.tenantId').onRef('o.id', '=', 'r.ownerId'))
    .selectAll('r')
    .select((eb) => [
      'o.firstName as ownerFirstName',
      'o.lastName as ownerLastName',
      'o.email as ownerEmail',
      eb
        .selectFrom('resourceShares as s')
        .whereRef('s.tenantId', '=', 'r.tenantId')
        .whereRef('s.resourceId', '=', 'r.id')
        .select((e) => e.fn.countAll<string>().as('n'))
        .as('shareCount'),
    ])
    .where('r.tenantId', '=', tenantId);
  if (f.type) q = q.where('r.type', '=', f.type);
  if (f.ownerId) q = q.where('r.ownerId', '=', f.ownerId);
  if (f.externalId) q = q.where('r.externalId', '=', f.externalId);
  if (f.q) q = q.where('r.name', 'ilike', likePattern(f.q));
  if (f.after)
    q = q.where(sql<boolean>`(lower(r.name), r.id) > (lower(${f.after.name}), ${f.after.id}::uuid)`);
  return q.orderBy(sql`lower(r.name)`).orderBy('r.id').limit(f.limit).execute();
}

// ---------------------------------------------------------------- shares

export async function sharesOfResource(tx: Tx, tenantId: string, resourceId: string) {
  return tx
    .selectFrom('resourceShares as s')
    .innerJoin('users as u', (j) => j.onRef('u.tenantId', '=', 's.tenantId').onRef('u.id', '=', 's.userId'))
    .select([
      's.userId',
      's.level',
      's.createdAt',
      's.updatedAt',
      'u.firstName',
      'u.lastName',
      'u.email',
      'u.status',
    ])
    .where('s.tenantId', '=', tenantId)
    .where('s.resourceId', '=', resourceId)
    .orderBy(sql`lower(u.last_name)`)
    .orderBy(sql`lower(u.first_name)`)
    .execute();
}

/** What is shared with a user, with each resource and its owner. */
export async function sharesOfUser(tx: Tx, tenantId: string, userId: string) {
  return tx
    .selectFrom('resourceShares as s')
    .innerJoin('resources as r', (j) =>
      j.onRef('r.tenantId', '=', 's.tenantId').onRef('r.id', '=', 's.resourceId'),
    )
    .innerJoin('users as o', (j) => j.onRef('o.tenantId', '=', 'r.tenantId').onRef('o.id', '=', 'r.ownerId'))
    .select([
      's.resourceId',
      's.level',
      's.createdAt',
      's.updatedAt',
      'r.type',
      'r.name',
      'r.externalId',
      'r.url',
      'r.ownerId',
      'o.firstName as ownerFirstName',
      'o.lastName as ownerLastName',
    ])
    .where('s.tenantId', '=', tenantId)
    .where('s.userId', '=', userId)
    .orderBy('r.type')
    .orderBy(sql`lower(r.name)`)
    .execute();
}

export async function findShare(tx: Tx, tenantId: string, resourceId: string, userId: string) {
  return tx
    .selectFrom('resourceShares')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('resourceId', '=', resourceId)
    .where('userId', '=', userId)
    .executeTakeFirst();
}

export async function upsertShare(
  tx: Tx,
  row: { tenantId: string; resourceId: string; userId: string; level: ShareLevel; sharedBy: string | null },
  now: Date,
) {
  await tx
    .insertInto('resourceShares')
    .values({ ...row, createdAt: now, updatedAt: now })
    .onConflict((oc) =>
      oc.columns(['tenantId', 'resourceId', 'userId']).doUpdateSet({ level: row.level, updatedAt: now }),
    )
    .execute();
}

export async function deleteShare(tx: Tx, tenantId: string, resourceId: string, userId: string) {
  const r = await tx
    .deleteFrom('resourceShares')
    .where('tenantId', '=', tenantId)
    .where('resourceId', '=', resourceId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The user's share level on each of `resourceIds` that is shared with them. */
export async function levelsOf(tx: Tx, tenantId: string, userId: string, resourceIds: readonly string[]) {
  if (resourceIds.length === 0) return new Map<string, ShareLevel>();
  const rows = await tx
    .selectFrom('resourceShares')
    .select(['resourceId', 'level'])
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('resourceId', '=', sql<string>`any(${sql.val(resourceIds)}::uuid[])`)
    .execute();
  return new Map(rows.map((r) => [r.resourceId, r.level]));
}

/** Sets many of one user's share levels at once (granted by Rollcall, so `shared_by` is empty). */
export async function upsertShares(
  tx: Tx,
  tenantId: string,
  userId: string,
  rows: ReadonlyArray<{ resourceId: string; level: ShareLevel }>,
  now: Date,
) {
  for (let i = 0; i < rows.length; i += 1000) {
    await tx
      .insertInto('resourceShares')
      .values(
        rows.slice(i, i + 1000).map((r) => ({
          tenantId,
          resourceId: r.resourceId,
          userId,
          level: r.level,
          sharedBy: null,
          createdAt: now,
          updatedAt: now,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['tenantId', 'resourceId', 'userId'])
          .doUpdateSet((eb) => ({ level: eb.ref('excluded.level'), updatedAt: now })),
      )
      .execute();
  }
}

export async function deleteSharesOn(
  tx: Tx,
  tenantId: string,
  userId: string,
  resourceIds: readonly string[],
) {
  if (resourceIds.length === 0) return;
  await tx
    .deleteFrom('resourceShares')
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('resourceId', '=', sql<string>`any(${sql.val(resourceIds)}::uuid[])`)
    .execute();
}

export async function deleteSharesOfUser(tx: Tx, tenantId: string, userId: string) {
  await tx
    .deleteFrom('resourceShares')
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .execute();
}

/** Of `resourceIds`, those shared with nobody. */
export async function unsharedResourceIds(tx: Tx, tenantId: string, resourceIds: readonly string[]) {
  if (resourceIds.length === 0) return new Set<string>();
  const shared = await tx
    .selectFrom('resourceShares')
    .select('resourceId')
    .distinct()
    .where('tenantId', '=', tenantId)
    .where('resourceId', 'in', resourceIds)
    .execute();
  const s = new Set(shared.map((r) => r.resourceId));
  return new Set(resourceIds.filter((id) => !s.has(id)));
}

/** How many resources are shared with each of `userIds` (the share icon in the users list). */
export async function shareCounts(tx: Tx, tenantId: string, userIds: readonly string[]) {
  if (userIds.length === 0) return new Map<string, number>();
  const rows = await tx
    .selectFrom('resourceShares')
    .select((eb) => ['userId', eb.fn.countAll<string>().as('n')])
    .where('tenantId', '=', tenantId)
    .where('userId', 'in', userIds)
    .groupBy('userId')
    .execute();
  return new Map(rows.map((r) => [r.userId, Number(r.n)]));
}

// ---------------------------------------------------------------- transfers

export type TransferRow = Selectable<OwnershipTransfersTable>;

export async function insertTransfer(tx: Tx, row: Insertable<OwnershipTransfersTable>) {
  return tx.insertInto('ownershipTransfers').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findTransfer(tx: Tx, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}) {
  let q = tx
    .selectFrom('ownershipTransfers')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function updateTransfer(
  tx: Tx,
  tenantId: string,
  id: string,
  changes: Updateable<OwnershipTransfersTable>,
) {
  return tx
    .updateTable('ownershipTransfers')
    .set(changes)
    .where('tenantId', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

const OPEN: TransferStatus[] = ['scheduled', 'active'];

/** The pending (scheduled or running) transfers that concern a user, as giver or as recipient. */
export async function openTransfersInvolving(tx: Tx, tenantId: string, userId: string) {
  return tx
    .selectFrom('ownershipTransfers')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('status', 'in', OPEN)
    .where((eb) => eb.or([eb('userId', '=', userId), eb('recipientId', '=', userId)]))
    .orderBy('createdAt')
    .forUpdate()
    .execute();
}

export async function openTransferOf(tx: Tx, tenantId: string, userId: string) {
  return tx
    .selectFrom('ownershipTransfers')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('status', 'in', OPEN)
    .executeTakeFirst();
}

/** The pending change of each of `userIds` (the clock marker), with the recipient's name. */
export async function openTransfersOf(tx: Tx, tenantId: string, userIds: readonly string[]) {
  if (userIds.length === 0) return [];
  return tx
    .selectFrom('ownershipTransfers as t')
    .leftJoin('users as r', (j) =>
      j.onRef('r.tenantId', '=', 't.tenantId').onRef('r.id', '=', 't.recipientId'),
    )
    .select([
      't.id',
      't.userId',
      't.kind',
      't.status',
      't.startsAt',
      't.endsAt',
      't.blockSignIn',
      't.timeZone',
      't.recipientId',
      'r.firstName as recipientFirstName',
      'r.lastName as recipientLastName',
    ])
    .where('t.tenantId', '=', tenantId)
    .where('t.userId', 'in', userIds)
    .where('t.status', 'in', OPEN)
    .execute();
}

export interface TransferFilter {
  userId?: string;
  status?: 'open' | TransferStatus;
  after?: { createdAt: string; id: string } | null;
  limit: number;
}

export async function listTransfers(tx: Tx, tenantId: string, f: TransferFilter) {
  let q = tx.selectFrom('ownershipTransfers').selectAll().where('tenantId', '=', tenantId);
  if (f.userId) q = q.where((eb) => eb.or([eb('userId', '=', f.userId!), eb('recipientId', '=', f.userId!)]));
  if (f.status === 'open') q = q.where('status', 'in', OPEN);
  else if (f.status) q = q.where('status', '=', f.status);
  if (f.after)
    q = q.where(sql<boolean>`(created_at, id) < (${f.after.createdAt}::timestamptz, ${f.after.id}::uuid)`);
  return q.orderBy('createdAt', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

// ---------------------------------------------------------------- what transfers touch besides owners

/** The user's groups with their group role, by name. */
export async function groupsOfUserWithRoles(tx: Tx, tenantId: string, userId: string) {
  return tx
    .selectFrom('groupMembers as gm')
    .innerJoin('groups as g', (j) =>
      j.onRef('g.tenantId', '=', 'gm.tenantId').onRef('g.id', '=', 'gm.groupId'),
    )
    .leftJoin('roles as r', (j) => j.onRef('r.tenantId', '=', 'g.tenantId').onRef('r.id', '=', 'g.roleId'))
    .select(['g.id', 'g.name', 'g.roleId', 'g.defaultMemberId', 'r.name as roleName'])
    .where('gm.tenantId', '=', tenantId)
    .where('gm.userId', '=', userId)
    .orderBy(sql`lower(g.name)`)
    .execute();
}

/** Sets or lifts the sign-in block of a duration transfer. */
export async function setSignInBlock(tx: Tx, tenantId: string, userId: string, until: Date | null) {
  await tx
    .updateTable('users')
    .set({ signInBlockedUntil: until })
    .where('tenantId', '=', tenantId)
    .where('id', '=', userId)
    .execute();
}

/** Ends the user's sessions (API tokens stay, refused while the block lasts). */
export async function endSessions(tx: Tx, tenantId: string, userId: string, at: Date): Promise<number> {
  const r = await tx
    .updateTable('sessions')
    .set({ revokedAt: at })
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function resourcesByIds(tx: Tx, tenantId: string, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return tx
    .selectFrom('resources')
    .select(['id', 'type', 'externalId', 'name'])
    .where('tenantId', '=', tenantId)
    .where('id', 'in', ids)
    .execute();
}

// ---------------------------------------------------------------- flow templates (rule 20), an ownable kind

/** The live (not archived) flow templates `ownerId` owns, by name. */
export async function flowTemplatesOwnedBy(tx: Tx, tenantId: string, ownerId: string) {
  return tx
    .selectFrom('flowTemplates')
    .select(['id', 'name'])
    .where('tenantId', '=', tenantId)
    .where('ownerId', '=', ownerId)
    .where('archivedAt', 'is', null)
    .orderBy(sql`lower(name)`)
    .orderBy('id')
    .execute();
}

export async function listOwnedFlowTemplates(
  tx: Tx,
  tenantId: string,
  f: { q?: string; ownerId?: string; after?: { name: string; id: string } | null; limit: number },
) {
  let q = tx
    .selectFrom('flowTemplates')
    .select(['id', 'name', 'ownerId'])
    .where('tenantId', '=', tenantId)
    .where('ownerId', 'is not', null)
    .where('archivedAt', 'is', null);
  if (f.ownerId) q = q.where('ownerId', '=', f.ownerId);
  if (f.q) q = q.where('name', 'ilike', likePattern(f.q));
  if (f.after) q = q.where(sql<boolean>`(lower(name), id) > (lower(${f.after.name}), ${f.after.id}::uuid)`);
  const rows = await q.orderBy(sql`lower(name)`).orderBy('id').limit(f.limit).execute();
  return rows as Array<{ id: string; name: string; ownerId: string }>;
}

export async function findOwnedFlowTemplate(tx: Tx, tenantId: string, id: string) {
  const t = await tx
    .selectFrom('flowTemplates')
    .select(['id', 'name', 'ownerId'])
    .where('tenantId', '=', tenantId)
    .where('id', '=', id)
    .where('archivedAt', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  return t?.ownerId ? { id: t.id, name: t.name, ownerId: t.ownerId } : undefined;
}

export async function setFlowTemplateOwner(tx: Tx, tenantId: string, id: string, ownerId: string, now: Date) {
  await tx
    .updateTable('flowTemplates')
    .set({ ownerId, updatedAt: now })
    .where('tenantId', '=', tenantId)
    .where('id', '=', id)
    .execute();
}
