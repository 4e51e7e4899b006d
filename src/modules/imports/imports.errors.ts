import { AppError, type FieldError } from '../../platform/errors.ts';

/** Errors of the import as a whole; a row's own problems are reported per row (see ROW_CODES). */
export const ImportErrors = {
  notFound: () => new AppError('not_found', 'import.not_found', 'No such import in this tenant.'),
  emptyFile: () => new AppError('invalid', 'import.empty_file', 'The file has no rows.'),
  invalidEncoding: (detail: string) =>
    new AppError(
      'invalid',
      'import.invalid_encoding',
      `The file is not UTF-8 text: ${detail}. Save it as “CSV UTF-8”.`,
    ),
  malformed: (line: number, reason: string) =>
    new AppError(
      'invalid',
      'import.malformed_csv',
      `The file is not valid CSV near line ${line}: ${reason}.`,
      {
        details: { line, reason },
      },
    ),
  tooLarge: (maxBytes: number) =>
    new AppError(
      'too_large',
      'import.file_too_large',
      `An import file may be at most ${Math.round(maxBytes / 1_048_576)} MB.`,
      {
        details: { maxBytes },
      },
    ),
  tooManyColumns: (max: number) =>
    new AppError('invalid', 'import.too_many_columns', `An import file may have at most ${max} columns.`),
  mappingInvalid: (errors: FieldError[]) =>
    new AppError('invalid', 'import.mapping_invalid', errors.map((e) => e.message).join(' '), { errors }),
  alreadyRunning: (importId: string) =>
    new AppError(
      'conflict',
      'import.already_running',
      'Another import of this tenant is being checked or run; wait for it to finish or cancel it.',
      { details: { importId } },
    ),
  notStartable: (status: string) =>
    new AppError(
      'conflict',
      'import.not_startable',
      `This import is ${status}; upload the file again to import it anew.`,
      {
        details: { status },
      },
    ),
  notCancellable: (status: string) =>
    new AppError('conflict', 'import.not_cancellable', `This import is already ${status}.`, {
      details: { status },
    }),
  importerLostAccess: () =>
    new AppError(
      'forbidden',
      'import.importer_lost_access',
      'The person who started the import can no longer import users into this tenant.',
    ),
};

/** The codes a row can fail with, besides the user rules' own (`user.email_taken`, `role.ceiling`, …). */
export const RowErrors = {
  missingRequired: (field: string) =>
    new AppError('invalid', 'import.missing_required', `${FIELD_LABELS[field] ?? field} is required.`, {
      details: { field },
    }),
  invalidEmail: (value: string) =>
    new AppError('invalid', 'import.invalid_email', `“${value}” is not an email address.`, {
      details: { field: 'email' },
    }),
  invalidValue: (field: string, message: string) =>
    new AppError('invalid', 'import.invalid_value', `${FIELD_LABELS[field] ?? field}: ${message}.`, {
      details: { field },
    }),
  duplicateInFile: (field: string, value: string, rows: number[]) =>
    new AppError(
      'conflict',
      'import.duplicate_in_file',
      `The ${(FIELD_LABELS[field] ?? field).toLowerCase()} “${value}” is also in row${rows.length > 1 ? 's' : ''} ${rows.slice(0, 10).join(', ')}${rows.length > 10 ? ', …' : ''}.`,
      { details: { field, rows: rows.slice(0, 100) } },
    ),
  unknownRoles: (names: string[]) =>
    new AppError(
      'invalid',
      'import.unknown_role',
      `No role named ${names.map((n) => `“${n}”`).join(', ')} in this tenant.`,
      {
        details: { names },
      },
    ),
  unknownGroups: (names: string[]) =>
    new AppError(
      'invalid',
      'import.unknown_group',
      `No group named ${names.map((n) => `“${n}”`).join(', ')} in this tenant.`,
      {
        details: { names },
      },
    ),
  unknownRoleOrGroup: (names: string[]) =>
    new AppError(
      'invalid',
      'import.unknown_role_or_group',
      `No role or group named ${names.map((n) => `“${n}”`).join(', ')} in this tenant.`,
      { details: { names } },
    ),
  extraColumns: (count: number, expected: number) =>
    new AppError(
      'invalid',
      'import.extra_columns',
      `The row has ${count} fields where the file has ${expected} columns (an unquoted delimiter in a value?).`,
      { details: { count, expected } },
    ),
};

/** One thing wrong with a row; a row that fails lists every one it has. */
export interface RowProblem {
  code: string;
  message: string;
}

/** A failed row: the first problem's code (what a script branches on), every problem and all reasons. */
export interface RowFailure extends RowProblem {
  problems: RowProblem[];
}

export function rowFailure(found: readonly RowProblem[]): RowFailure {
  const problems = found.map((p) => ({ code: p.code, message: p.message }));
  const message =
    problems.length === 1
      ? problems[0]!.message
      : `${problems.map((p) => p.message.replace(/\.$/, '')).join('; ')}.`;
  return { code: problems[0]!.code, message, problems };
}

export const FIELD_LABELS: Record<string, string> = {
  firstName: 'First name',
  lastName: 'Last name',
  fullName: 'Full name',
  email: 'Email',
  username: 'Username',
  kind: 'User type',
  jobTitle: 'Job title',
  department: 'Department',
  employeeId: 'Employee id',
  hireDate: 'Hire date',
  leaveDate: 'Leave date',
  locale: 'Language',
  timeZone: 'Time zone',
  phoneMobile: 'Mobile phone',
  phoneWork: 'Work phone',
  phoneHome: 'Home phone',
  phoneOther: 'Other phone',
  roles: 'Roles',
  groups: 'Groups',
  rolesAndGroups: 'Roles and groups',
};
