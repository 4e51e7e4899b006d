import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../platform/audit.ts';
import type { UserRow } from '../../users/users.repository.ts';
import { ScimErrors } from './scim.errors.ts';
import { member } from './scim.evaluate.ts';
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './scim.schema.ts';

/**
 * Rollcall users and groups as SCIM resources, and back. What Rollcall keeps, SCIM shows; what SCIM
 * sends that Rollcall has no place for is dropped, so a client reading a resource back sees exactly
 * what was kept. Versions (`meta.version`, the ETag) hash the resource itself: any change a client
 * could see changes it.
 */
type Json = Record<string, unknown>;

export interface PersonRef {
  id: string;
  firstName: string;
  lastName: string;
}

const ENTERPRISE_CUSTOM = ['costCenter', 'organization', 'division'] as const;

export function versionOf(resource: Json): string {
  const { meta: _meta, ...rest } = resource;
  return `W/"${createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 20)}"`;
}

const iso = (d: Date | string) => new Date(d).toISOString();

export function userResource(
  u: UserRow,
  related: { manager: PersonRef | null; groups: Array<{ id: string; name: string }> },
  base: string,
): Json {
  const enterprise: Json = {};
  if (u.employeeId) enterprise.employeeNumber = u.employeeId;
  if (u.department) enterprise.department = u.department;
  for (const k of ENTERPRISE_CUSTOM) {
    const v = u.customAttributes?.[k];
    if (typeof v === 'string' && v !== '') enterprise[k] = v;
  }
  if (related.manager) {
    enterprise.manager = {
      value: related.manager.id,
      $ref: `${base}/Users/${related.manager.id}`,
      displayName: `${related.manager.firstName} ${related.manager.lastName}`,
    };
  }
  const resource: Json = {
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    id: u.id,
    ...(u.externalId ? { externalId: u.externalId } : {}),
    // a user created in Rollcall with an email only signs in with it: that is its userName
    userName: u.username ?? u.email,
    name: { formatted: `${u.firstName} ${u.lastName}`, givenName: u.firstName, familyName: u.lastName },
    displayName: `${u.firstName} ${u.lastName}`,
    ...(u.jobTitle ? { title: u.jobTitle } : {}),
    ...(u.locale ? { locale: u.locale, preferredLanguage: u.locale } : {}),
    ...(u.timeZone ? { timezone: u.timeZone } : {}),
    active: u.status === 'active',
    emails: u.email ? [{ value: u.email, type: 'work', primary: true }] : [],
    phoneNumbers: (u.phoneNumbers ?? []).map((p) => ({ value: p.number, type: p.type })),
    groups: related.groups.map((g) => ({
      value: g.id,
      $ref: `${base}/Groups/${g.id}`,
      display: g.name,
      type: 'direct',
    })),
    [ENTERPRISE_SCHEMA]: enterprise,
  };
  resource.meta = {
    resourceType: 'User',
    created: iso(u.createdAt),
    lastModified: iso(u.updatedAt),
    location: `${base}/Users/${u.id}`,
    version: versionOf(resource),
  };
  return resource;
}

export interface GroupRow {
  id: string;
  name: string;
  externalId: string | null;
  createdAt: Date | string;
  updatedAt: Date | string;
  /** A digest of the member ids: it versions the group even when members are not loaded. */
  memberDigest: string;
}

export function groupResource(g: GroupRow, members: PersonRef[] | null, base: string): Json {
  const resource: Json = {
    schemas: [GROUP_SCHEMA],
    id: g.id,
    ...(g.externalId ? { externalId: g.externalId } : {}),
    displayName: g.name,
  };
  const version = versionOf({ ...resource, members: g.memberDigest });
  if (members) {
    resource.members = members.map((m) => ({
      value: m.id,
      $ref: `${base}/Users/${m.id}`,
      display: `${m.firstName} ${m.lastName}`,
      type: 'User',
    }));
  }
  resource.meta = {
    resourceType: 'Group',
    created: iso(g.createdAt),
    lastModified: iso(g.updatedAt),
    location: `${base}/Groups/${g.id}`,
    version,
  };
  return resource;
}

// ---------------------------------------------------------------- from SCIM

/** What a SCIM User says, in Rollcall's terms. */
export interface UserInput {
  userName: string;
  firstName: string;
  lastName: string;
  email: string | null;
  phoneNumbers: Array<{ type: 'mobile' | 'work' | 'home' | 'other'; number: string }>;
  jobTitle: string | null;
  locale: string | null;
  timeZone: string | null;
  employeeId: string | null;
  department: string | null;
  custom: Partial<Record<(typeof ENTERPRISE_CUSTOM)[number], string | null>>;
  managerId: string | null;
  active: boolean | undefined;
  externalId: string | null;
  password: string | undefined;
  /** The Rollcall fields the resource carries: what the directory masters (rule 4a). */
  present: Set<string>;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const PHONE = /^\+?[0-9 ()./-]{3,40}$/;
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

function text(value: unknown, where: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw ScimErrors.invalidValue(`${where} must be a string.`);
  const v = value.trim();
  if (v.length > max) throw ScimErrors.invalidValue(`${where} may be at most ${max} characters.`);
  return v === '' ? null : v;
}

function splitName(full: string | null): [string | null, string | null] {
  if (!full) return [null, null];
  const parts = full.split(/\s+/);
  return parts.length < 2 ? [null, null] : [parts[0]!, parts.slice(1).join(' ')];
}

const PHONE_TYPES: Record<string, UserInput['phoneNumbers'][number]['type']> = {
  work: 'work',
  home: 'home',
  mobile: 'mobile',
  other: 'other',
};

export function userInput(resource: Json): UserInput {
  const present = new Set<string>();
  const has = (obj: unknown, name: string) => member(obj, name) !== undefined;
  const userName = text(member(resource, 'userName'), 'userName', 100);
  if (!userName) throw ScimErrors.invalidValue('userName is required.');
  if (/[\s\p{Cc}]/u.test(userName)) throw ScimErrors.invalidValue('userName cannot contain spaces.');
  present.add('username');

  const name = member(resource, 'name');
  if (name !== undefined && name !== null && (typeof name !== 'object' || Array.isArray(name)))
    throw ScimErrors.invalidValue('name must be an object.');
  let firstName = text(member(name, 'givenName'), 'name.givenName', 100);
  let lastName = text(member(name, 'familyName'), 'name.familyName', 100);
  if (!firstName || !lastName) {
    // rule 1 needs both; a display name "Ann Lee" still says them
    const [f, l] = splitName(
      text(member(resource, 'displayName'), 'displayName', 300) ??
        text(member(name, 'formatted'), 'name.formatted', 300),
    );
    firstName ??= f;
    lastName ??= l;
  }
  if (!firstName || !lastName)
    throw ScimErrors.invalidValue(
      'name.givenName and name.familyName are required: Rollcall keeps both for every user.',
    );
  if (name !== undefined || has(resource, 'displayName')) present.add('firstName').add('lastName');

  const emails = member(resource, 'emails');
  if (emails !== undefined && emails !== null && !Array.isArray(emails))
    throw ScimErrors.invalidValue('emails must be an array.');
  const list = (emails as unknown[] | undefined | null) ?? [];
  const chosen =
    list.find((e) => member(e, 'primary') === true && member(e, 'value')) ??
    list.find((e) => member(e, 'value'));
  const email = chosen ? text(member(chosen, 'value'), 'emails.value', 254) : null;
  if (email && !EMAIL.test(email)) throw ScimErrors.invalidValue(`"${email}" is not an email address.`);
  if (emails !== undefined) present.add('email');

  const phones = member(resource, 'phoneNumbers');
  if (phones !== undefined && phones !== null && !Array.isArray(phones))
    throw ScimErrors.invalidValue('phoneNumbers must be an array.');
  const phoneNumbers: UserInput['phoneNumbers'] = [];
  for (const p of (phones as unknown[] | null | undefined) ?? []) {
    if (!member(p, 'value')) continue;
    const number = text(member(p, 'value'), 'phoneNumbers.value', 40)!;
    if (!PHONE.test(number)) throw ScimErrors.invalidValue(`"${number}" is not a phone number.`);
    const type = PHONE_TYPES[String(member(p, 'type') ?? 'other').toLowerCase()] ?? 'other';
    // a fax number kept as "other" comes back as other: the next sync adds it again, once
    if (!phoneNumbers.some((x) => x.type === type && x.number === number))
      phoneNumbers.push({ type, number });
  }
  if (phoneNumbers.length > 10) throw ScimErrors.invalidValue('At most 10 phone numbers.');
  if (phones !== undefined) present.add('phoneNumbers');

  const jobTitle = text(member(resource, 'title'), 'title', 200);
  if (has(resource, 'title')) present.add('jobTitle');
  let locale = text(member(resource, 'locale') ?? member(resource, 'preferredLanguage'), 'locale', 35);
  if (locale) {
    // "en_US" (POSIX) and "EN-us" mean en-US
    const [lang, ...rest] = locale.replace(/_/g, '-').split('-');
    locale = [lang!.toLowerCase(), ...rest].join('-');
    if (!LOCALE.test(locale)) throw ScimErrors.invalidValue(`"${locale}" is not a locale such as en-US.`);
  }
  if (has(resource, 'locale') || has(resource, 'preferredLanguage')) present.add('locale');
  const timeZone = text(member(resource, 'timezone'), 'timezone', 64);
  if (has(resource, 'timezone')) present.add('timeZone');

  const ext = member(resource, ENTERPRISE_SCHEMA);
  const employeeId = text(member(ext, 'employeeNumber'), 'employeeNumber', 100);
  if (has(ext, 'employeeNumber')) present.add('employeeId');
  const department = text(member(ext, 'department'), 'department', 200);
  if (has(ext, 'department')) present.add('department');
  const custom: UserInput['custom'] = {};
  for (const k of ENTERPRISE_CUSTOM) if (has(ext, k)) custom[k] = text(member(ext, k), k, 2000);
  const manager = member(ext, 'manager');
  // Entra sends the manager's id as a bare string; the schema says an object with "value"
  const managerValue = typeof manager === 'string' ? manager : member(manager, 'value');
  const managerId = text(managerValue, 'manager.value', 100);
  if (has(ext, 'manager')) present.add('managers');

  const active = member(resource, 'active');
  if (active !== undefined && active !== null && typeof active !== 'boolean')
    throw ScimErrors.invalidValue('active must be true or false.');
  const password = member(resource, 'password');
  if (password !== undefined && password !== null && typeof password !== 'string')
    throw ScimErrors.invalidValue('password must be a string.');
  if (has(resource, 'externalId')) present.add('externalId');
  return {
    userName,
    firstName,
    lastName,
    email,
    phoneNumbers,
    jobTitle,
    locale,
    timeZone,
    employeeId,
    department,
    custom,
    managerId,
    active: typeof active === 'boolean' ? active : undefined,
    externalId: text(member(resource, 'externalId'), 'externalId', 200),
    password: typeof password === 'string' && password !== '' ? password : undefined,
    present,
  };
}

export interface GroupInput {
  displayName: string;
  externalId: string | null;
  /** undefined: the resource does not say (PATCH without members, PUT without them keeps none). */
  memberIds: string[] | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function groupInput(resource: Json): GroupInput {
  const displayName = text(member(resource, 'displayName'), 'displayName', 100);
  if (!displayName) throw ScimErrors.invalidValue('displayName is required.');
  const members = member(resource, 'members');
  if (members !== undefined && members !== null && !Array.isArray(members))
    throw ScimErrors.invalidValue('members must be an array.');
  const memberIds: string[] | undefined = members === undefined ? undefined : [];
  for (const m of (members as unknown[] | null) ?? []) {
    const value = member(m, 'value');
    if (typeof value !== 'string' || !UUID.test(value))
      throw ScimErrors.invalidValue(`members: "${String(value)}" is not the id of a user here.`);
    const type = member(m, 'type');
    if (type !== undefined && type !== null && String(type).toLowerCase() !== 'user')
      throw ScimErrors.invalidValue('members: only users can be members of a group.');
    if (!memberIds!.includes(value.toLowerCase())) memberIds!.push(value.toLowerCase());
  }
  return { displayName, externalId: text(member(resource, 'externalId'), 'externalId', 200), memberIds };
}
