import { Ajv, type ErrorObject } from 'ajv';
import ajvFormats from 'ajv-formats';
import { AppError, type FieldError, isAppError } from '../../platform/errors.ts';
import { validationMessage } from '../../platform/problem.ts';
import { CreateUserBody } from '../users/users.schemas.ts';
import { checkNewUser, type NewUserProfile } from '../users/users.service.ts';
import { FIELD_LABELS, ImportErrors, RowErrors } from './imports.errors.ts';
import type { ImportOptions } from './imports.schemas.ts';

/**
 * From a CSV row to a user: the mapped cells become the same body the users API takes, checked by
 * the same schema and the same rule function as `POST …/users`, so a file cannot create a user the
 * API would refuse.
 */
const addFormats = ajvFormats as unknown as typeof ajvFormats.default;
const ajv = new Ajv({ allErrors: false, strict: false });
addFormats(ajv);
const validateBody = ajv.compile(CreateUserBody);

export const PHONE_FIELDS = {
  phoneMobile: 'mobile',
  phoneWork: 'work',
  phoneHome: 'home',
  phoneOther: 'other',
} as const;

export interface RowCandidate {
  profile: NewUserProfile;
  /** The fields the row gives a value for: an update changes those and nothing else. */
  present: Set<string>;
  roleNames: string[];
  groupNames: string[];
  eitherNames: string[];
  login: string | null;
}

export function separatorOf(options: ImportOptions): string {
  return options.separator ?? ';';
}

/** The mapping must name the user's names and a login, once each, within the file's columns. */
export function checkMapping(options: ImportOptions, columnCount: number): void {
  const errors: FieldError[] = [];
  const fields = new Map<string, number>();
  const indexes = new Set<number>();
  options.columns.forEach((c, i) => {
    if (c.index >= columnCount)
      errors.push({ field: `body/columns/${i}/index`, message: `The file has no column ${c.index + 1}.` });
    if (indexes.has(c.index))
      errors.push({ field: `body/columns/${i}/index`, message: `Column ${c.index + 1} is mapped twice.` });
    indexes.add(c.index);
    if (fields.has(c.field))
      errors.push({
        field: `body/columns/${i}/field`,
        message: `${FIELD_LABELS[c.field] ?? c.field} is mapped to two columns.`,
      });
    fields.set(c.field, c.index);
  });
  const has = (f: string) => fields.has(f);
  if (has('fullName') && (has('firstName') || has('lastName')))
    errors.push({
      field: 'body/columns',
      message: 'Map either a full name or first and last names, not both.',
    });
  if (!has('fullName') && !(has('firstName') && has('lastName')))
    errors.push({ field: 'body/columns', message: 'Map the first and last names (or a full name).' });
  if (!has('email') && !has('username'))
    errors.push({ field: 'body/columns', message: 'Map an email or a username column.' });
  const existing = options.existing ?? 'fail';
  if (existing !== 'fail' && !has(options.matchBy ?? 'email'))
    errors.push({
      field: 'body/matchBy',
      message: `Finding existing users by ${FIELD_LABELS[options.matchBy ?? 'email']!.toLowerCase()} needs that column mapped.`,
    });
  if (errors.length > 0) throw ImportErrors.mappingInvalid(errors);
}

/** "Schmidt, Marta" and "Marta Schmidt" alike; one word is a last name alone. */
export function splitFullName(full: string): { firstName: string; lastName: string } {
  const comma = full.indexOf(',');
  if (comma > 0) return { lastName: full.slice(0, comma).trim(), firstName: full.slice(comma + 1).trim() };
  const parts = full.trim().split(/\s+/);
  if (parts.length === 1) return { firstName: '', lastName: parts[0]! };
  return { lastName: parts.pop()!, firstName: parts.join(' ') };
}

const KINDS: Record<string, 'internal' | 'external'> = {
  internal: 'internal',
  external: 'external',
  guest: 'external',
  portal: 'external',
};

export function splitNames(value: string, separator: string): string[] {
  return [
    ...new Set(
      value
        .split(separator)
        .map((n) => n.trim())
        .filter(Boolean),
    ),
  ];
}

/** One row to a user body, or the first reason it cannot be one. */
export function rowToCandidate(record: readonly string[], options: ImportOptions): RowCandidate | AppError {
  const body: Record<string, unknown> = {};
  const present = new Set<string>();
  const phones: Array<{ type: string; number: string }> = [];
  const custom: Record<string, string> = {};
  const out: RowCandidate = {
    profile: body as NewUserProfile,
    present,
    roleNames: [],
    groupNames: [],
    eitherNames: [],
    login: null,
  };
  const separator = separatorOf(options);
  for (const column of options.columns) {
    const index = column.index;
    const field = column.field as string;
    const value = (record[index] ?? '').trim();
    if (value === '') continue;
    if (field.startsWith('custom:')) {
      custom[field.slice(7)] = value;
      present.add('customAttributes');
    } else if (field === 'fullName') {
      Object.assign(body, splitFullName(value));
      present.add('firstName').add('lastName');
    } else if (field in PHONE_FIELDS) {
      phones.push({ type: PHONE_FIELDS[field as keyof typeof PHONE_FIELDS], number: value });
      present.add('phoneNumbers');
    } else if (field === 'kind') {
      const kind = KINDS[value.toLowerCase()];
      if (!kind) return RowErrors.invalidValue('kind', 'must be internal or external');
      body.kind = kind;
      present.add('kind');
    } else if (field === 'roles') out.roleNames = splitNames(value, separator);
    else if (field === 'groups') out.groupNames = splitNames(value, separator);
    else if (field === 'rolesAndGroups') out.eitherNames = splitNames(value, separator);
    else {
      body[field] = value;
      present.add(field);
    }
  }
  if (phones.length) body.phoneNumbers = phones;
  if (Object.keys(custom).length) body.customAttributes = custom;
  if (body.kind === undefined && options.defaults?.kind) body.kind = options.defaults.kind;
  out.login = (body.email as string | undefined) ?? (body.username as string | undefined) ?? null;
  return out;
}

/** The checks of a new user: names, schema, rule 1. */
export function checkCandidateForCreate(c: RowCandidate): AppError | null {
  for (const f of ['firstName', 'lastName'] as const) {
    if (!c.profile[f]) return RowErrors.missingRequired(f);
  }
  return checkBody(c.profile as Record<string, unknown>) ?? ruleError(() => checkNewUser(c.profile));
}

/** The checks of an update: the schema of the fields given (an empty cell changes nothing). */
export function checkCandidateForUpdate(c: RowCandidate): AppError | null {
  const names = { firstName: c.profile.firstName ?? 'x', lastName: c.profile.lastName ?? 'x' };
  const login = c.profile.email || c.profile.username ? {} : { username: 'xx' };
  return checkBody({ ...c.profile, ...names, ...login });
}

function checkBody(body: Record<string, unknown>): AppError | null {
  if (validateBody(body)) return null;
  return schemaError(validateBody.errors?.[0], body);
}

function ruleError(check: () => void): AppError | null {
  try {
    check();
    return null;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
}

function schemaError(e: ErrorObject | undefined, body: Record<string, unknown>): AppError {
  const path = (e?.instancePath ?? '').split('/').filter(Boolean);
  const field = path[0] ?? (e?.params as { additionalProperty?: string })?.additionalProperty ?? 'row';
  if (field === 'email') return RowErrors.invalidEmail(String(body.email));
  if (field === 'hireDate' || field === 'leaveDate')
    return new AppError(
      'invalid',
      'user.invalid_dates',
      `${FIELD_LABELS[field]}: “${body[field]}” is not a date (YYYY-MM-DD).`,
      {
        details: { field },
      },
    );
  if (field === 'username')
    return RowErrors.invalidValue(
      field,
      'use 2–100 letters, digits and . _ @ + - (starting with a letter or digit)',
    );
  if (field === 'phoneNumbers') return RowErrors.invalidValue('phoneMobile', 'is not a phone number');
  if (field === 'customAttributes')
    return RowErrors.invalidValue('customAttributes', e ? validationMessage(e) : 'is not valid');
  return RowErrors.invalidValue(field, e ? validationMessage(e) : 'is not valid');
}

/** Header names people use, to propose a mapping. */
const SYNONYMS: Record<string, string[]> = {
  firstName: [
    'first name',
    'firstname',
    'given name',
    'givenname',
    'first',
    'forename',
    'vorname',
    'prénom',
    'prenom',
  ],
  lastName: ['last name', 'lastname', 'surname', 'family name', 'familyname', 'last', 'nachname', 'nom'],
  fullName: ['name', 'full name', 'fullname', 'display name', 'displayname'],
  email: ['email', 'e-mail', 'mail', 'email address', 'e-mail address', 'emailaddress', 'work email'],
  username: ['username', 'user name', 'login', 'user', 'userid', 'user id', 'samaccountname', 'upn'],
  kind: ['type', 'user type', 'kind'],
  jobTitle: ['title', 'job title', 'jobtitle', 'position', 'role title'],
  department: ['department', 'dept', 'abteilung'],
  employeeId: ['employee id', 'employeeid', 'employee number', 'employeenumber', 'personnel number'],
  hireDate: ['hire date', 'hiredate', 'start date', 'startdate', 'joined'],
  leaveDate: ['leave date', 'leavedate', 'end date', 'enddate', 'termination date', 'exit date'],
  locale: ['locale', 'language', 'lang'],
  timeZone: ['time zone', 'timezone', 'tz'],
  phoneMobile: ['mobile', 'mobile phone', 'cell', 'cell phone'],
  phoneWork: ['phone', 'work phone', 'telephone', 'office phone'],
  phoneHome: ['home phone'],
  roles: ['roles', 'role'],
  groups: ['groups', 'group', 'teams', 'team'],
};
const BY_HEADER = new Map(
  Object.entries(SYNONYMS).flatMap(([field, names]) => names.map((n) => [n, field] as const)),
);

export function suggestField(header: string): string | null {
  return BY_HEADER.get(header.trim().toLowerCase().replace(/[_.]+/g, ' ')) ?? null;
}

/**
 * Is the first row a header? Yes when it names known fields and holds no address, or when no cell
 * of it looks like data that the next rows have (an email).
 */
export function looksLikeHeader(first: readonly string[], next: readonly string[][]): boolean {
  const named = first.filter((h) => suggestField(h) !== null).length;
  const hasEmail = first.some((h) => h.includes('@'));
  if (hasEmail) return false;
  if (named > 0) return true;
  return next.some((r) => r.some((v) => v.includes('@')));
}
