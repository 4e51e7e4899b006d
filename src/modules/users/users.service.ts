import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { recordAudit, recordAudits } from '../../platform/audit.ts';
import type { Principal } from '../../platform/auth.ts';
import { actorMasters, type Ctx } from '../../platform/context.ts';
import { type Tx, withTenantTx } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import { decodeCursor, encodeCursor } from '../../platform/schemas.ts';
import { AccessErrors } from '../access/access.errors.ts';
import * as accessRepo from '../access/access.repository.ts';
import { assertInUserScope, assertWithinCeiling, authorize, isSelf } from '../access/authorize.ts';
import { keepingASuperAdminFor } from '../access/super-admins.ts';
import { assertPasswordAcceptable, passwordPolicyOf } from '../auth/password-policy.ts';
import { hashPassword } from '../auth/passwords.ts';
import { GroupErrors } from '../groups/groups.errors.ts';
import * as groupsRepo from '../groups/groups.repository.ts';
import { releaseLicensesInTx } from '../licenses/licenses.service.ts';
import * as ownershipRepo from '../ownership/ownership.repository.ts';
import * as ownership from '../ownership/ownership.service.ts';
import { isValidTimeZone } from '../tenants/tenants.service.ts';
import { asksForVerification, sendVerificationInTx } from './email-verification.ts';
import { datesCtxOf, userDatesChanged } from './user-dates.ts';
import { planTransition, type StatusAction } from './user-status.ts';
import { UserErrors } from './users.errors.ts';
import type { UserRow } from './users.repository.ts';
import * as repo from './users.repository.ts';
import type {
  CreateUserBody,
  ListUsersQuery,
  OwnProfileBody,
  SkillsBody,
  UpdateUserBody,
} from './users.schemas.ts';

/** Who is asking, and in which tenant: every command and query of the directory takes one. */
export interface Caller {
  principal: Principal;
  ctx: Ctx;
}

export function initials(firstName: string, lastName: string): string {
  return `${[...firstName.trim()][0] ?? ''}${[...lastName.trim()][0] ?? ''}`.toUpperCase();
}

const label = (u: { firstName: string; lastName: string }) => `${u.firstName} ${u.lastName}`;

export function avatarUrl(u: Pick<UserRow, 'tenantId' | 'id' | 'avatarUpdatedAt'>): string {
  return `/api/v1/tenants/${u.tenantId}/users/${u.id}/avatar?v=${u.avatarUpdatedAt ? new Date(u.avatarUpdatedAt).getTime() : 0}`;
}

type RoleRef = { id: string; name: string; key: string | null };
type GroupRef = { id: string; name: string; isDefault: boolean; source?: string | null };

export function toSummary(u: UserRow, roles: RoleRef[], groups: GroupRef[], licensed = false) {
  return {
    id: u.id,
    tenantId: u.tenantId,
    firstName: u.firstName,
    lastName: u.lastName,
    email: u.email,
    username: u.username,
    status: u.status,
    kind: u.kind,
    jobTitle: u.jobTitle,
    department: u.department,
    initials: initials(u.firstName, u.lastName),
    avatarUrl: avatarUrl(u),
    source: u.source,
    licensed,
    roles,
    groups,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  };
}

/** The profile as the audit log records it: what an administrator can see and change. */
function auditView(u: UserRow) {
  return {
    firstName: u.firstName,
    lastName: u.lastName,
    email: u.email,
    username: u.username,
    kind: u.kind,
    status: u.status,
    phoneNumbers: u.phoneNumbers,
    jobTitle: u.jobTitle,
    department: u.department,
    employeeId: u.employeeId,
    hireDate: u.hireDate,
    leaveDate: u.leaveDate,
    locale: u.locale,
    timeZone: u.timeZone,
    notificationPreferences: u.notificationPreferences,
    customAttributes: u.customAttributes,
  };
}

/** Only the fields that differ, before and after. */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>) {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return { before: b, after: a, changed: Object.keys(a) };
}

export async function loadScopedUser(
  tx: Tx,
  caller: Caller,
  userId: string,
  opts: { forUpdate?: boolean; allowRemoved?: boolean } = {},
) {
  const user = await repo.findUser(tx, caller.ctx.tenantId, userId, opts);
  if (!user || (user.status === 'removed' && !opts.allowRemoved)) throw UserErrors.notFound();
  // who manages the user only matters to a caller whose scope is their own reports
  const managerIds = caller.principal.permissions.has('users.scope.all')
    ? []
    : await repo.managerIdsOf(tx, caller.ctx.tenantId, userId);
  assertInUserScope(caller.principal, caller.ctx.tenantId, {
    id: user.id,
    department: user.department,
    managerIds,
  });
  return user;
}

function translateUniqueViolation(
  error: unknown,
  input: { email?: string | null; username?: string | null },
): never {
  const constraint = (error as { constraint?: string; code?: string }).constraint;
  if ((error as { code?: string }).code === '23505') {
    if (constraint === 'users_email_key') throw UserErrors.emailTaken(input.email ?? '');
    if (constraint === 'users_username_key') throw UserErrors.usernameTaken(input.username ?? '');
  }
  throw error;
}

function checkProfile(input: {
  timeZone?: string | null;
  hireDate?: string | null;
  leaveDate?: string | null;
}) {
  if (input.timeZone && !isValidTimeZone(input.timeZone)) throw UserErrors.invalidTimeZone(input.timeZone);
  for (const [field, value] of [
    ['hireDate', input.hireDate],
    ['leaveDate', input.leaveDate],
  ] as const) {
    if (value && Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
      throw UserErrors.invalidDates(`${field} is not a real date`);
  }
  if (input.hireDate && input.leaveDate && input.leaveDate < input.hireDate) {
    throw UserErrors.invalidDates('The leave date cannot be before the hire date.');
  }
}

// ---------------------------------------------------------------- queries

export async function getUser(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'users.read');
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const u = await loadScopedUser(tx, caller, userId);
    const [roles, groups, managers, managedUsersCount, flags] = await Promise.all([
      repo.rolesOfUsers(tx, tenantId, [u.id]),
      repo.groupsOfUsers(tx, tenantId, [u.id]),
      repo.managersOf(tx, tenantId, u.id),
      repo.countManagedUsers(tx, tenantId, u.id),
      ownership.ownershipFlagsOf(tx, tenantId, [u.id]),
    ]);
    return {
      ...toSummary(
        u,
        roles.map(({ userId: _, ...r }) => r),
        groups.map(({ userId: _, ...g }) => g),
        (await repo.licensedUsers(tx, tenantId, [u.id])).has(u.id),
      ),
      pendingChange: flags.pending.get(u.id) ?? null,
      sharedCount: flags.shares.get(u.id) ?? 0,
      signInBlockedUntil:
        u.signInBlockedUntil && new Date(u.signInBlockedUntil).getTime() > caller.ctx.clock.now().getTime()
          ? new Date(u.signInBlockedUntil).toISOString()
          : null,
      phoneNumbers: u.phoneNumbers,
      employeeId: u.employeeId,
      hireDate: u.hireDate,
      leaveDate: u.leaveDate,
      locale: u.locale,
      timeZone: u.timeZone,
      notificationPreferences: u.notificationPreferences,
      customAttributes: u.customAttributes,
      hasAvatar: u.avatarContentType !== null,
      emailVerified: u.emailVerifiedAt !== null,
      sourceAttributes: u.sourceAttributes,
      // rule 4a: groups a directory provisioned are what the identity provider asserts
      idpGroups: [
        ...u.idpGroups,
        ...groups.filter((g) => g.source).map((g) => ({ id: g.id, name: g.name, source: g.source })),
      ],
      statusChangedAt: u.statusChangedAt,
      managers: managers.map((m) => ({ ...m, initials: initials(m.firstName, m.lastName) })),
      managedUsersCount,
    };
  });
}

export async function listUsers(platform: Platform, caller: Caller, query: ListUsersQuery) {
  authorize(caller.principal, 'users.read');
  const tenantId = caller.ctx.tenantId;
  const [sortField, direction] = (query.sort ?? 'lastName:asc').split(':') as [
    repo.SortField,
    'asc' | 'desc' | undefined,
  ];
  const limit = query.limit ?? 50;
  const after = decodeCursor(query.cursor, 2) as [string, string] | null;
  const filter = userFilterOf(caller, query);
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const [rows, counts] = await Promise.all([
      repo.listUsers(tx, tenantId, filter, {
        sort: sortField,
        direction: direction ?? 'asc',
        after,
        limit: limit + 1,
      }),
      repo.countUsersByStatus(tx, tenantId, filter),
    ]);
    const page = rows.slice(0, limit);
    const ids = page.map((r) => r.id);
    const [roles, groups, licensed, flags] = await Promise.all([
      repo.rolesOfUsers(tx, tenantId, ids),
      repo.groupsOfUsers(tx, tenantId, ids),
      repo.licensedUsers(tx, tenantId, ids),
      ownership.ownershipFlagsOf(tx, tenantId, ids),
    ]);
    const rolesBy = groupBy(roles);
    const groupsBy = groupBy(groups);
    const c = (s: string) => counts[s] ?? 0;
    const tabCounts = {
      active: c('active'),
      pending: c('pending'),
      suspended: c('suspended'),
      archived: c('archived'),
      all: c('active') + c('pending') + c('suspended') + c('archived'),
    };
    const last = page[page.length - 1];
    return {
      items: page.map((u) => ({
        ...toSummary(u, rolesBy.get(u.id) ?? [], groupsBy.get(u.id) ?? [], licensed.has(u.id)),
        pendingChange: flags.pending.get(u.id) ?? null,
        sharedCount: flags.shares.get(u.id) ?? 0,
      })),
      nextCursor: rows.length > limit && last ? encodeCursor([last.sortValue, last.id]) : null,
      total:
        !query.status || query.status === 'all'
          ? tabCounts.all
          : query.status === 'removed'
            ? c('removed')
            : tabCounts[query.status],
      counts: tabCounts,
    };
  });
}

/** The list's filters and the caller's data scope: the users list and its export select alike. */
export function userFilterOf(
  caller: Caller,
  query: Pick<ListUsersQuery, 'q' | 'status' | 'groupId' | 'roleId' | 'kind'>,
): repo.UserFilter {
  return {
    q: query.q,
    status: query.status,
    groupId: query.groupId,
    roleId: query.roleId,
    kind: query.kind,
    scope: scopeFilter(caller),
  };
}

/** The data scope as a list filter: a caller without `users.scope.all` lists only the users they reach. */
export function scopeFilter(caller: Caller): repo.UserFilter['scope'] {
  const p = caller.principal;
  if (p.permissions.has('users.scope.all')) return undefined;
  if (p.tenantId !== caller.ctx.tenantId) return { none: true };
  return {
    selfId: p.permissions.has('users.scope.self') ? p.userId : undefined,
    managerId: p.permissions.has('users.scope.managed') ? p.userId : undefined,
    department: p.permissions.has('users.scope.department') ? (p.department ?? undefined) : undefined,
  };
}

function groupBy<T extends { userId: string }>(rows: T[]): Map<string, Array<Omit<T, 'userId'>>> {
  const map = new Map<string, Array<Omit<T, 'userId'>>>();
  for (const { userId, ...rest } of rows) {
    const list = map.get(userId);
    if (list) list.push(rest);
    else map.set(userId, [rest]);
  }
  return map;
}

export async function listManagedUsers(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'users.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    await loadScopedUser(tx, caller, userId);
    const rows = await repo.managedUsersOf(tx, caller.ctx.tenantId, userId);
    return { items: rows.map((m) => ({ ...m, initials: initials(m.firstName, m.lastName) })) };
  });
}

// ---------------------------------------------------------------- create and update (rule 1)

export async function createUser(platform: Platform, caller: Caller, body: CreateUserBody) {
  authorize(caller.principal, 'users.create');
  const id = await withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const user = await createUserInTx(tx, caller, body);
    if (user.email && asksForVerification(caller.ctx))
      await sendVerificationInTx(platform, tx, caller.ctx, {
        id: user.id,
        email: user.email,
        firstName: user.firstName,
      });
    return user.id;
  });
  return getUser(platform, caller, id);
}

/** Rule 4a: a user provisioned by a directory names it, the attributes it masters and its id there. */
export interface DirectoryOrigin {
  source: 'scim' | 'ldap' | 'sso';
  sourceAttributes: string[];
  externalId?: string | null;
}

/** Creating one user inside a caller's transaction: the API and SCIM alike (imports batch the steps). */
export async function createUserInTx(
  tx: Tx,
  caller: Caller,
  body: CreateUserBody,
  origin?: DirectoryOrigin,
): Promise<UserRow> {
  authorize(caller.principal, 'users.create');
  const tenantId = caller.ctx.tenantId;
  checkNewUser(body);
  let passwordHash: string | null = null;
  if (body.password) {
    // rule 25: an initial password meets the tenant's policy like any other
    const settings = (
      await tx.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirstOrThrow()
    ).settings;
    assertPasswordAcceptable(passwordPolicyOf(settings), body.password, body);
    passwordHash = await hashPassword(body.password);
  }
  const access = await resolveNewUserAccess(tx, caller, body);
  const managerIds = body.managerIds ?? [];
  const managers = await repo.findUsers(tx, tenantId, managerIds);
  if (managers.length !== managerIds.length || managers.some((m) => m.status === 'removed'))
    throw UserErrors.managerNotFound();
  const [user] = await insertNewUsersInTx(tx, caller, [
    { profile: body, passwordHash, access, managerIds, origin },
  ]);
  return user!;
}

/** Rule 1 on a new user's profile, before anything is read or written. */
export function checkNewUser(
  body: Pick<CreateUserBody, 'email' | 'username' | 'timeZone' | 'hireDate' | 'leaveDate'>,
) {
  if (!body.email && !body.username) throw UserErrors.emailOrUsernameRequired();
  checkProfile(body);
}

export interface NewUserAccess {
  roles: Array<{ id: string; name: string; permissions: string[] }>;
  groups: Array<{ id: string; name: string; roleId: string | null }>;
}

/**
 * The roles and groups a new user starts with: those named, or the base role of the user's kind and
 * the Default group (rule 6: at least one); never beyond the creator's ceiling, group roles
 * included (rule 13). An import resolves each distinct combination once.
 */
export async function resolveNewUserAccess(
  tx: Tx,
  caller: Caller,
  body: { kind?: 'internal' | 'external'; roleIds?: readonly string[]; groupIds?: readonly string[] },
): Promise<NewUserAccess> {
  const tenantId = caller.ctx.tenantId;
  const kind = body.kind ?? 'internal';
  const roleIds = body.roleIds?.length
    ? [...body.roleIds]
    : [(await accessRepo.findRoleByKey(tx, tenantId, kind === 'external' ? 'external_user' : 'user'))!.id];
  const roles = await accessRepo.findRoles(tx, tenantId, roleIds);
  if (roles.length !== roleIds.length)
    throw AccessErrors.unknownRoles(roleIds.filter((r) => !roles.some((x) => x.id === r)));
  if (body.roleIds?.length)
    assertWithinCeiling(
      caller.principal,
      roles.flatMap((r) => r.permissions),
    );
  const groupIds = body.groupIds?.length
    ? [...body.groupIds]
    : [(await groupsRepo.findDefaultGroupId(tx, tenantId))!];
  const groups = await groupsRepo.findGroups(tx, tenantId, groupIds);
  if (groups.length !== groupIds.length)
    throw GroupErrors.unknownGroups(groupIds.filter((g) => !groups.some((x) => x.id === g)));
  await assertGroupRolesWithinCeiling(tx, caller, groups);
  return { roles, groups };
}

export type NewUserProfile = Omit<CreateUserBody, 'password' | 'roleIds' | 'groupIds' | 'managerIds'>;

export interface NewUserInput {
  /** Already through `checkNewUser`. */
  profile: NewUserProfile;
  passwordHash: string | null;
  access: NewUserAccess;
  managerIds?: readonly string[];
  origin?: DirectoryOrigin;
}

/**
 * Writes new users with their roles, groups and managers, and one `user.created` event each, in the
 * caller's transaction; one user (the API) or a batch (an import) alike. A taken email or username
 * fails the whole call: a batch caller that must keep the other rows retries them one by one.
 */
export async function insertNewUsersInTx(tx: Tx, caller: Caller, items: readonly NewUserInput[]) {
  const tenantId = caller.ctx.tenantId;
  const now = caller.ctx.clock.now();
  let users: UserRow[];
  try {
    users = await repo.insertUsers(
      tx,
      items.map(({ profile, passwordHash, origin }) => ({
        tenantId,
        id: uuidv7(),
        firstName: profile.firstName.trim(),
        lastName: profile.lastName.trim(),
        email: profile.email?.trim() || null,
        username: profile.username?.trim() || null,
        status: 'active' as const,
        kind: profile.kind ?? 'internal',
        passwordHash,
        passwordChangedAt: passwordHash ? now : null,
        phoneNumbers: JSON.stringify(profile.phoneNumbers ?? []),
        jobTitle: profile.jobTitle ?? null,
        department: profile.department ?? null,
        employeeId: profile.employeeId ?? null,
        hireDate: profile.hireDate ?? null,
        leaveDate: profile.leaveDate ?? null,
        locale: profile.locale ?? null,
        timeZone: profile.timeZone ?? null,
        notificationPreferences: JSON.stringify(profile.notificationPreferences ?? {}),
        customAttributes: JSON.stringify(profile.customAttributes ?? {}),
        ...(origin
          ? {
              source: origin.source,
              sourceAttributes: origin.sourceAttributes,
              externalId: origin.externalId ?? null,
            }
          : {}),
        statusChangedAt: now,
        createdAt: now,
        updatedAt: now,
      })),
    );
  } catch (error) {
    translateUniqueViolation(error, items.length === 1 ? items[0]!.profile : {});
  }
  await accessRepo.assignDirectRoles(
    tx,
    tenantId,
    users.flatMap((u, i) => items[i]!.access.roles.map((r) => ({ userId: u.id, roleId: r.id }))),
  );
  await groupsRepo.addMemberships(
    tx,
    tenantId,
    users.flatMap((u, i) => items[i]!.access.groups.map((g) => ({ groupId: g.id, userId: u.id }))),
  );
  for (const [i, u] of users.entries()) {
    const managerIds = items[i]!.managerIds ?? [];
    if (managerIds.length) await repo.replaceManagers(tx, tenantId, u.id, managerIds);
  }
  await recordAudits(
    tx,
    caller.ctx,
    users.map((u, i) => ({
      action: 'user.created',
      target: { type: 'user', id: u.id, label: label(u) },
      after: {
        ...auditView(u),
        roles: items[i]!.access.roles.map((r) => r.name),
        groups: items[i]!.access.groups.map((g) => g.name),
        managerIds: items[i]!.managerIds ?? [],
        ...(items[i]!.origin
          ? { source: items[i]!.origin!.source, externalId: items[i]!.origin!.externalId ?? null }
          : {}),
      },
    })),
  );
  for (const u of users) await userDatesChanged(tx, datesCtxOf(caller), { before: null, after: u });
  return users;
}

/** Joining a group that carries a group role grants that role: the ceiling applies (rule 13). */
export async function assertGroupRolesWithinCeiling(
  tx: Tx,
  caller: Caller,
  groups: ReadonlyArray<{ roleId: string | null }>,
) {
  const roleIds = [...new Set(groups.map((g) => g.roleId).filter((r): r is string => r !== null))];
  const roles = await accessRepo.findRoles(tx, caller.ctx.tenantId, roleIds);
  assertWithinCeiling(
    caller.principal,
    roles.flatMap((r) => r.permissions),
  );
}

const MASTERABLE = [
  'firstName',
  'lastName',
  'email',
  'username',
  'jobTitle',
  'department',
  'employeeId',
  'phoneNumbers',
  'hireDate',
  'leaveDate',
  'locale',
  'timeZone',
];

export async function updateUser(platform: Platform, caller: Caller, userId: string, body: UpdateUserBody) {
  authorize(caller.principal, 'users.update');
  await withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const result = await updateUserInTx(tx, caller, userId, body);
    await askToConfirmNewAddress(platform, tx, caller, result);
  });
  return getUser(platform, caller, userId);
}

/**
 * One user's profile change inside a caller's transaction: imports reuse it row by row, SCIM with an
 * `origin` that also records what the directory now masters and its id for the user.
 */
export async function updateUserInTx(
  tx: Tx,
  caller: Caller,
  userId: string,
  body: UpdateUserBody,
  origin?: DirectoryOrigin,
) {
  authorize(caller.principal, 'users.update');
  checkProfile(body);
  const current = await loadScopedUser(tx, caller, userId, { forUpdate: true });
  return applyProfileChanges(tx, caller, current, body, 'user.updated', origin);
}

/** A person changed the address, or an administrator typed a new one: its owner is asked to confirm it. */
async function askToConfirmNewAddress(
  platform: Platform,
  tx: Tx,
  caller: Caller,
  result: { emailChanged: boolean; user: UserRow },
) {
  if (result.emailChanged && result.user.email && asksForVerification(caller.ctx))
    await sendVerificationInTx(platform, tx, caller.ctx, {
      id: result.user.id,
      email: result.user.email,
      firstName: result.user.firstName,
    });
}

/**
 * The one path a profile changes by, whether an administrator edits a user or a person edits
 * themselves: directory-mastered fields (rule 4a), email-or-username (rule 1), uniqueness, the last
 * Super Admin, a new address no longer counted as confirmed, and the audit event of what differs.
 */
async function applyProfileChanges(
  tx: Tx,
  caller: Caller,
  current: UserRow,
  body: UpdateUserBody,
  auditAction: 'user.updated' | 'user.profile_updated',
  origin?: DirectoryOrigin,
) {
  const tenantId = caller.ctx.tenantId;
  const userId = current.id;
  // rule 4a: what a directory masters changes only through that directory
  const mastered = current.source
    ? Object.keys(body).filter(
        (f) =>
          current.sourceAttributes.includes(f) &&
          MASTERABLE.includes(f) &&
          JSON.stringify((body as Record<string, unknown>)[f]) !==
            JSON.stringify((current as Record<string, unknown>)[f]),
      )
    : [];
  if (mastered.length > 0 && !actorMasters(caller.ctx.actor, current.source))
    throw UserErrors.attributeMastered(mastered, current.source!);
  if (origin && !actorMasters(caller.ctx.actor, current.source)) {
    // a directory does not take over a user another directory provisioned
    throw UserErrors.attributeMastered(origin.sourceAttributes, current.source!);
  }
  const email = body.email === undefined ? current.email : body.email;
  const username = body.username === undefined ? current.username : body.username;
  if (!email && !username) throw UserErrors.emailOrUsernameRequired();
  checkProfile({
    hireDate: body.hireDate === undefined ? current.hireDate : body.hireDate,
    leaveDate: body.leaveDate === undefined ? current.leaveDate : body.leaveDate,
  });
  if (body.kind === 'external' && current.kind === 'internal' && isSelf(caller, userId)) {
    throw UserErrors.selfAction('make external');
  }
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    const trimmed = typeof value === 'string' ? value.trim() : value;
    changes[key] = ['phoneNumbers', 'notificationPreferences', 'customAttributes'].includes(key)
      ? JSON.stringify(value)
      : trimmed;
  }
  if (origin) {
    changes.source = origin.source;
    changes.sourceAttributes = origin.sourceAttributes;
    if (origin.externalId !== undefined) changes.externalId = origin.externalId;
  }
  // a different address is not the one its owner confirmed
  const emailChanged = (email?.trim().toLowerCase() ?? null) !== (current.email?.toLowerCase() ?? null);
  if (emailChanged) changes.emailVerifiedAt = null;
  let updated: UserRow;
  try {
    updated = await keepingASuperAdminFor(tx, tenantId, userId, () =>
      repo.updateUser(tx, tenantId, userId, { ...changes, updatedAt: caller.ctx.clock.now() }),
    );
  } catch (error) {
    translateUniqueViolation(error, { email, username });
  }
  const d = diff(
    { ...auditView(current), source: current.source, externalId: current.externalId },
    { ...auditView(updated), source: updated.source, externalId: updated.externalId },
  );
  if (d.changed.length > 0) {
    await recordAudit(tx, caller.ctx, {
      action: auditAction,
      target: { type: 'user', id: userId, label: label(updated) },
      before: d.before,
      after: d.after,
    });
  }
  await userDatesChanged(tx, datesCtxOf(caller), { before: current, after: updated });
  return { changed: d.changed.length > 0, emailChanged, user: updated };
}

// ---------------------------------------------------------------- one's own profile and first-sign-in setup

function ownProfileView(u: UserRow) {
  return {
    id: u.id,
    tenantId: u.tenantId,
    firstName: u.firstName,
    lastName: u.lastName,
    email: u.email,
    emailVerified: u.emailVerifiedAt !== null,
    username: u.username,
    phoneNumbers: u.phoneNumbers,
    locale: u.locale,
    timeZone: u.timeZone,
    notificationPreferences: u.notificationPreferences,
    initials: initials(u.firstName, u.lastName),
    avatarUrl: avatarUrl(u),
    hasAvatar: u.avatarContentType !== null,
    source: u.source,
    sourceAttributes: u.sourceAttributes,
    setupPending: u.setupPending,
  };
}

async function loadSelf(tx: Tx, caller: Caller, opts: { forUpdate?: boolean } = {}) {
  const self = await repo.findUser(tx, caller.ctx.tenantId, caller.principal.userId, opts);
  if (!self) throw UserErrors.notFound();
  return self;
}

/** The profile with the tenant's time zone beside it: what a person's own unset zone falls back to. */
async function ownProfile(tx: Tx, caller: Caller) {
  const tenant = await tx
    .selectFrom('tenants')
    .select(sql<string | null>`settings->>'timeZone'`.as('timeZone'))
    .where('id', '=', caller.ctx.tenantId)
    .executeTakeFirstOrThrow();
  return { ...ownProfileView(await loadSelf(tx, caller)), tenantTimeZone: tenant.timeZone };
}

/** Everyone may read and change their own profile; no permission is needed to be oneself. */
export async function getOwnProfile(platform: Platform, caller: Caller) {
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => await ownProfile(tx, caller));
}

export async function updateOwnProfile(platform: Platform, caller: Caller, body: OwnProfileBody) {
  checkProfile(body);
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const self = await loadSelf(tx, caller, { forUpdate: true });
    await askToConfirmNewAddress(
      platform,
      tx,
      caller,
      await applyProfileChanges(tx, caller, self, body, 'user.profile_updated'),
    );
    return await ownProfile(tx, caller);
  });
}

/** The end of the first-sign-in setup (finished or skipped): it is not offered again. */
export async function completeSetup(platform: Platform, caller: Caller, skipped: boolean) {
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const self = await loadSelf(tx, caller, { forUpdate: true });
    if (self.setupPending) {
      await repo.updateUser(tx, caller.ctx.tenantId, self.id, {
        setupPending: false,
        updatedAt: caller.ctx.clock.now(),
      });
      await recordAudit(tx, caller.ctx, {
        action: skipped ? 'user.setup_skipped' : 'user.setup_completed',
        target: { type: 'user', id: self.id, label: label(self) },
      });
    }
    return await ownProfile(tx, caller);
  });
}

// ---------------------------------------------------------------- status (rule 3)

const STATUS_PERMISSION: Record<Exclude<StatusAction, 'activate'>, string> = {
  suspend: 'users.suspend',
  reactivate: 'users.suspend',
  archive: 'users.archive',
  remove: 'users.remove',
};
const STATUS_EVENT: Record<StatusAction, string> = {
  activate: 'user.activated',
  suspend: 'user.suspended',
  reactivate: 'user.reactivated',
  archive: 'user.archived',
  remove: 'user.removed',
};

export async function changeStatus(
  platform: Platform,
  caller: Caller,
  userId: string,
  action: Exclude<StatusAction, 'activate' | 'remove'>,
) {
  authorize(caller.principal, STATUS_PERMISSION[action]);
  const outcome = await withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    changeStatusInTx(tx, caller, userId, action),
  );
  // the console says what the change did ("Frank Miller suspended; 2 sessions ended")
  return { ...(await getUser(platform, caller, userId)), endedSessions: outcome.endedSessions };
}

/** One user's status change inside a caller's transaction: bulk actions and flow steps reuse it. */
export async function changeStatusInTx(
  tx: Tx,
  caller: Caller,
  userId: string,
  action: Exclude<StatusAction, 'activate' | 'remove'>,
) {
  const tenantId = caller.ctx.tenantId;
  authorize(caller.principal, STATUS_PERMISSION[action]);
  if (action !== 'reactivate' && isSelf(caller, userId)) throw UserErrors.selfAction(action);
  return keepingASuperAdminFor(tx, tenantId, userId, async () => {
    const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
    const transition = planTransition(user.status, action);
    if (!transition.changes) return { changed: false, endedSessions: 0 };
    const now = caller.ctx.clock.now();
    await repo.setStatus(tx, tenantId, userId, transition.to, now);
    // rule 3 and 27: a suspended or archived user cannot sign in, so every session and token ends now
    const revoked = action === 'reactivate' ? null : await repo.revokeAccess(tx, tenantId, userId, now);
    // rule 16: archiving frees the user's licences; suspension keeps them
    const licenses = action === 'archive' ? await releaseLicensesInTx(tx, caller, userId) : null;
    await recordAudit(tx, caller.ctx, {
      action: STATUS_EVENT[action],
      target: { type: 'user', id: userId, label: label(user) },
      before: { status: transition.from },
      after: {
        status: transition.to,
        ...(revoked ? { endedSessions: revoked.sessions, revokedTokens: revoked.tokens } : {}),
        ...(licenses?.released.length ? { releasedLicenses: licenses.released } : {}),
      },
    });
    return { changed: true, endedSessions: revoked?.sessions ?? 0 };
  });
}

/**
 * Removal (rule 19, immediate form; `ownership.service` schedules the other and runs it through
 * here): pending changes involving the user end first, whatever the user owns moves to a recipient
 * (required when there is anything a removal does not simply free), then sessions and tokens end,
 * licences are freed, memberships, management links and shares go, and the user becomes a
 * tombstone. All or nothing, in the caller's transaction.
 */
export async function removeUserInTx(
  tx: Tx,
  platform: Platform,
  caller: Caller,
  userId: string,
  body: { transferTo?: string; preview?: boolean },
  opts: { runningTransferId?: string } = {},
) {
  const tenantId = caller.ctx.tenantId;
  authorize(caller.principal, 'users.remove');
  if (isSelf(caller, userId)) throw UserErrors.selfAction('remove');
  return keepingASuperAdminFor(tx, tenantId, userId, async () => {
    const user = await loadScopedUser(tx, caller, userId, { forUpdate: true, allowRemoved: true });
    const transition = planTransition(user.status, 'remove');
    const recipient = body.transferTo
      ? await ownership.loadRecipient(tx, caller, user, body.transferTo)
      : null;
    const plan = await ownership.planFor(tx, caller, user, recipient, 'removal');
    if (body.preview || !transition.changes) return { status: user.status, changed: false, plan, moved: [] };
    await ownership.closeOpenTransfersInTx(tx, platform, caller, userId, { except: opts.runningTransferId });
    const owned = await ownership.ownedNeedingRecipient(tx, tenantId, userId);
    if (owned > 0 && !recipient) throw UserErrors.recipientRequired(owned);
    const userGroupIds = await groupsRepo.groupIdsOf(tx, tenantId, userId);
    if (recipient) await ownership.assertJoinsWithinCeiling(tx, caller, user, recipient);
    const moved = recipient
      ? await ownership.moveOwnershipsInTx(tx, platform, caller, user, recipient, 'removal', {
          transferId: opts.runningTransferId ?? null,
          reason: 'removal',
        })
      : [];
    const now = caller.ctx.clock.now();
    const licenses = await releaseLicensesInTx(tx, caller, userId);
    const revoked = await repo.revokeAccess(tx, tenantId, userId, now);
    await groupsRepo.removeAllMemberships(tx, tenantId, userId);
    await repo.detachFromManagement(tx, tenantId, userId);
    await ownershipRepo.deleteSharesOfUser(tx, tenantId, userId);
    await ownershipRepo.setSignInBlock(tx, tenantId, userId, null);
    await repo.setStatus(tx, tenantId, userId, 'removed', now);
    await recordAudit(tx, caller.ctx, {
      action: 'user.removed',
      target: { type: 'user', id: userId, label: label(user) },
      before: { status: transition.from, groupIds: userGroupIds },
      after: {
        status: 'removed',
        transferredTo: recipient?.id ?? null,
        ...(opts.runningTransferId ? { scheduledRemovalId: opts.runningTransferId } : {}),
        moved: ownership.summarizeMoves(moved),
        endedSessions: revoked.sessions,
        revokedTokens: revoked.tokens,
        releasedLicenses: licenses.released,
      },
    });
    return { status: 'removed' as const, changed: true, plan, moved };
  });
}

// ---------------------------------------------------------------- managers (rule 4)

export async function setManagers(platform: Platform, caller: Caller, userId: string, managerIds: string[]) {
  authorize(caller.principal, 'users.update');
  await withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    setManagersInTx(tx, caller, userId, managerIds),
  );
  return getUser(platform, caller, userId);
}

export async function setManagersInTx(tx: Tx, caller: Caller, userId: string, managerIds: string[]) {
  authorize(caller.principal, 'users.update');
  const tenantId = caller.ctx.tenantId;
  // one manager edit at a time per tenant: two concurrent edits could otherwise close a cycle together
  await tx.executeQuery(
    (await import('kysely'))
      .sql`select pg_advisory_xact_lock(hashtextextended(${`rollcall:managers:${tenantId}`}, 0))`.compile(tx),
  );
  const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
  if (user.sourceAttributes.includes('managers') && !actorMasters(caller.ctx.actor, user.source))
    throw UserErrors.attributeMastered(['managers'], user.source!);
  if (managerIds.includes(userId)) throw UserErrors.selfManager();
  const managers = await repo.findUsers(tx, tenantId, managerIds);
  if (managers.length !== managerIds.length || managers.some((m) => m.status === 'removed'))
    throw UserErrors.managerNotFound();
  const ancestors = await repo.managementAncestors(tx, tenantId, managerIds);
  if (ancestors.has(userId)) throw UserErrors.managerCycle();
  const before = await repo.managerIdsOf(tx, tenantId, userId);
  await repo.replaceManagers(tx, tenantId, userId, managerIds);
  if (JSON.stringify([...before].sort()) !== JSON.stringify([...managerIds].sort())) {
    await recordAudit(tx, caller.ctx, {
      action: 'user.managers_changed',
      target: { type: 'user', id: userId, label: label(user) },
      before: { managerIds: before },
      after: { managerIds },
    });
  }
}

// ---------------------------------------------------------------- skills and certifications

function skillView(
  s: {
    id: string;
    kind: string;
    name: string;
    issuer: string | null;
    issuedOn: string | null;
    expiresOn: string | null;
  },
  today: string,
) {
  const expiresInDays = s.expiresOn
    ? Math.round((Date.parse(`${s.expiresOn}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000)
    : null;
  return { ...s, expired: expiresInDays !== null && expiresInDays < 0, expiresInDays };
}

export async function listSkills(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'users.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    await loadScopedUser(tx, caller, userId);
    const today = caller.ctx.clock.now().toISOString().slice(0, 10);
    return {
      items: (await repo.listSkills(tx, caller.ctx.tenantId, userId)).map((s) => skillView(s, today)),
    };
  });
}

export async function replaceSkills(platform: Platform, caller: Caller, userId: string, body: SkillsBody) {
  authorize(caller.principal, 'users.update');
  for (const item of body.items) {
    if (item.issuedOn && item.expiresOn && item.expiresOn < item.issuedOn) {
      throw new AppError('invalid', 'user.invalid_dates', `"${item.name}" expires before it was issued.`);
    }
  }
  await withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
    const before = await repo.listSkills(tx, caller.ctx.tenantId, userId);
    const items = body.items.map((i) => ({
      id: uuidv7(),
      kind: i.kind,
      name: i.name.trim(),
      issuer: i.issuer ?? null,
      issuedOn: i.issuedOn ?? null,
      expiresOn: i.expiresOn ?? null,
    }));
    await repo.replaceSkills(tx, caller.ctx.tenantId, userId, items);
    await recordAudit(tx, caller.ctx, {
      action: 'user.skills_changed',
      target: { type: 'user', id: userId, label: label(user) },
      before: before.map(({ id: _, ...s }) => s),
      after: items.map(({ id: _, ...s }) => s),
    });
  });
  return listSkills(platform, caller, userId);
}

// ---------------------------------------------------------------- avatar (rule 2)

const MAX_AVATAR_BYTES = 1_048_576;

/** The image type by its first bytes: a name or a declared type proves nothing. */
export function sniffImage(bytes: Buffer): 'image/png' | 'image/jpeg' | 'image/webp' | null {
  if (
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (
    bytes.length >= 12 &&
    bytes.toString('ascii', 0, 4) === 'RIFF' &&
    bytes.toString('ascii', 8, 12) === 'WEBP'
  )
    return 'image/webp';
  return null;
}

const PALETTE = ['#4263eb', '#0ca678', '#f76707', '#ae3ec9', '#1098ad', '#d6336c', '#5c940d', '#e8590c'];

/** The initials avatar: an SVG circle with the first letters of first and last name. */
export function initialsSvg(firstName: string, lastName: string, seed: string): string {
  const text = initials(firstName, lastName).replace(/[<>&"']/g, '');
  const color = PALETTE[[...seed].reduce((a, c) => a + c.charCodeAt(0), 0) % PALETTE.length];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96" role="img" aria-label="${text}"><circle cx="48" cy="48" r="48" fill="${color}"/><text x="50%" y="50%" dy=".35em" text-anchor="middle" font-family="Inter, Segoe UI, Helvetica, Arial, sans-serif" font-size="38" font-weight="600" fill="#fff">${text}</text></svg>`;
}

export async function readAvatar(platform: Platform, caller: Caller, userId: string) {
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const row = await repo.readAvatar(tx, caller.ctx.tenantId, userId);
    if (!row) throw UserErrors.notFound();
    if (row.avatar && row.avatarContentType) return { contentType: row.avatarContentType, body: row.avatar };
    return {
      contentType: 'image/svg+xml',
      body: Buffer.from(initialsSvg(row.firstName, row.lastName, userId)),
    };
  });
}

export async function writeAvatar(platform: Platform, caller: Caller, userId: string, bytes: Buffer | null) {
  const self = caller.principal.userId === userId && caller.principal.tenantId === caller.ctx.tenantId;
  if (!self) authorize(caller.principal, 'users.update');
  let contentType: string | null = null;
  if (bytes) {
    if (bytes.length > MAX_AVATAR_BYTES) throw UserErrors.avatarTooLarge();
    contentType = sniffImage(bytes);
    if (!contentType) throw UserErrors.avatarInvalid('The avatar must be a PNG, JPEG or WebP image.');
  }
  await withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const user = self
      ? await repo.findUser(tx, caller.ctx.tenantId, userId)
      : await loadScopedUser(tx, caller, userId);
    if (!user) throw UserErrors.notFound();
    await repo.writeAvatar(tx, caller.ctx.tenantId, userId, bytes, contentType, caller.ctx.clock.now());
    await recordAudit(tx, caller.ctx, {
      action: bytes ? 'user.avatar_changed' : 'user.avatar_removed',
      target: { type: 'user', id: userId, label: label(user) },
      after: bytes ? { contentType, bytes: bytes.length } : null,
    });
  });
}

// ---------------------------------------------------------------- sessions and tokens

export async function revokeUserAccess(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'users.sessions');
  await withTenantTx(platform.db, caller.ctx.tenantId, (tx) => revokeUserAccessInTx(tx, caller, userId));
}

export async function revokeUserAccessInTx(tx: Tx, caller: Caller, userId: string) {
  authorize(caller.principal, 'users.sessions');
  const user = await loadScopedUser(tx, caller, userId);
  const revoked = await repo.revokeAccess(tx, caller.ctx.tenantId, userId, caller.ctx.clock.now());
  if (revoked.sessions + revoked.tokens === 0) return { changed: false };
  await recordAudit(tx, caller.ctx, {
    action: 'user.access_revoked',
    target: { type: 'user', id: userId, label: label(user) },
    after: { endedSessions: revoked.sessions, revokedTokens: revoked.tokens },
  });
  return { changed: true };
}
