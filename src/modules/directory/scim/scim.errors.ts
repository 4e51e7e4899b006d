import { AppError } from '../../../platform/errors.ts';
import { toAppError } from '../../../platform/problem.ts';
import { ERROR_SCHEMA } from './scim.schema.ts';

/**
 * SCIM's error vocabulary (RFC 7644 §3.12). Errors are AppErrors like everywhere else, so services
 * throw what they always throw; at the SCIM boundary each becomes a SCIM error body with a `scimType`
 * an identity provider understands, keeping Rollcall's stable `code` beside it.
 */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

const scimError = (kind: AppError['kind'], code: string, scimType: ScimType | null, message: string) =>
  new AppError(kind, code, message, { details: scimType ? { scimType } : undefined });

export const ScimErrors = {
  invalidFilter: (message: string) => scimError('invalid', 'scim.invalid_filter', 'invalidFilter', message),
  tooMany: (message: string) => scimError('invalid', 'scim.too_many', 'tooMany', message),
  invalidSyntax: (message: string) => scimError('invalid', 'scim.invalid_syntax', 'invalidSyntax', message),
  invalidPath: (message: string) => scimError('invalid', 'scim.invalid_path', 'invalidPath', message),
  noTarget: (message: string) => scimError('invalid', 'scim.no_target', 'noTarget', message),
  invalidValue: (message: string) => scimError('invalid', 'scim.invalid_value', 'invalidValue', message),
  mutability: (message: string) => scimError('invalid', 'scim.mutability', 'mutability', message),
  uniqueness: (message: string) => scimError('conflict', 'scim.uniqueness', 'uniqueness', message),
  sensitive: (message: string) => scimError('forbidden', 'scim.sensitive', 'sensitive', message),
  userNotFound: (id: string) => scimError('not_found', 'scim.user_not_found', null, `No user ${id}.`),
  groupNotFound: (id: string) => scimError('not_found', 'scim.group_not_found', null, `No group ${id}.`),
  versionMismatch: () =>
    scimError(
      'precondition',
      'scim.version_mismatch',
      null,
      'The resource changed since that version (If-Match); read it again.',
    ),
  tooLarge: (message: string) => scimError('too_large', 'scim.too_large', null, message),
  unauthenticated: () =>
    scimError('unauthenticated', 'scim.unauthenticated', null, 'A valid SCIM bearer token is required.'),
  tooManyFailures: (retryAfterSeconds: number) =>
    new AppError(
      'rate_limited',
      'scim.too_many_failures',
      `Too many refused SCIM tokens from this address; try again in ${retryAfterSeconds} s.`,
      { details: { retryAfterSeconds } },
    ),
  notFound: (path: string) => scimError('not_found', 'scim.not_found', null, `No SCIM endpoint ${path}.`),
  methodNotAllowed: (detail: string) => new AppError('invalid', 'scim.method_not_allowed', detail),
  tokenNotFound: () =>
    new AppError('not_found', 'scim.token_not_found', 'No such SCIM token in this tenant.'),
};

/** Domain codes and the scimType they become; the rest keep their status and carry no scimType. */
const SCIM_TYPE_BY_CODE: Record<string, ScimType> = {
  'user.email_taken': 'uniqueness',
  'user.username_taken': 'uniqueness',
  'group.name_taken': 'uniqueness',
  'resource.conflict': 'uniqueness',
  'user.email_or_username_required': 'invalidValue',
  'user.invalid_time_zone': 'invalidValue',
  'user.invalid_dates': 'invalidValue',
  'user.manager_not_found': 'invalidValue',
  'user.self_manager': 'invalidValue',
  'user.manager_cycle': 'invalidValue',
  'group.unknown': 'invalidValue',
  'password.policy': 'invalidValue',
  'password.reused': 'invalidValue',
  'request.invalid': 'invalidValue',
  'request.malformed_json': 'invalidSyntax',
  'request.empty_body': 'invalidSyntax',
  // refused because of the resource's current state or a directory rule: SCIM calls that mutability
  'user.transition_not_allowed': 'mutability',
  'user.archived_is_final': 'mutability',
  'user.removed_is_final': 'mutability',
  'user.attribute_mastered_by_source': 'mutability',
  'user.last_group': 'mutability',
  'tenant.last_super_admin': 'mutability',
  'user.last_role': 'mutability',
  'group.default_undeletable': 'mutability',
  'group.default_unrenamable': 'mutability',
  'group.mastered_by_source': 'mutability',
  'group.managed_in_rollcall': 'mutability',
};

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
  code: string;
}

/**
 * Any thrown error as a SCIM error: the status comes from the AppError; a scimType is added where
 * SCIM defines one (`mutability` and `invalidValue` are 400s in SCIM, whatever status the rule had).
 */
export function toScimError(error: unknown): { status: number; body: ScimErrorBody } | null {
  const app = toAppError(error);
  if (!app) return null;
  const scimType = (app.details?.scimType as ScimType | undefined) ?? SCIM_TYPE_BY_CODE[app.code];
  let status = app.status;
  if ((scimType === 'mutability' || scimType === 'invalidValue') && status === 409) status = 400;
  if (scimType === 'uniqueness') status = 409;
  const detail =
    app.errors && app.errors.length > 0 && app.code === 'request.invalid'
      ? `${app.message} ${app.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`
      : app.message;
  return {
    status,
    body: {
      schemas: [ERROR_SCHEMA],
      status: String(status),
      ...(scimType ? { scimType } : {}),
      detail,
      code: app.code,
    },
  };
}
