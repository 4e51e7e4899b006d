import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../../platform/audit.ts';
import type { Principal } from '../../../platform/auth.ts';
import { type Tx, withTenantTx } from '../../../platform/db.ts';
import type { Platform } from '../../../platform/platform.ts';
import { hashToken, newToken } from '../../../platform/tokens.ts';
import { assertWithinCeiling, authorize } from '../../access/authorize.ts';
import { setPasswordInTx } from '../../auth/credentials.service.ts';
import { GroupErrors } from '../../groups/groups.errors.ts';
import * as groupsRepo from '../../groups/groups.repository.ts';
import * as groups from '../../groups/groups.service.ts';
import type { UserRow } from '../../users/users.repository.ts';
import * as usersRepo from '../../users/users.repository.ts';
import type { UpdateUserBody } from '../../users/users.schemas.ts';
import type { Caller } from '../../users/users.service.ts';
import * as users from '../../users/users.service.ts';
import { ScimErrors } from './scim.errors.ts';
import { member } from './scim.evaluate.ts';
import { type Filter, parseFilter, parsePatchPath } from './scim.filter.ts';
import { applyPatch, type PatchOperation, validatePatchBody } from './scim.patch.ts';
import * as repo from './scim.repository.ts';
import {
  type GroupInput,
  type GroupRow,
  groupInput,
  groupResource,
  type UserInput,
  userInput,
  userResource,
} from './scim.resources.ts';
import {
  COMMON_ATTRIBUTES,
  LIST_RESPONSE,
  RESOURCE_TYPES,
  type ResourceTypeDef,
  resolvePath,
  SCHEMAS,
  type ScimAttribute,
} from './scim.schema.ts';
import { filterToSql, sortExpression } from './scim.sql.ts';

/**
 * The SCIM 2.0 service provider. Every change is one transaction through the same services as the
 * REST API — rules, data scope, privilege ceiling and audit included — with the SCIM token as the
 * actor. The token's principal holds PROVISIONING_PERMISSIONS and grants group roles only within the
 * permissions its creator held (rule 13).
 */
export const PROVISIONING_PERMISSIONS = [
  'users.read',
  'users.create',
  'users.update',
  'users.suspend',
  'users.archive',
  'users.remove',
  'users.passwords',
  'users.scope.all',
  'groups.read',
  'groups.manage',
] as const;

type Json = Record<string, unknown>;

export interface ScimCaller extends Caller {
  /** The SCIM base URL, for `location` and `$ref`. */
  base: string;
}

export const DEFAULT_COUNT = 100;
export const MAX_COUNT = 200;
export const MAX_BULK_OPERATIONS = 1000;

// ---------------------------------------------------------------- projection (RFC 7644 §3.9)

export interface Projection {
  attributes?: string[];
  excludedAttributes?: string[];
}

export function parseAttributeList(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const list = Array.isArray(value) ? value : String(value).split(',');
  return list.map((s) => String(s).trim()).filter((s) => s !== '');
}

function copyPath(from: Json, to: Json, type: ResourceTypeDef, path: string) {
  const resolved = resolvePath(type, path);
  const whole = [type.schema, ...type.extensions].find((u) => u.toLowerCase() === path.toLowerCase());
  if (whole && whole !== type.schema) {
    if (from[whole] !== undefined) to[whole] = from[whole];
    return;
  }
  if (!resolved) return;
  const src = resolved.extension ? (from[resolved.extension] as Json | undefined) : from;
  if (!src || src[resolved.attribute.name] === undefined) return;
  if (resolved.extension && !to[resolved.extension]) to[resolved.extension] = {};
  const dst = resolved.extension ? (to[resolved.extension] as Json) : to;
  const value = src[resolved.attribute.name];
  if (!resolved.sub) {
    dst[resolved.attribute.name] = value;
    return;
  }
  const sub = resolved.sub.name;
  if (Array.isArray(value)) {
    const existing = (dst[resolved.attribute.name] as Json[] | undefined) ?? value.map(() => ({}));
    dst[resolved.attribute.name] = existing.map((e, i) => ({ ...e, [sub]: (value[i] as Json)[sub] }));
  } else if (value && typeof value === 'object') {
    dst[resolved.attribute.name] = {
      ...((dst[resolved.attribute.name] as Json) ?? {}),
      [sub]: (value as Json)[sub],
    };
  }
}

function alwaysReturned(type: ResourceTypeDef): ScimAttribute[] {
  return [...COMMON_ATTRIBUTES, ...SCHEMAS[type.schema]!.attributes].filter((a) => a.returned === 'always');
}

/** `attributes` keeps only what is named (and what is always returned); `excludedAttributes` drops. */
export function project(resource: Json, type: ResourceTypeDef, p: Projection): Json {
  if (p.attributes && p.attributes.length > 0) {
    const out: Json = { schemas: resource.schemas };
    for (const a of alwaysReturned(type)) if (resource[a.name] !== undefined) out[a.name] = resource[a.name];
    for (const path of p.attributes) copyPath(resource, out, type, path);
    return out;
  }
  if (p.excludedAttributes && p.excludedAttributes.length > 0) {
    const out = structuredClone(resource);
    for (const path of p.excludedAttributes) {
      const whole = type.extensions.find((u) => u.toLowerCase() === path.toLowerCase());
      if (whole) {
        delete out[whole];
        continue;
      }
      const resolved = resolvePath(type, path);
      if (!resolved || (!resolved.sub && resolved.attribute.returned === 'always')) continue;
      const box = resolved.extension ? (out[resolved.extension] as Json | undefined) : out;
      if (!box) continue;
      if (!resolved.sub) delete box[resolved.attribute.name];
      else {
        const v = box[resolved.attribute.name];
        for (const item of Array.isArray(v) ? v : v ? [v] : []) delete (item as Json)[resolved.sub.name];
      }
    }
    return out;
  }
  return resource;
}

/** Whether a projection leaves a group's members out, so they need not be loaded. */
function membersWanted(p: Projection): boolean {
  if (p.attributes && p.attributes.length > 0) return p.attributes.some((a) => /(^|:)members(\.|$)/i.test(a));
  return !(p.excludedAttributes ?? []).some((a) => /(^|:)members$/i.test(a));
}

// ---------------------------------------------------------------- versions (ETags)

/** If-Match: `*`, or one of the listed versions (weak comparison, RFC 9110 §13.1.1). */
export function assertVersion(ifMatch: string | undefined, current: string) {
  if (!ifMatch) return;
  const wanted = ifMatch.split(',').map((v) => v.trim());
  const bare = (v: string) => v.replace(/^W\//, '');
  if (wanted.includes('*') || wanted.some((v) => bare(v) === bare(current))) return;
  throw ScimErrors.versionMismatch();
}

// ---------------------------------------------------------------- users: reading

async function renderUsers(tx: Tx, caller: ScimCaller, rows: UserRow[]): Promise<Json[]> {
  const tenantId = caller.ctx.tenantId;
  const ids = rows.map((r) => r.id);
  const [managers, memberships] = await Promise.all([
    repo.firstManagers(tx, tenantId, ids),
    usersRepo.groupsOfUsers(tx, tenantId, ids),
  ]);
  return rows.map((u) =>
    userResource(
      u,
      {
        manager: managers.get(u.id) ?? null,
        groups: memberships.filter((m) => m.userId === u.id).map((m) => ({ id: m.id, name: m.name })),
      },
      caller.base,
    ),
  );
}

async function loadUser(tx: Tx, caller: ScimCaller, id: string, forUpdate = false) {
  const row = await repo.findVisibleUser(tx, caller.ctx.tenantId, id, { forUpdate });
  if (!row) throw ScimErrors.userNotFound(id);
  const [resource] = await renderUsers(tx, caller, [row]);
  return { row, resource: resource! };
}

export async function getUser(platform: Platform, caller: ScimCaller, id: string) {
  authorize(caller.principal, 'users.read');
  assertUuid(id, 'User');
  return withTenantTx(
    platform.db,
    caller.ctx.tenantId,
    async (tx) => (await loadUser(tx, caller, id)).resource,
  );
}

export interface ListQuery extends Projection {
  filter?: string;
  startIndex?: number;
  count?: number;
  sortBy?: string;
  sortOrder?: string;
}

function paging(q: ListQuery) {
  const startIndex = Math.max(1, Math.trunc(q.startIndex ?? 1));
  const count = Math.min(MAX_COUNT, Math.max(0, Math.trunc(q.count ?? DEFAULT_COUNT)));
  const order = q.sortOrder?.toLowerCase();
  if (order && order !== 'ascending' && order !== 'descending')
    throw ScimErrors.invalidValue('sortOrder is ascending or descending.');
  return { startIndex, count, descending: order === 'descending' };
}

function listResponse(total: number, startIndex: number, resources: Json[]) {
  return {
    schemas: [LIST_RESPONSE],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

export async function listUsers(platform: Platform, caller: ScimCaller, q: ListQuery) {
  authorize(caller.principal, 'users.read');
  const { startIndex, count, descending } = paging(q);
  const type = RESOURCE_TYPES.User;
  const tenantId = caller.ctx.tenantId;
  const filter: Filter | null = q.filter ? parseFilter(q.filter) : null;
  const where = filter ? filterToSql(type, tenantId, filter) : null;
  const order = q.sortBy ? sortExpression(type, q.sortBy) : null;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const [total, rows] = await Promise.all([
      repo.countUsers(tx, tenantId, where),
      count === 0
        ? Promise.resolve([])
        : repo.listUsers(tx, tenantId, where, { offset: startIndex - 1, limit: count, order, descending }),
    ]);
    const resources = (await renderUsers(tx, caller, rows)).map((r) => project(r, type, q));
    return listResponse(total, startIndex, resources);
  });
}

// ---------------------------------------------------------------- users: writing

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function assertUuid(id: string, what: 'User' | 'Group') {
  if (!UUID.test(id)) throw what === 'User' ? ScimErrors.userNotFound(id) : ScimErrors.groupNotFound(id);
}

/** SCIM's userName is unique across username and the email of users without one. */
async function assertUserNameFree(tx: Tx, caller: ScimCaller, userName: string, exceptId?: string) {
  const where = filterToSql(RESOURCE_TYPES.User, caller.ctx.tenantId, {
    kind: 'compare',
    path: 'userName',
    op: 'eq',
    value: userName,
  });
  const [clash] = await repo.listUsers(tx, caller.ctx.tenantId, where, {
    offset: 0,
    limit: 2,
    order: null,
    descending: false,
  });
  if (clash && clash.id !== exceptId) throw ScimErrors.uniqueness(`userName "${userName}" is already taken.`);
}

async function createUserInTx(tx: Tx, caller: ScimCaller, body: unknown) {
  const input = userInput(asObject(body));
  await assertUserNameFree(tx, caller, input.userName);
  const custom = Object.fromEntries(Object.entries(input.custom).filter(([, v]) => v !== null));
  const created = await users.createUserInTx(
    tx,
    caller,
    {
      firstName: input.firstName,
      lastName: input.lastName,
      email: input.email,
      username: input.userName,
      phoneNumbers: input.phoneNumbers,
      jobTitle: input.jobTitle,
      department: input.department,
      employeeId: input.employeeId,
      locale: input.locale,
      timeZone: input.timeZone,
      ...(Object.keys(custom).length > 0 ? { customAttributes: custom as Record<string, string> } : {}),
      ...(input.password ? { password: input.password } : {}),
      ...(input.managerId ? { managerIds: [assertUuidValue(input.managerId)] } : {}),
    },
    { source: 'scim', sourceAttributes: [...input.present], externalId: input.externalId },
  );
  if (input.active === false) await users.changeStatusInTx(tx, caller, created.id, 'suspend');
  return (await loadUser(tx, caller, created.id)).resource;
}

function assertUuidValue(id: string) {
  if (!UUID.test(id)) throw ScimErrors.invalidValue(`manager "${id}" is not the id of a user here.`);
  return id.toLowerCase();
}

export async function createUser(platform: Platform, caller: ScimCaller, body: unknown) {
  authorize(caller.principal, 'users.create');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) => createUserInTx(tx, caller, body));
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Writes what a SCIM representation says over a user. `replace` (PUT): fields the resource leaves
 * out are cleared when SCIM mastered them, and kept when it never did, so values administrators set
 * in Rollcall survive an identity provider that does not map them. `patch`: the patched resource is
 * complete, and what the client touched joins what SCIM masters.
 */
async function writeUser(
  tx: Tx,
  caller: ScimCaller,
  current: UserRow,
  input: UserInput,
  mode: { kind: 'replace' } | { kind: 'patch'; touched: Set<string> },
) {
  const tenantId = caller.ctx.tenantId;
  const previouslyMastered = current.source === 'scim' ? current.sourceAttributes : [];
  const mastered = new Set(
    mode.kind === 'replace'
      ? [...input.present, ...previouslyMastered]
      : [...previouslyMastered, ...mode.touched],
  );
  const applies = (field: string) => mode.kind === 'patch' || mastered.has(field);
  const body: Record<string, unknown> = {};
  const set = (field: keyof UserRow & keyof UpdateUserBody, value: unknown) => {
    if (applies(field) && !same(value, current[field])) body[field] = value;
  };
  set('firstName', input.firstName);
  set('lastName', input.lastName);
  const currentUserName = current.username ?? current.email;
  if (input.userName !== currentUserName) {
    if (input.userName.toLowerCase() !== currentUserName?.toLowerCase())
      await assertUserNameFree(tx, caller, input.userName, current.id);
    body.username = input.userName;
  }
  set('email', input.email);
  set('phoneNumbers', input.phoneNumbers);
  set('jobTitle', input.jobTitle);
  set('locale', input.locale);
  set('timeZone', input.timeZone);
  set('employeeId', input.employeeId);
  set('department', input.department);
  const custom = { ...(current.customAttributes ?? {}) } as Record<string, unknown>;
  for (const [k, v] of Object.entries(input.custom)) {
    if (v === null) delete custom[k];
    else custom[k] = v;
  }
  if (!same(custom, current.customAttributes)) body.customAttributes = custom;

  const sourceAttributes = [...mastered].filter((f) => f !== 'externalId').sort();
  // externalId is the client's own: a PUT that leaves it out keeps it
  const externalId =
    mode.kind === 'patch' || input.present.has('externalId') ? input.externalId : current.externalId;
  const originChanged =
    current.source !== 'scim' ||
    !same([...current.sourceAttributes].sort(), sourceAttributes) ||
    externalId !== current.externalId;
  if (Object.keys(body).length > 0 || originChanged) {
    await users.updateUserInTx(tx, caller, current.id, body as UpdateUserBody, {
      source: 'scim',
      sourceAttributes,
      externalId,
    });
  }

  if (applies('managers')) {
    const currentManagers = await usersRepo.managerIdsOf(tx, tenantId, current.id);
    const wanted = input.managerId ? [assertUuidValue(input.managerId)] : [];
    const unchanged =
      wanted.length === 0 ? currentManagers.length === 0 : currentManagers.includes(wanted[0]!);
    if (!unchanged) await users.setManagersInTx(tx, caller, current.id, wanted);
  }
  if (input.active === true && current.status === 'pending') {
    // rule 15: an invited user becomes active by accepting, with a password or SSO of their own
    throw ScimErrors.mutability(
      'This user has a pending invitation: it becomes active when the person accepts it.',
    );
  }
  if (input.active !== undefined && input.active !== (current.status === 'active')) {
    // rule 3 through the same transitions as the console: suspend, reactivate (never from archived)
    await users.changeStatusInTx(tx, caller, current.id, input.active ? 'reactivate' : 'suspend');
  }
  if (input.password) {
    authorize(caller.principal, 'users.passwords');
    await setPasswordInTx(tx, caller.ctx, current.id, input.password, { by: 'admin' });
  }
}

function asObject(body: unknown): Json {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw ScimErrors.invalidSyntax('The body must be a JSON object.');
  return body as Json;
}

/** The Rollcall fields behind the SCIM attributes a PATCH touched. */
function touchedFields(touched: Array<{ extension: string | null; name: string }>): Set<string> {
  const fields = new Set<string>();
  const map: Record<string, string[]> = {
    userName: ['username'],
    name: ['firstName', 'lastName'],
    displayName: ['firstName', 'lastName'],
    emails: ['email'],
    phoneNumbers: ['phoneNumbers'],
    title: ['jobTitle'],
    locale: ['locale'],
    preferredLanguage: ['locale'],
    timezone: ['timeZone'],
    employeeNumber: ['employeeId'],
    department: ['department'],
    manager: ['managers'],
  };
  for (const t of touched) for (const f of map[t.name] ?? []) fields.add(f);
  return fields;
}

async function replaceUserInTx(tx: Tx, caller: ScimCaller, id: string, body: unknown, ifMatch?: string) {
  const { row, resource } = await loadUser(tx, caller, id, true);
  assertVersion(ifMatch, (resource.meta as Json).version as string);
  const object = asObject(body);
  const bodyId = member(object, 'id');
  if (bodyId !== undefined && bodyId !== null && String(bodyId).toLowerCase() !== id.toLowerCase())
    throw ScimErrors.mutability('id cannot be changed.');
  await writeUser(tx, caller, row, userInput(object), { kind: 'replace' });
  return (await loadUser(tx, caller, id)).resource;
}

export async function replaceUser(
  platform: Platform,
  caller: ScimCaller,
  id: string,
  body: unknown,
  ifMatch?: string,
) {
  authorize(caller.principal, 'users.update');
  assertUuid(id, 'User');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    replaceUserInTx(tx, caller, id, body, ifMatch),
  );
}

async function patchUserInTx(tx: Tx, caller: ScimCaller, id: string, body: unknown, ifMatch?: string) {
  const operations = validatePatchBody(body);
  const { row, resource } = await loadUser(tx, caller, id, true);
  assertVersion(ifMatch, (resource.meta as Json).version as string);
  const type = RESOURCE_TYPES.User;
  assertNoReadOnlyTargets(operations, type);
  const patched = applyPatch(type, resource, operations);
  await writeUser(tx, caller, row, userInput(patched.resource), {
    kind: 'patch',
    touched: touchedFields(patched.touched),
  });
  return (await loadUser(tx, caller, id)).resource;
}

/** `groups` of a user is read-only: membership changes through /Groups (RFC 7643 §4.1.2). */
function assertNoReadOnlyTargets(operations: PatchOperation[], type: ResourceTypeDef) {
  for (const o of operations) {
    if (typeof o.path !== 'string') continue;
    const resolved = resolvePath(type, parsePatchPath(o.path).path);
    if (resolved && !resolved.extension && resolved.attribute.name === 'groups')
      throw ScimErrors.mutability('A user’s groups change through the Groups endpoint.');
  }
}

export async function patchUser(
  platform: Platform,
  caller: ScimCaller,
  id: string,
  body: unknown,
  ifMatch?: string,
) {
  authorize(caller.principal, 'users.update');
  assertUuid(id, 'User');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) => patchUserInTx(tx, caller, id, body, ifMatch));
}

export type DeleteAction = 'remove' | 'archive';

export async function deleteActionOf(tx: Tx, tenantId: string): Promise<DeleteAction> {
  const row = await tx
    .selectFrom('tenants')
    .select('settings')
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow();
  const action = ((row.settings as Json).scim as Json | undefined)?.deleteAction;
  return action === 'archive' ? 'archive' : 'remove';
}

/**
 * DELETE removes the user (rule 19) or archives it, per the tenant's setting. Removal needs a
 * recipient when the user owns something: the user's manager takes it; without an active manager
 * the user is archived instead, so deprovisioning never fails on ownership and nothing is lost.
 */
async function deleteUserInTx(tx: Tx, platform: Platform, caller: ScimCaller, id: string, ifMatch?: string) {
  const { resource } = await loadUser(tx, caller, id, true);
  assertVersion(ifMatch, (resource.meta as Json).version as string);
  const tenantId = caller.ctx.tenantId;
  if ((await deleteActionOf(tx, tenantId)) === 'remove') {
    authorize(caller.principal, 'users.remove');
    const preview = await users.removeUserInTx(tx, platform, caller, id, { preview: true });
    if (!preview.plan.recipientRequired) {
      await users.removeUserInTx(tx, platform, caller, id, {});
      return;
    }
    const managers = await usersRepo.findUsers(tx, tenantId, await usersRepo.managerIdsOf(tx, tenantId, id));
    const recipient = managers.find((m) => m.status === 'active');
    if (recipient) {
      await users.removeUserInTx(tx, platform, caller, id, { transferTo: recipient.id });
      return;
    }
  }
  await users.changeStatusInTx(tx, caller, id, 'archive');
}

export async function deleteUser(platform: Platform, caller: ScimCaller, id: string, ifMatch?: string) {
  authorize(caller.principal, 'users.archive');
  assertUuid(id, 'User');
  await withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    deleteUserInTx(tx, platform, caller, id, ifMatch),
  );
}

// ---------------------------------------------------------------- groups

async function renderGroups(tx: Tx, caller: ScimCaller, rows: GroupRow[], withMembers: boolean) {
  const members = withMembers
    ? await repo.membersOf(
        tx,
        caller.ctx.tenantId,
        rows.map((r) => r.id),
      )
    : null;
  return rows.map((g) => groupResource(g, members ? (members.get(g.id) ?? []) : null, caller.base));
}

async function loadGroup(
  tx: Tx,
  caller: ScimCaller,
  id: string,
  opts: { forUpdate?: boolean; members?: boolean } = {},
) {
  const row = await repo.findGroup(tx, caller.ctx.tenantId, id, { forUpdate: opts.forUpdate });
  if (!row) throw ScimErrors.groupNotFound(id);
  const [resource] = await renderGroups(tx, caller, [row], opts.members ?? true);
  return { row, resource: resource! };
}

export async function getGroup(platform: Platform, caller: ScimCaller, id: string, p: Projection = {}) {
  authorize(caller.principal, 'groups.read');
  assertUuid(id, 'Group');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) =>
    project(
      (await loadGroup(tx, caller, id, { members: membersWanted(p) })).resource,
      RESOURCE_TYPES.Group,
      p,
    ),
  );
}

export async function listGroups(platform: Platform, caller: ScimCaller, q: ListQuery) {
  authorize(caller.principal, 'groups.read');
  const { startIndex, count, descending } = paging(q);
  const type = RESOURCE_TYPES.Group;
  const tenantId = caller.ctx.tenantId;
  const where = q.filter ? filterToSql(type, tenantId, parseFilter(q.filter)) : null;
  const order = q.sortBy ? sortExpression(type, q.sortBy) : null;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const [total, rows] = await Promise.all([
      repo.countGroups(tx, tenantId, where),
      count === 0
        ? Promise.resolve([])
        : repo.listGroups(tx, tenantId, where, { offset: startIndex - 1, limit: count, order, descending }),
    ]);
    const resources = (await renderGroups(tx, caller, rows, membersWanted(q))).map((r) =>
      project(r, type, q),
    );
    return listResponse(total, startIndex, resources);
  });
}

async function assertMembersExist(tx: Tx, caller: ScimCaller, ids: readonly string[]) {
  const found = await repo.visibleUserIds(tx, caller.ctx.tenantId, ids);
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0)
    throw ScimErrors.invalidValue(
      `members: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not a user here.`,
    );
}

async function setMembers(tx: Tx, caller: ScimCaller, groupId: string, add: string[], remove: string[]) {
  if (add.length > 0) {
    await assertMembersExist(tx, caller, add);
    await groups.addMembersInTx(tx, caller, groupId, add);
  }
  if (remove.length > 0) {
    const present = await repo.visibleUserIds(tx, caller.ctx.tenantId, remove);
    await groups.removeMembersInTx(
      tx,
      caller,
      groupId,
      remove.filter((id) => present.has(id)),
    );
  }
}

async function createGroupInTx(tx: Tx, caller: ScimCaller, body: unknown) {
  const input = groupInput(asObject(body));
  const created = await groups.createGroupInTx(
    tx,
    caller,
    { name: input.displayName },
    {
      source: 'scim',
      externalId: input.externalId,
    },
  );
  if (input.memberIds?.length) await setMembers(tx, caller, created.id, input.memberIds, []);
  return (await loadGroup(tx, caller, created.id)).resource;
}

export async function createGroup(platform: Platform, caller: ScimCaller, body: unknown) {
  authorize(caller.principal, 'groups.manage');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) => createGroupInTx(tx, caller, body));
}

async function writeGroup(tx: Tx, caller: ScimCaller, id: string, current: Json, input: GroupInput) {
  const externalId = input.externalId;
  await groups.updateGroupInTx(tx, caller, id, { name: input.displayName }, { source: 'scim', externalId });
  if (input.memberIds) {
    const before = ((current.members as Json[] | undefined) ?? []).map((m) => String(m.value));
    await setMembers(
      tx,
      caller,
      id,
      input.memberIds.filter((m) => !before.includes(m)),
      before.filter((m) => !input.memberIds!.includes(m)),
    );
  }
}

async function replaceGroupInTx(tx: Tx, caller: ScimCaller, id: string, body: unknown, ifMatch?: string) {
  const { resource } = await loadGroup(tx, caller, id, { forUpdate: true });
  assertVersion(ifMatch, (resource.meta as Json).version as string);
  const input = groupInput(asObject(body));
  await writeGroup(tx, caller, id, resource, { ...input, memberIds: input.memberIds ?? [] });
  return (await loadGroup(tx, caller, id)).resource;
}

export async function replaceGroup(
  platform: Platform,
  caller: ScimCaller,
  id: string,
  body: unknown,
  ifMatch?: string,
) {
  authorize(caller.principal, 'groups.manage');
  assertUuid(id, 'Group');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    replaceGroupInTx(tx, caller, id, body, ifMatch),
  );
}

/**
 * The membership changes a PATCH makes, when it only adds or removes members by id — what Entra and
 * Okta send for a group of any size — so they apply without loading the whole member list.
 */
function memberDelta(operations: PatchOperation[]): { add: string[]; remove: string[] } | null {
  const ids = (list: unknown) => {
    const values = (Array.isArray(list) ? list : [list]).map((v) => member(v, 'value'));
    return values.every((v): v is string => typeof v === 'string' && UUID.test(v))
      ? values.map((v) => v.toLowerCase())
      : null;
  };
  // applied in order: an id added then removed ends up removed, and the reverse
  const last = new Map<string, 'add' | 'remove'>();
  for (const o of operations) {
    if (typeof o.path !== 'string') return null;
    const path = parsePatchPath(o.path);
    if (path.path.toLowerCase() !== 'members' || path.sub) return null;
    let list: string[] | null = null;
    if (!path.filter && (o.op === 'add' || (o.op === 'remove' && o.value !== undefined))) list = ids(o.value);
    else if (
      o.op === 'remove' &&
      path.filter?.kind === 'compare' &&
      path.filter.op === 'eq' &&
      path.filter.path.toLowerCase() === 'value'
    )
      list = ids({ value: path.filter.value });
    if (!list) return null;
    for (const id of list) last.set(id, o.op === 'add' ? 'add' : 'remove');
  }
  const net = { add: [] as string[], remove: [] as string[] };
  for (const [id, op] of last) net[op].push(id);
  return net;
}

async function patchGroupInTx(tx: Tx, caller: ScimCaller, id: string, body: unknown, ifMatch?: string) {
  const operations = validatePatchBody(body);
  const delta = memberDelta(operations);
  const { resource } = await loadGroup(tx, caller, id, { forUpdate: true, members: !delta });
  assertVersion(ifMatch, (resource.meta as Json).version as string);
  if (delta) {
    // membership alone: the directory still takes the group over (rule 4a)
    await groups.updateGroupInTx(tx, caller, id, {}, { source: 'scim' });
    const current = await repo.membersAmong(tx, caller.ctx.tenantId, id, [...delta.add, ...delta.remove]);
    await setMembers(
      tx,
      caller,
      id,
      delta.add.filter((m) => !current.has(m)),
      delta.remove.filter((m) => current.has(m)),
    );
  } else {
    const patched = applyPatch(RESOURCE_TYPES.Group, resource, operations);
    await writeGroup(tx, caller, id, resource, groupInput(patched.resource));
  }
  return (await loadGroup(tx, caller, id)).resource;
}

export async function patchGroup(
  platform: Platform,
  caller: ScimCaller,
  id: string,
  body: unknown,
  ifMatch?: string,
) {
  authorize(caller.principal, 'groups.manage');
  assertUuid(id, 'Group');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    patchGroupInTx(tx, caller, id, body, ifMatch),
  );
}

async function deleteGroupInTx(tx: Tx, caller: ScimCaller, id: string, ifMatch?: string) {
  const { resource } = await loadGroup(tx, caller, id, { forUpdate: true, members: false });
  assertVersion(ifMatch, (resource.meta as Json).version as string);
  const group = await groupsRepo.findGroup(tx, caller.ctx.tenantId, id);
  if (group && group.source === null && !group.isDefault) throw GroupErrors.managedInRollcall('scim');
  await groups.deleteGroupInTx(tx, caller, id);
}

export async function deleteGroup(platform: Platform, caller: ScimCaller, id: string, ifMatch?: string) {
  authorize(caller.principal, 'groups.manage');
  assertUuid(id, 'Group');
  await withTenantTx(platform.db, caller.ctx.tenantId, (tx) => deleteGroupInTx(tx, caller, id, ifMatch));
}

// ---------------------------------------------------------------- single operations, for /Bulk

export type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One write, by method and path, in its own transaction: what /Bulk runs for each operation. */
export async function runOperation(
  platform: Platform,
  caller: ScimCaller,
  method: Method,
  path: string,
  data: unknown,
  version?: string,
): Promise<{ status: number; resource?: Json }> {
  const match = /^\/(Users|Groups)(?:\/([^/]+))?$/i.exec(path);
  if (!match) throw ScimErrors.invalidPath(`"${path}" is not /Users, /Groups or one of their resources.`);
  const isUser = match[1]!.toLowerCase() === 'users';
  const id = match[2];
  if (method === 'POST') {
    if (id) throw ScimErrors.invalidPath('POST goes to /Users or /Groups.');
    return {
      status: 201,
      resource: isUser ? await createUser(platform, caller, data) : await createGroup(platform, caller, data),
    };
  }
  if (!id) throw ScimErrors.invalidPath(`${method} needs a resource: ${path}/{id}.`);
  if (method === 'DELETE') {
    if (isUser) await deleteUser(platform, caller, id, version);
    else await deleteGroup(platform, caller, id, version);
    return { status: 204 };
  }
  const run = method === 'PUT' ? (isUser ? replaceUser : replaceGroup) : isUser ? patchUser : patchGroup;
  return { status: 200, resource: await run(platform, caller, id, data, version) };
}

// ---------------------------------------------------------------- tokens (console API)

export async function createToken(platform: Platform, caller: Caller, name: string) {
  authorize(caller.principal, 'directory.manage');
  // rule 13: a token that provisions users holds these permissions, so its creator must hold them
  assertWithinCeiling(caller.principal, PROVISIONING_PERMISSIONS);
  const token = newToken('rc_scim');
  const now = caller.ctx.clock.now();
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const row = await repo.insertToken(tx, {
      tenantId: caller.ctx.tenantId,
      id: uuidv7(),
      name: name.trim(),
      tokenHash: hashToken(token),
      prefix: token.slice(0, 12),
      ceiling: [...caller.principal.permissions].sort(),
      createdBy: caller.principal.via === 'scim_token' ? null : caller.principal.userId,
      createdByLabel: caller.ctx.actor.label,
      createdAt: now,
    });
    await recordAudit(tx, caller.ctx, {
      action: 'scim.token_created',
      target: { type: 'scim_token', id: row.id, label: row.name },
      after: { name: row.name, prefix: row.prefix },
    });
    return {
      id: row.id,
      name: row.name,
      token,
      prefix: row.prefix,
      createdAt: row.createdAt,
      createdBy: row.createdByLabel,
      lastUsedAt: null,
      lastUsedIp: null,
    };
  });
}

export async function listTokens(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'directory.manage');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const rows = await repo.listTokens(tx, caller.ctx.tenantId);
    return {
      items: rows.map((r) => ({ ...r, createdBy: r.createdByLabel, createdByLabel: undefined })),
    };
  });
}

export async function revokeToken(platform: Platform, caller: Caller, tokenId: string) {
  authorize(caller.principal, 'directory.manage');
  await withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const row = await repo.revokeToken(tx, caller.ctx.tenantId, tokenId, caller.ctx.clock.now());
    if (!row) throw ScimErrors.tokenNotFound();
    await recordAudit(tx, caller.ctx, {
      action: 'scim.token_revoked',
      target: { type: 'scim_token', id: row.id, label: row.name },
    });
  });
}

export async function getSettings(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'directory.manage');
  const deleteAction = await withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    deleteActionOf(tx, caller.ctx.tenantId),
  );
  return { baseUrl: `${platform.baseUrl}/scim/v2`, deleteAction };
}

export async function updateSettings(
  platform: Platform,
  caller: Caller,
  body: { deleteAction: DeleteAction },
) {
  authorize(caller.principal, 'directory.manage');
  await withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const before = await deleteActionOf(tx, caller.ctx.tenantId);
    if (before === body.deleteAction) return;
    const row = await tx
      .selectFrom('tenants')
      .select('settings')
      .where('id', '=', caller.ctx.tenantId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const settings = row.settings as Json;
    const next = {
      ...settings,
      scim: { ...((settings.scim as Json) ?? {}), deleteAction: body.deleteAction },
    };
    await tx
      .updateTable('tenants')
      .set({ settings: JSON.stringify(next), updatedAt: caller.ctx.clock.now() })
      .where('id', '=', caller.ctx.tenantId)
      .execute();
    await recordAudit(tx, caller.ctx, {
      action: 'scim.settings_changed',
      target: { type: 'tenant', id: caller.ctx.tenantId },
      before: { deleteAction: before },
      after: { deleteAction: body.deleteAction },
    });
  });
  return getSettings(platform, caller);
}

/** The principal a SCIM token acts as. */
export function scimPrincipal(token: {
  id: string;
  tenantId: string;
  name: string;
  ceiling: string[];
  tenantKind: 'provider' | 'customer';
  tenantParentId: string | null;
  tenantName: string;
  tenantSlug: string;
}): Principal {
  return {
    userId: token.id,
    tenantId: token.tenantId,
    tenantKind: token.tenantKind,
    label: `SCIM token "${token.name}"`,
    user: {
      firstName: 'SCIM',
      lastName: token.name,
      email: null,
      username: null,
      status: 'active',
      kind: 'internal',
    },
    tenant: {
      id: token.tenantId,
      kind: token.tenantKind,
      parentId: token.tenantParentId,
      name: token.tenantName,
      slug: token.tenantSlug,
    },
    via: 'scim_token',
    restricted: null,
    tokenId: token.id,
    department: null,
    permissions: new Set(PROVISIONING_PERMISSIONS),
    ceiling: new Set(token.ceiling),
    customerAccess: 'none',
    customerTenantIds: new Set(),
  };
}
