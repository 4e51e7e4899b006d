import { Ajv, type ErrorObject } from 'ajv';
import ajvFormats from 'ajv-formats';
import { AppError, type FieldError, isAppError } from '../../platform/errors.ts';
import { validationMessage } from '../../platform/problem.ts';
import { UserErrors } from '../users/users.errors.ts';
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
// every schema problem of a row, not just the first: the report lists them all
const ajv = new Ajv({ allErrors: true, strict: false });
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
  /** What reading the cells found wrong (an unknown user type); the row goes on to be checked whole. */
  problems: AppError[];
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

/** One row to a user body, with what its cells hold that no user can. */
export function rowToCandidate(record: readonly string[], options: ImportOptions): RowCandidate {
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
    problems: [],
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
      if (!kind) {
        out.problems.push(RowErrors.invalidValue('kind', 'must be internal or external'));
        continue;
      }
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

/** The checks of a new user, every one of them: names, schema, rule 1. */
export function checkCandidateForCreate(c: RowCandidate): AppError[] {
  const problems: AppError[] = [];
  const body: Record<string, unknown> = { ...c.profile };
  // a missing name is said once, as such, not again as the schema's "required"
  for (const f of ['firstName', 'lastName'] as const) {
    if (!c.profile[f]) {
      problems.push(RowErrors.missingRequired(f));
      body[f] = 'x';
    }
  }
  const invalid = schemaProblems(body);
  problems.push(...invalid.problems);
  // the rules see only the fields the schema let through, so one bad cell is not reported twice
  const rest = Object.fromEntries(Object.entries(body).filter(([f]) => !invalid.fields.has(f)));
  if (!rest.email && !rest.username) {
    if (!invalid.fields.has('email') && !invalid.fields.has('username'))
      problems.push(UserErrors.emailOrUsernameRequired());
    rest.username = 'xx';
  }
  const rule = ruleError(() => checkNewUser(rest as NewUserProfile));
  if (rule) problems.push(rule);
  return problems;
}

/** The checks of an update: the schema of the fields given (an empty cell changes nothing). */
export function checkCandidateForUpdate(c: RowCandidate): AppError[] {
  const names = { firstName: c.profile.firstName ?? 'x', lastName: c.profile.lastName ?? 'x' };
  const login = c.profile.email || c.profile.username ? {} : { username: 'xx' };
  return schemaProblems({ ...c.profile, ...names, ...login }).problems;
}

/** One problem per field the schema refuses (a field breaking several keywords is said once). */
function schemaProblems(body: Record<string, unknown>): { problems: AppError[]; fields: Set<string> } {
  const fields = new Set<string>();
  if (validateBody(body)) return { problems: [], fields };
  const problems: AppError[] = [];
  for (const e of validateBody.errors ?? []) {
    const field = fieldOf(e);
    if (fields.has(field)) continue;
    fields.add(field);
    problems.push(schemaError(e, body));
  }
  return { problems, fields };
}

function fieldOf(e: ErrorObject): string {
  const path = e.instancePath.split('/').filter(Boolean);
  return (
    path[0] ??
    (e.params as { additionalProperty?: string; missingProperty?: string }).additionalProperty ??
    (e.params as { missingProperty?: string }).missingProperty ??
    'row'
  );
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

function schemaError(e: ErrorObject, body: Record<string, unknown>): AppError {
  const field = fieldOf(e);
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
  if (field === 'customAttributes') return RowErrors.invalidValue('customAttributes', validationMessage(e));
  return RowErrors.invalidValue(field, validationMessage(e));
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
