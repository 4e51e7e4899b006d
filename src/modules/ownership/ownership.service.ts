import './builtin-kinds.ts';
import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import { principalOfUser } from '../../platform/auth.ts';
import { personOf } from '../../platform/context.ts';
import { type Tx, withTenantTx } from '../../platform/db.ts';
import type { ShareLevel, TransferKind } from '../../platform/db-schema.ts';
import type { Platform } from '../../platform/platform.ts';
import { decodeCursor, encodeCursor } from '../../platform/schemas.ts';
import { announce } from '../../platform/webhooks.ts';
import { isRealDate, zonedDateHour, zonedInstant } from '../../platform/zoned-time.ts';
import { AccessErrors } from '../access/access.errors.ts';
import { authorize, isSelf } from '../access/authorize.ts';
import { blockWouldStrandTenant, isLastActiveSuperAdmin, lockSuperAdmins } from '../access/super-admins.ts';
import * as groupsRepo from '../groups/groups.repository.ts';
import { planTransition } from '../users/user-status.ts';
import { UserErrors } from '../users/users.errors.ts';
import type { UserRow } from '../users/users.repository.ts';
import * as usersRepo from '../users/users.repository.ts';
import {
  assertGroupRolesWithinCeiling,
  type Caller,
  initials,
  loadScopedUser,
  removeUserInTx,
} from '../users/users.service.ts';
import {
  integrationKinds,
  isIntegrationKind,
  type OwnableKind,
  type OwnedItem,
  ownableKind,
  ownableKinds,
} from './ownable-kinds.ts';
import { OwnershipErrors } from './ownership.errors.ts';
import type { TransferRow } from './ownership.repository.ts';
import * as repo from './ownership.repository.ts';
import type {
  DateHour,
  MovedItem,
  Plan,
  RemoveUserBody,
  TransferBody,
  TransfersQuery,
} from './ownership.schemas.ts';

/**
 * Rules 17-19: one model for everything with an owner (see `ownable-kinds.ts`), and the changes
 * that move ownerships: transfers (one-time, or for a duration that moves back at its end) and
 * removals (immediate or scheduled). Every change is one transaction; anything later is a durable
 * job enqueued in that transaction, keyed so it runs once, and its handler re-checks the
 * transfer's status under a row lock, so a retried job changes nothing twice.
 */
export const TRANSFER_JOB = 'ownership.transfer_step';
export type TransferStep = 'start' | 'end' | 'removal';
type Phase = 'one_time' | 'duration' | 'removal';

const HOUR_MS = 3_600_000;
/** A preview names this many items of each kind (and counts them all). */
const PLAN_ITEMS = 200;
const label = (u: { firstName: string; lastName: string }) => `${u.firstName} ${u.lastName}`;
export const personRef = (u: { id: string; firstName: string; lastName: string }) => ({
  id: u.id,
  firstName: u.firstName,
  lastName: u.lastName,
  initials: initials(u.firstName, u.lastName),
});

export async function tenantTimeZone(tx: Tx, tenantId: string): Promise<string> {
  const row = await tx
    .selectFrom('tenants')
    .select('settings')
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return ((row.settings as { timeZone?: string }).timeZone ?? '').trim() || 'UTC';
}

/**
 * The instant an administrator's date and hour stand for. The hour that is running now means "now";
 * an hour already over is refused.
 */
function instantOf(dh: DateHour, timeZone: string, now: Date, field: string): Date {
  if (!isRealDate(dh.date)) throw OwnershipErrors.invalidDate(field);
  const at = zonedInstant(dh.date, dh.hour, timeZone);
  if (at.getTime() + HOUR_MS <= now.getTime()) throw OwnershipErrors.inThePast(field);
  return at.getTime() < now.getTime() ? now : at;
}

/** The recipient: another active internal member the caller may act on (rule 18). */
export async function loadRecipient(tx: Tx, caller: Caller, user: { id: string }, recipientId: string) {
  if (recipientId === user.id) throw UserErrors.invalidRecipient();
  const found = await usersRepo.findUser(tx, caller.ctx.tenantId, recipientId);
  if (found?.status !== 'active' || found.kind !== 'internal') throw UserErrors.invalidRecipient();
  return loadScopedUser(tx, caller, recipientId, { forUpdate: true });
}

/** Joining a group with a group role grants that role: within the caller's ceiling (rule 13). */
export async function assertJoinsWithinCeiling(
  tx: Tx,
  caller: Caller,
  user: { id: string },
  recipient: { id: string },
) {
  const tenantId = caller.ctx.tenantId;
  const theirs = new Set(await groupsRepo.groupIdsOf(tx, tenantId, recipient.id));
  const joins = (await repo.groupsOfUserWithRoles(tx, tenantId, user.id)).filter((g) => !theirs.has(g.id));
  await assertGroupRolesWithinCeiling(tx, caller, joins);
}

// ---------------------------------------------------------------- what would move

/** What the user owns, kind by kind (kinds with nothing are left out). */
export async function ownedByUser(tx: Tx, tenantId: string, userId: string) {
  const out = [];
  for (const kind of ownableKinds()) {
    const items = await kind.listOwnedBy(tx, tenantId, userId);
    if (items.length > 0) out.push({ kind, items });
  }
  return out;
}

/** Owned items a removal needs a recipient for: everything but what a removal simply frees. */
export async function ownedNeedingRecipient(tx: Tx, tenantId: string, userId: string): Promise<number> {
  let n = 0;
  for (const { kind, items } of await ownedByUser(tx, tenantId, userId))
    if (!kind.freedOnRemoval) n += items.length;
  return n;
}

/** The answer to "what will this do?": owned items and whether they move, the groups the recipient joins, warnings. */
export async function planFor(
  tx: Tx,
  caller: Caller,
  user: UserRow,
  recipient: UserRow | null,
  phase: Phase,
): Promise<Plan> {
  const tenantId = caller.ctx.tenantId;
  const owned = await ownedByUser(tx, tenantId, user.id);
  const groups = await repo.groupsOfUserWithRoles(tx, tenantId, user.id);
  const recipientGroups = new Set(recipient ? await groupsRepo.groupIdsOf(tx, tenantId, recipient.id) : []);
  const joins = groups.filter((g) => !recipientGroups.has(g.id));
  const shared = await repo.sharesOfUser(tx, tenantId, user.id);
  const warnings: Plan['warnings'] = [];
  if (phase === 'removal') {
    const workflows = owned.find((o) => o.kind.type === 'workflow')?.items ?? [];
    const unshared = await repo.unsharedResourceIds(
      tx,
      tenantId,
      workflows.map((w) => w.id),
    );
    if (unshared.size > 0) {
      const one = unshared.size === 1;
      const what = `${one ? 'One workflow' : `${unshared.size} workflows`} owned by ${label(user)} ${one ? 'is' : 'are'} shared with nobody`;
      warnings.push({
        code: 'workflows_shared_with_nobody',
        message: recipient
          ? `${what}: after the removal only ${label(recipient)} can reach ${one ? 'it' : 'them'}.`
          : `${what}: without a recipient ${one ? 'it' : 'they'} would have no owner and nobody could reach ${one ? 'it' : 'them'}.`,
        items: workflows.filter((w) => unshared.has(w.id)),
      });
    }
  }
  const withRoles = joins.filter((g) => g.roleName);
  if (recipient && withRoles.length > 0) {
    warnings.push({
      code: 'group_roles_gained',
      message: `Roles never transfer, but ${label(recipient)} joins groups that carry a group role and holds it while a member: ${withRoles.map((g) => `${g.roleName} (${g.name})`).join(', ')}.`,
      items: withRoles.map((g) => ({ id: g.id, name: g.name })),
    });
  }
  if (recipient && (await repo.openTransferOf(tx, tenantId, recipient.id))) {
    warnings.push({
      code: 'recipient_has_pending_change',
      message: `${label(recipient)} has a pending transfer or removal of their own.`,
    });
  }
  const ownedCount = owned.reduce((n, o) => n + o.items.length, 0);
  const moves = (kind: OwnableKind) => phase !== 'duration' || !kind.oneTimeOnly;
  // what is freed rather than moved: a removal without a recipient frees licence seats, and a
  // recipient who already holds a seat of the type gets no second one (the user's is freed)
  const freed = async (kind: OwnableKind, items: OwnedItem[]) => {
    if (!moves(kind)) return 0;
    if (!recipient) return phase === 'removal' && kind.freedOnRemoval ? items.length : 0;
    if (!kind.heldByRecipient) return 0;
    let n = 0;
    for (const item of items) if (await kind.heldByRecipient(tx, tenantId, item.id, recipient.id)) n++;
    return n;
  };
  const kinds = [];
  for (const { kind, items } of owned) {
    kinds.push({
      type: kind.type,
      label: kind.label,
      count: items.length,
      items: items.slice(0, PLAN_ITEMS),
      moves: moves(kind),
      freed: await freed(kind, items),
      revertsAtEnd: phase === 'duration' && !kind.oneTimeOnly && kind.revertsAtDurationEnd,
    });
  }
  return {
    owned: kinds,
    ownedCount,
    recipientRequired: phase === 'removal' ? owned.some((o) => !o.kind.freedOnRemoval) : true,
    recipientJoinsGroups: joins.map((g) => ({ id: g.id, name: g.name, roleName: g.roleName })),
    sharedWithUser: shared.length,
    warnings,
  };
}

// ---------------------------------------------------------------- moving and moving back

interface Reason {
  transferId: string | null;
  reason: 'transfer' | 'duration_start' | 'duration_end' | 'removal' | 'change_owner';
}

/**
 * Moves what `phase` moves from `from` to `to` and answers what moved, item by item. The recipient
 * first joins every group of the user (rule 18), then each kind moves in registry order, then the
 * recipient gets the access the user has to shared resources ("workflow access"); a duration also
 * gives access to the workflows it leaves with the user. Roles never move.
 */
export async function moveOwnershipsInTx(
  tx: Tx,
  platform: Platform,
  caller: Caller,
  from: UserRow,
  to: UserRow,
  phase: Phase,
  reason: Reason,
): Promise<MovedItem[]> {
  const tenantId = caller.ctx.tenantId;
  const now = caller.ctx.clock.now();
  const temporary = phase === 'duration';
  const moved: MovedItem[] = [];
  const recipientGroups = new Set(await groupsRepo.groupIdsOf(tx, tenantId, to.id));
  for (const g of await repo.groupsOfUserWithRoles(tx, tenantId, from.id)) {
    if (recipientGroups.has(g.id)) continue;
    await groupsRepo.addMember(tx, tenantId, g.id, to.id);
    moved.push({
      type: 'group_membership',
      id: g.id,
      name: g.name,
      action: 'membership',
      reverts: temporary,
    });
  }
  const resourceIds: string[] = [];
  for (const kind of ownableKinds()) {
    if (temporary && kind.oneTimeOnly) continue;
    let items: OwnedItem[];
    if (kind.moveMany) items = await kind.moveMany(tx, tenantId, from.id, to.id, 'all', now);
    else {
      items = await kind.listOwnedBy(tx, tenantId, from.id);
      for (const item of items) await kind.setOwner(tx, tenantId, item.id, to.id, now, from.id);
    }
    for (const item of items) {
      moved.push({
        type: kind.type,
        id: item.id,
        name: item.name,
        action: 'owner',
        reverts: temporary && kind.revertsAtDurationEnd,
      });
      if (isIntegrationKind(kind)) resourceIds.push(item.id);
    }
  }
  const grants: Grant[] = (await repo.sharesOfUser(tx, tenantId, from.id))
    .filter((s) => s.ownerId !== to.id)
    .map((s) => ({ resource: { id: s.resourceId, type: s.type, name: s.name }, level: s.level }));
  if (temporary) {
    for (const kind of integrationKinds()) {
      if (!kind.oneTimeOnly || !kind.accessDuringDuration) continue;
      for (const item of await kind.listOwnedBy(tx, tenantId, from.id))
        grants.push({ resource: { ...item, type: kind.type }, level: kind.accessDuringDuration });
    }
  }
  moved.push(...(await grantAccess(tx, caller, grants, to.id, temporary)));
  await announceOwnerChanges(tx, platform, caller, resourceIds, from, to, reason);
  return moved;
}

interface Grant {
  resource: { id: string; type: string; name: string };
  level: ShareLevel;
}

/** Gives `userId` at least each level on each resource, in two statements; answers what changed, for the revert. */
async function grantAccess(
  tx: Tx,
  caller: Caller,
  grants: Grant[],
  userId: string,
  reverts: boolean,
): Promise<MovedItem[]> {
  const tenantId = caller.ctx.tenantId;
  const current = await repo.levelsOf(
    tx,
    tenantId,
    userId,
    grants.map((g) => g.resource.id),
  );
  const wanted = new Map<string, Grant>();
  for (const g of grants) {
    const have = wanted.get(g.resource.id)?.level ?? current.get(g.resource.id);
    if (have === 'edit' || have === g.level) continue;
    wanted.set(g.resource.id, g);
  }
  const changes = [...wanted.values()];
  await repo.upsertShares(
    tx,
    tenantId,
    userId,
    changes.map((g) => ({ resourceId: g.resource.id, level: g.level })),
    caller.ctx.clock.now(),
  );
  return changes.map((g) => ({
    type: g.resource.type,
    id: g.resource.id,
    name: g.resource.name,
    action: 'access' as const,
    reverts,
    level: g.level,
    previousLevel: current.get(g.resource.id) ?? null,
  }));
}

/**
 * The end of a duration (or its cancellation while it runs): what moved and reverts goes back to
 * the user — unless it changed hands since, which is then left alone and reported. Jobs stay.
 */
async function revertInTx(
  tx: Tx,
  platform: Platform,
  caller: Caller,
  t: TransferRow,
  from: UserRow,
  to: UserRow,
) {
  const tenantId = t.tenantId;
  const now = caller.ctx.clock.now();
  const ownedNow = new Map<string, Set<string>>();
  const kept: Array<{ type: string; id: string; name: string; why: string }> = [];
  const resourceIds: string[] = [];
  let reverted = 0;
  const reverting = (t.moved as MovedItem[]).filter((m) => m.reverts);
  // kinds that move many at once move back at once: whatever the recipient still owns of them
  const bulk = new Set<string>();
  for (const type of new Set(reverting.filter((m) => m.action === 'owner').map((m) => m.type))) {
    const kind = ownableKind(type);
    if (!kind?.moveMany) continue;
    bulk.add(type);
    const items = reverting.filter((m) => m.action === 'owner' && m.type === type);
    const back = new Set(
      (
        await kind.moveMany(
          tx,
          tenantId,
          to.id,
          from.id,
          items.map((m) => m.id),
          now,
        )
      ).map((i) => i.id),
    );
    reverted += back.size;
    for (const m of items) {
      if (!back.has(m.id)) kept.push({ ...pick(m), why: 'owner_changed_since' });
      else if (isIntegrationKind(kind)) resourceIds.push(m.id);
    }
  }
  for (const item of reverting) {
    if (item.action === 'owner') {
      if (bulk.has(item.type)) continue;
      const kind = ownableKind(item.type);
      if (!kind) {
        kept.push({ ...pick(item), why: 'kind_unknown' });
        continue;
      }
      let owned = ownedNow.get(kind.type);
      if (!owned) {
        owned = new Set((await kind.listOwnedBy(tx, tenantId, to.id)).map((i) => i.id));
        ownedNow.set(kind.type, owned);
      }
      if (!owned.has(item.id)) {
        kept.push({ ...pick(item), why: 'owner_changed_since' });
        continue;
      }
      await kind.setOwner(tx, tenantId, item.id, from.id, now, to.id);
      if (isIntegrationKind(kind)) resourceIds.push(item.id);
      reverted++;
    } else if (item.action === 'membership') {
      const groups = await repo.groupsOfUserWithRoles(tx, tenantId, to.id);
      const group = groups.find((g) => g.id === item.id);
      if (!group) continue;
      if (groups.length <= 1) kept.push({ ...pick(item), why: 'last_group' });
      else if (group.defaultMemberId === to.id) kept.push({ ...pick(item), why: 'default_member' });
      else {
        await groupsRepo.removeMember(tx, tenantId, item.id, to.id);
        reverted++;
      }
    }
  }
  // access given for the duration goes, or back to what it was, unless someone changed it since
  const access = reverting.filter((m) => m.action === 'access');
  const levels = await repo.levelsOf(
    tx,
    tenantId,
    to.id,
    access.map((m) => m.id),
  );
  const restore: Array<{ resourceId: string; level: ShareLevel }> = [];
  const withdraw: string[] = [];
  for (const m of access) {
    const level = levels.get(m.id);
    if (level !== m.level) {
      if (level) kept.push({ ...pick(m), why: 'access_changed_since' });
      continue;
    }
    if (m.previousLevel) restore.push({ resourceId: m.id, level: m.previousLevel });
    else withdraw.push(m.id);
  }
  await repo.upsertShares(tx, tenantId, to.id, restore, now);
  await repo.deleteSharesOn(tx, tenantId, to.id, withdraw);
  reverted += restore.length + withdraw.length;
  await announceOwnerChanges(tx, platform, caller, resourceIds, to, from, {
    transferId: t.id,
    reason: 'duration_end',
  });
  return { reverted, kept };
}

const pick = (m: MovedItem) => ({ type: m.type, id: m.id, name: m.name });

/** Integrations hear of owner changes by a signed webhook, one per change of hands. */
export async function announceOwnerChanges(
  tx: Tx,
  platform: Platform,
  caller: Caller,
  resourceIds: string[],
  from: { id: string; firstName: string; lastName: string; email: string | null },
  to: { id: string; firstName: string; lastName: string; email: string | null },
  reason: Reason,
) {
  if (resourceIds.length === 0) return;
  const resources = await repo.resourcesByIds(tx, caller.ctx.tenantId, resourceIds);
  const person = (u: typeof from) => ({ id: u.id, name: label(u), email: u.email });
  await announce(platform, tx, caller.ctx, 'resource.owner_changed', {
    reason: reason.reason,
    transferId: reason.transferId,
    previousOwner: person(from),
    owner: person(to),
    resources,
  });
}

/** For audit events: how many of each moved, and which. */
export function summarizeMoves(moved: MovedItem[]) {
  const counts: Record<string, number> = {};
  for (const m of moved) {
    const key = m.action === 'owner' ? m.type : m.action;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return { counts, items: moved.slice(0, 500).map((m) => `${m.action}:${m.type}:${m.id}`) };
}

// ---------------------------------------------------------------- transfers

/**
 * Moves every ownership of `userId` to `recipientId` now (rule 18, one-time, at once): the
 * recipient joins the user's groups, roles never move, and the move is recorded as a completed
 * one-time transfer and audited. Flow actions ("transfer ownerships to the manager") call this.
 */
export async function transferOwnershipsNowInTx(
  tx: Tx,
  platform: Platform,
  caller: Caller,
  userId: string,
  recipientId: string,
) {
  authorize(caller.principal, 'ownership.transfer');
  const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
  const recipient = await loadRecipient(tx, caller, user, recipientId);
  await assertJoinsWithinCeiling(tx, caller, user, recipient);
  const now = caller.ctx.clock.now();
  const t = await repo.insertTransfer(tx, {
    tenantId: caller.ctx.tenantId,
    id: uuidv7(),
    kind: 'one_time',
    // recorded as done from the start: it never waits, so it does not count as the user's pending change
    status: 'completed',
    userId,
    recipientId: recipient.id,
    startsAt: now,
    timeZone: await tenantTimeZone(tx, caller.ctx.tenantId),
    // a flow run's transfer is asked for by the person the run acts for, and checked as theirs
    requestedBy: personOf(caller.ctx.actor)?.userId ?? caller.principal.userId,
    requestedByLabel: caller.ctx.actor.label,
    createdAt: now,
  });
  const done = await startTransferInTx(tx, platform, caller, t);
  return { transferId: done.id, moved: done.moved as MovedItem[] };
}

/** Two pending changes of one user cannot coexist (the partial unique index decides races). */
async function translateOpenConflict(tx: Tx, caller: Caller, userId: string, error: unknown): Promise<never> {
  if ((error as { constraint?: string }).constraint === 'ownership_transfers_open_key') {
    const open = await repo.openTransferOf(tx, caller.ctx.tenantId, userId);
    throw OwnershipErrors.alreadyPending(open?.id ?? '', open?.kind ?? 'one_time');
  }
  throw error;
}

export async function requestTransfer(
  platform: Platform,
  caller: Caller,
  userId: string,
  body: TransferBody,
) {
  authorize(caller.principal, 'ownership.transfer');
  const tenantId = caller.ctx.tenantId;
  if (body.kind === 'one_time' && (body.start || body.end || body.blockSignIn !== undefined)) {
    throw OwnershipErrors.missingInstant('body/at');
  }
  if (body.kind === 'duration' && body.at) throw OwnershipErrors.missingInstant('body/start');
  if (body.kind === 'duration' && !body.end) throw OwnershipErrors.missingInstant('body/end');
  const blocksSignIn = body.kind === 'duration' && body.blockSignIn === true;
  if (blocksSignIn) {
    // disabling someone's sign-in is a suspension in all but name: the same permission and guards
    authorize(caller.principal, 'users.suspend');
    if (isSelf(caller, userId)) throw UserErrors.selfAction('disable the sign-in of');
  }
  return withTenantTx(platform.db, tenantId, async (tx) => {
    if (blocksSignIn) await lockSuperAdmins(tx, tenantId);
    const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
    const recipient = await loadRecipient(tx, caller, user, body.recipientId);
    const timeZone = await tenantTimeZone(tx, tenantId);
    const now = caller.ctx.clock.now();
    const startsAt =
      body.kind === 'one_time'
        ? body.at
          ? instantOf(body.at, timeZone, now, 'body/at')
          : now
        : body.start
          ? instantOf(body.start, timeZone, now, 'body/start')
          : now;
    const endsAt = body.end ? instantOf(body.end, timeZone, now, 'body/end') : null;
    if (endsAt && endsAt.getTime() <= startsAt.getTime()) throw OwnershipErrors.endBeforeStart();
    // rule 14: the tenant keeps a Super Admin who can sign in
    if (blocksSignIn && (await blockWouldStrandTenant(tx, tenantId, userId, startsAt)))
      throw AccessErrors.lastSuperAdmin();
    if (body.preview) {
      const plan = await planFor(tx, caller, user, recipient, body.kind);
      return { preview: true as const, kind: body.kind, startsAt, endsAt, timeZone, plan };
    }
    await assertJoinsWithinCeiling(tx, caller, user, recipient);
    const open = await repo.openTransferOf(tx, tenantId, userId);
    if (open) throw OwnershipErrors.alreadyPending(open.id, open.kind);
    let t = await repo
      .insertTransfer(tx, {
        tenantId,
        id: uuidv7(),
        kind: body.kind,
        status: 'scheduled',
        userId,
        recipientId: recipient.id,
        startsAt,
        endsAt,
        timeZone,
        blockSignIn: body.kind === 'duration' && body.blockSignIn === true,
        requestedBy: caller.principal.userId,
        requestedByLabel: caller.ctx.actor.label,
        createdAt: now,
      })
      .catch((e) => translateOpenConflict(tx, caller, userId, e));
    await recordAudit(tx, caller.ctx, {
      action: 'ownership.transfer_scheduled',
      target: { type: 'user', id: userId, label: label(user) },
      after: {
        transferId: t.id,
        kind: t.kind,
        recipientId: recipient.id,
        startsAt,
        endsAt,
        timeZone,
        blockSignIn: t.blockSignIn,
      },
    });
    if (startsAt.getTime() <= now.getTime()) t = await startTransferInTx(tx, platform, caller, t);
    else await enqueueStep(tx, platform, caller, t, 'start', startsAt);
    if (endsAt) await enqueueStep(tx, platform, caller, t, 'end', endsAt);
    return transferView(tx, t);
  });
}

/** The queue runs on the database's clock; the delay comes from ours, so an injected clock moves both. */
async function enqueueStep(
  tx: Tx,
  platform: Platform,
  caller: Caller,
  t: TransferRow,
  step: TransferStep,
  at: Date,
) {
  const delayMs = Math.max(0, at.getTime() - caller.ctx.clock.now().getTime());
  await platform.jobs.enqueue(
    tx,
    TRANSFER_JOB,
    { tenantId: t.tenantId, transferId: t.id, step },
    { startAfter: new Date(Date.now() + delayMs), singletonKey: `transfer:${t.id}:${step}` },
  );
}

/**
 * The groups the recipient joins are those of the user at the start, which may carry group roles the
 * user gained after the request: the person who asked must still be able to grant them (rule 13),
 * exactly as if they asked now. Rollcall itself runs the start, so its own unlimited caller proves
 * nothing here.
 */
async function assertRequesterStillMayGrant(
  tx: Tx,
  platform: Platform,
  caller: Caller,
  t: TransferRow,
  from: { id: string },
  to: { id: string },
) {
  const tenantId = t.tenantId;
  const theirs = new Set(await groupsRepo.groupIdsOf(tx, tenantId, to.id));
  const joins = (await repo.groupsOfUserWithRoles(tx, tenantId, from.id)).filter(
    (g) => !theirs.has(g.id) && g.roleId !== null,
  );
  if (joins.length === 0) return;
  // the requester is a member of this tenant, or staff of its provider acting in it
  const tenant = await tx
    .selectFrom('tenants')
    .select('parentId')
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow();
  const requester = t.requestedBy
    ? ((await principalOfUser(platform, tenantId, t.requestedBy)) ??
      (tenant.parentId ? await principalOfUser(platform, tenant.parentId, t.requestedBy) : null))
    : null;
  if (!requester) throw AccessErrors.ceiling(['group roles, as the person who asked can no longer sign in']);
  await assertGroupRolesWithinCeiling(tx, { principal: requester, ctx: caller.ctx }, joins);
}

/** A scheduled transfer's start: one-time moves for good, a duration moves what it moves until its end. */
export async function startTransferInTx(tx: Tx, platform: Platform, caller: Caller, t: TransferRow) {
  const tenantId = t.tenantId;
  const now = caller.ctx.clock.now();
  const from = await usersRepo.findUser(tx, tenantId, t.userId, { forUpdate: true });
  if (!from || from.status === 'removed') throw UserErrors.notFound();
  const to = await usersRepo.findUser(tx, tenantId, t.recipientId!, { forUpdate: true });
  if (to?.status !== 'active' || to.kind !== 'internal') throw UserErrors.invalidRecipient();
  const duration = t.kind === 'duration';
  await assertRequesterStillMayGrant(tx, platform, caller, t, from, to);
  const moved = await moveOwnershipsInTx(tx, platform, caller, from, to, duration ? 'duration' : 'one_time', {
    transferId: t.id,
    reason: duration ? 'duration_start' : 'transfer',
  });
  let endedSessions = 0;
  if (duration && t.blockSignIn) {
    // checked again at the start: another Super Admin may have gone since it was scheduled
    await lockSuperAdmins(tx, tenantId);
    if (await blockWouldStrandTenant(tx, tenantId, from.id, now)) throw AccessErrors.lastSuperAdmin();
    await repo.setSignInBlock(tx, tenantId, from.id, t.endsAt ? new Date(t.endsAt) : null);
    endedSessions = await repo.endSessions(tx, tenantId, from.id, now);
  }
  const updated = await repo.updateTransfer(tx, tenantId, t.id, {
    status: duration ? 'active' : 'completed',
    startedAt: now,
    ...(duration ? {} : { finishedAt: now }),
    moved: JSON.stringify(moved),
  });
  await recordAudit(tx, caller.ctx, {
    action: duration ? 'ownership.transfer_started' : 'ownership.transferred',
    target: { type: 'user', id: from.id, label: label(from) },
    after: {
      transferId: t.id,
      recipientId: to.id,
      ...summarizeMoves(moved),
      ...(duration && t.blockSignIn ? { signInBlockedUntil: t.endsAt, endedSessions } : {}),
    },
  });
  return updated;
}

/** The end of a duration, or a cancellation while it runs: everything but jobs moves back, sign-in opens. */
async function finishDurationInTx(
  tx: Tx,
  platform: Platform,
  caller: Caller,
  t: TransferRow,
  how: 'ended' | 'cancelled',
  reason?: string,
) {
  const tenantId = t.tenantId;
  const now = caller.ctx.clock.now();
  const from = (await usersRepo.findUser(tx, tenantId, t.userId, { forUpdate: true }))!;
  const to = (await usersRepo.findUser(tx, tenantId, t.recipientId!, { forUpdate: true }))!;
  const outcome = await revertInTx(tx, platform, caller, t, from, to);
  if (t.blockSignIn) await repo.setSignInBlock(tx, tenantId, from.id, null);
  const updated = await repo.updateTransfer(tx, tenantId, t.id, {
    status: how === 'ended' ? 'completed' : 'cancelled',
    finishedAt: now,
    ...(how === 'cancelled' ? { cancelledAt: now, cancelledByLabel: caller.ctx.actor.label } : {}),
    outcome: JSON.stringify({ ...outcome, ...(reason ? { reason } : {}) }),
  });
  await recordAudit(tx, caller.ctx, {
    action: how === 'ended' ? 'ownership.transfer_ended' : 'ownership.transfer_cancelled',
    target: { type: 'user', id: from.id, label: label(from) },
    before: { status: t.status },
    after: {
      transferId: t.id,
      status: updated.status,
      reverted: outcome.reverted,
      kept: outcome.kept,
      ...(t.blockSignIn ? { signInUnblocked: true } : {}),
      ...(reason ? { reason } : {}),
    },
  });
  return updated;
}

async function cancelScheduledInTx(tx: Tx, caller: Caller, t: TransferRow, reason?: string) {
  const user = await usersRepo.findUser(tx, t.tenantId, t.userId);
  const now = caller.ctx.clock.now();
  const updated = await repo.updateTransfer(tx, t.tenantId, t.id, {
    status: 'cancelled',
    cancelledAt: now,
    cancelledByLabel: caller.ctx.actor.label,
    ...(reason ? { outcome: JSON.stringify({ reason }) } : {}),
  });
  await recordAudit(tx, caller.ctx, {
    action: t.kind === 'removal' ? 'user.removal_cancelled' : 'ownership.transfer_cancelled',
    target: { type: 'user', id: t.userId, label: user ? label(user) : null },
    before: { status: t.status },
    after: { transferId: t.id, status: 'cancelled', ...(reason ? { reason } : {}) },
  });
  return updated;
}

/** Cancel: before the start (any kind) or during a duration (which then moves back as at its end). */
export async function cancelTransfer(platform: Platform, caller: Caller, transferId: string) {
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const t = await repo.findTransfer(tx, tenantId, transferId, { forUpdate: true });
    if (!t) throw OwnershipErrors.transferNotFound();
    authorize(caller.principal, t.kind === 'removal' ? 'users.remove' : 'ownership.transfer');
    await loadScopedUser(tx, caller, t.userId, { allowRemoved: true });
    if (t.status === 'cancelled') return transferView(tx, t);
    if (t.status === 'completed' || t.status === 'failed') throw OwnershipErrors.alreadyRun(t.status);
    const done =
      t.status === 'active'
        ? await finishDurationInTx(tx, platform, caller, t, 'cancelled')
        : await cancelScheduledInTx(tx, caller, t);
    return transferView(tx, done);
  });
}

/**
 * Before a user is removed, the pending changes that involve them end: their own scheduled ones are
 * cancelled, a running duration moves back first (so everything they own goes to the removal's
 * recipient), and changes that would give them ownerships are cancelled or moved back.
 */
export async function closeOpenTransfersInTx(
  tx: Tx,
  platform: Platform,
  caller: Caller,
  userId: string,
  opts: { except?: string } = {},
) {
  for (const t of await repo.openTransfersInvolving(tx, caller.ctx.tenantId, userId)) {
    if (t.id === opts.except) continue;
    const reason = t.userId === userId ? 'user_removed' : 'recipient_removed';
    if (t.status === 'active') await finishDurationInTx(tx, platform, caller, t, 'cancelled', reason);
    else await cancelScheduledInTx(tx, caller, t, reason);
  }
}

// ---------------------------------------------------------------- removal (rule 19)

/** `POST …/users/{id}/remove`: immediate (`removeUserInTx`) or scheduled for a date and hour. */
export async function removeUser(platform: Platform, caller: Caller, userId: string, body: RemoveUserBody) {
  authorize(caller.principal, 'users.remove');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    if (body.when !== 'scheduled') {
      const result = await removeUserInTx(tx, platform, caller, userId, body);
      return { ...result, scheduled: null };
    }
    return scheduleRemovalInTx(tx, platform, caller, userId, body);
  });
}

async function scheduleRemovalInTx(
  tx: Tx,
  platform: Platform,
  caller: Caller,
  userId: string,
  body: RemoveUserBody,
) {
  const tenantId = caller.ctx.tenantId;
  if (isSelf(caller, userId)) throw UserErrors.selfAction('remove');
  if (!body.at) throw OwnershipErrors.missingInstant('body/at');
  const user = await loadScopedUser(tx, caller, userId, { forUpdate: true, allowRemoved: true });
  const transition = planTransition(user.status, 'remove');
  const recipient = body.transferTo ? await loadRecipient(tx, caller, user, body.transferTo) : null;
  const plan = await planFor(tx, caller, user, recipient, 'removal');
  const timeZone = await tenantTimeZone(tx, tenantId);
  const now = caller.ctx.clock.now();
  const startsAt = instantOf(body.at, timeZone, now, 'body/at');
  const nothing = { status: user.status, changed: false, scheduled: null, plan, moved: [] };
  if (body.preview || !transition.changes) return nothing;
  const owned = await ownedNeedingRecipient(tx, tenantId, userId);
  if (owned > 0 && !recipient) throw UserErrors.recipientRequired(owned);
  // rule 14 holds at execution too, but refusing now beats failing at 3 a.m.
  if (await isLastActiveSuperAdmin(tx, tenantId, userId)) throw AccessErrors.lastSuperAdmin();
  if (recipient) await assertJoinsWithinCeiling(tx, caller, user, recipient);
  const open = await repo.openTransferOf(tx, tenantId, userId);
  if (open) throw OwnershipErrors.alreadyPending(open.id, open.kind);
  const t = await repo
    .insertTransfer(tx, {
      tenantId,
      id: uuidv7(),
      kind: 'removal',
      status: 'scheduled',
      userId,
      recipientId: recipient?.id ?? null,
      startsAt,
      timeZone,
      requestedBy: caller.principal.userId,
      requestedByLabel: caller.ctx.actor.label,
      createdAt: now,
    })
    .catch((e) => translateOpenConflict(tx, caller, userId, e));
  await enqueueStep(tx, platform, caller, t, 'removal', startsAt);
  await recordAudit(tx, caller.ctx, {
    action: 'user.removal_scheduled',
    target: { type: 'user', id: userId, label: label(user) },
    after: { transferId: t.id, at: startsAt, timeZone, transferTo: recipient?.id ?? null },
  });
  return { status: user.status, changed: true, scheduled: await transferView(tx, t), plan, moved: [] };
}

// ---------------------------------------------------------------- the job

/** One step of a transfer, run by its job; re-running a finished step changes nothing. */
export async function runTransferStepInTx(
  tx: Tx,
  platform: Platform,
  caller: Caller,
  t: TransferRow,
  step: TransferStep,
): Promise<void> {
  if (step === 'start') {
    if (t.status === 'scheduled') await startTransferInTx(tx, platform, caller, t);
    return;
  }
  if (step === 'end') {
    // a start that has not run yet (its worker was down) runs first: jobs still end with the recipient
    let current = t;
    if (current.status === 'scheduled') current = await startTransferInTx(tx, platform, caller, current);
    if (current.status === 'active') await finishDurationInTx(tx, platform, caller, current, 'ended');
    return;
  }
  if (t.status !== 'scheduled') return;
  const result = await removeUserInTx(
    tx,
    platform,
    caller,
    t.userId,
    { transferTo: t.recipientId ?? undefined },
    { runningTransferId: t.id },
  );
  await repo.updateTransfer(tx, t.tenantId, t.id, {
    status: 'completed',
    startedAt: caller.ctx.clock.now(),
    finishedAt: caller.ctx.clock.now(),
    moved: JSON.stringify(result.moved),
  });
}

/** Recorded when a rule refused a scheduled change (recipient gone, last Super Admin, …): it will not run. */
export async function failTransferInTx(tx: Tx, caller: Caller, t: TransferRow, code: string, detail: string) {
  if (t.status !== 'scheduled' && t.status !== 'active') return;
  if (t.blockSignIn) await repo.setSignInBlock(tx, t.tenantId, t.userId, null);
  await repo.updateTransfer(tx, t.tenantId, t.id, {
    status: 'failed',
    finishedAt: caller.ctx.clock.now(),
    failureCode: code,
    failureDetail: detail,
  });
  await recordAudit(tx, caller.ctx, {
    action: t.kind === 'removal' ? 'user.removal_failed' : 'ownership.transfer_failed',
    target: { type: 'user', id: t.userId },
    after: { transferId: t.id, code, detail },
  });
}

// ---------------------------------------------------------------- reads

export async function transferView(tx: Tx, t: TransferRow, opts: { movedLimit?: number } = {}) {
  const people = await usersRepo.findUsers(
    tx,
    t.tenantId,
    [t.userId, t.recipientId].filter((x): x is string => x !== null),
  );
  const byId = new Map(people.map((p) => [p.id, p]));
  const user = byId.get(t.userId)!;
  const recipient = t.recipientId ? byId.get(t.recipientId) : undefined;
  const startsAt = new Date(t.startsAt);
  const endsAt = t.endsAt ? new Date(t.endsAt) : null;
  return {
    id: t.id,
    kind: t.kind,
    status: t.status,
    user: personRef(user),
    recipient: recipient ? personRef(recipient) : null,
    startsAt: startsAt.toISOString(),
    endsAt: endsAt?.toISOString() ?? null,
    timeZone: t.timeZone,
    start: zonedDateHour(startsAt, t.timeZone),
    end: endsAt ? zonedDateHour(endsAt, t.timeZone) : null,
    blockSignIn: t.blockSignIn,
    requestedBy: { id: t.requestedBy, label: t.requestedByLabel },
    createdAt: new Date(t.createdAt).toISOString(),
    startedAt: iso(t.startedAt),
    finishedAt: iso(t.finishedAt),
    cancelledAt: iso(t.cancelledAt),
    cancelledBy: t.cancelledByLabel,
    cancellable: t.status === 'scheduled' || t.status === 'active',
    movedCount: (t.moved as MovedItem[]).length,
    moved: opts.movedLimit ? (t.moved as MovedItem[]).slice(0, opts.movedLimit) : (t.moved as MovedItem[]),
    outcome: t.outcome ?? null,
    failure: t.failureCode ? { code: t.failureCode, detail: t.failureDetail ?? '' } : null,
  };
}
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export async function getTransfer(platform: Platform, caller: Caller, transferId: string) {
  authorize(caller.principal, 'users.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const t = await repo.findTransfer(tx, caller.ctx.tenantId, transferId);
    if (!t) throw OwnershipErrors.transferNotFound();
    await loadScopedUser(tx, caller, t.userId, { allowRemoved: true });
    return transferView(tx, t);
  });
}

export async function listTransfers(
  platform: Platform,
  caller: Caller,
  query: TransfersQuery & { userId?: string },
) {
  authorize(caller.principal, 'users.read');
  const limit = query.limit ?? 50;
  const after = decodeCursor(query.cursor, 2) as [string, string] | null;
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    if (query.userId) await loadScopedUser(tx, caller, query.userId, { allowRemoved: true });
    else authorize(caller.principal, 'users.scope.all');
    const rows = await repo.listTransfers(tx, caller.ctx.tenantId, {
      userId: query.userId,
      status: query.status,
      after: after ? { createdAt: after[0], id: after[1] } : null,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const items = [];
    for (const t of page) items.push(await transferView(tx, t, { movedLimit: 100 }));
    const last = page[page.length - 1];
    return {
      items,
      nextCursor:
        rows.length > limit && last ? encodeCursor([new Date(last.createdAt).toISOString(), last.id]) : null,
    };
  });
}

/** The clock marker and share icon of each listed user: their pending change and how much is shared with them. */
export async function ownershipFlagsOf(tx: Tx, tenantId: string, userIds: readonly string[]) {
  const [open, shares] = await Promise.all([
    repo.openTransfersOf(tx, tenantId, userIds),
    repo.shareCounts(tx, tenantId, userIds),
  ]);
  const pending = new Map(
    open.map((t) => [
      t.userId,
      {
        id: t.id,
        kind: t.kind as TransferKind,
        status: t.status as 'scheduled' | 'active',
        startsAt: new Date(t.startsAt).toISOString(),
        endsAt: iso(t.endsAt),
        blockSignIn: t.blockSignIn,
        timeZone: t.timeZone,
        recipient: t.recipientId
          ? { id: t.recipientId, name: `${t.recipientFirstName ?? ''} ${t.recipientLastName ?? ''}`.trim() }
          : null,
      },
    ]),
  );
  return { pending, shares };
}
