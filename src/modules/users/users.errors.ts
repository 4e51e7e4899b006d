import { AppError } from '../../platform/errors.ts';

export const UserErrors = {
  notFound: () => new AppError('not_found', 'user.not_found', 'No such user in this tenant.'),
  emailTaken: (email: string) =>
    new AppError(
      'conflict',
      'user.email_taken',
      `The email "${email}" is already used by another user of this tenant.`,
      {
        errors: [{ field: 'body/email', message: 'is already taken', code: 'unique' }],
      },
    ),
  usernameTaken: (username: string) =>
    new AppError(
      'conflict',
      'user.username_taken',
      `The username "${username}" is already used in this tenant.`,
      {
        errors: [{ field: 'body/username', message: 'is already taken', code: 'unique' }],
      },
    ),
  emailOrUsernameRequired: () =>
    new AppError(
      'invalid',
      'user.email_or_username_required',
      'A user needs an email, a username, or both.',
      {
        errors: [{ field: 'body/email', message: 'email or username is required' }],
      },
    ),
  invalidTimeZone: (tz: string) =>
    new AppError('invalid', 'user.invalid_time_zone', `"${tz}" is not a known IANA time zone.`, {
      errors: [{ field: 'body/timeZone', message: 'is not a known IANA time zone' }],
    }),
  invalidDates: (message: string) =>
    new AppError('invalid', 'user.invalid_dates', message, {
      errors: [{ field: 'body/leaveDate', message }],
    }),
  transitionNotAllowed: (from: string, action: string) =>
    new AppError(
      'conflict',
      'user.transition_not_allowed',
      `A ${from} user cannot be ${pastTense(action)}.`,
      {
        details: { from, action },
      },
    ),
  archivedIsFinal: () =>
    new AppError('conflict', 'user.archived_is_final', 'An archived user can never be reactivated.', {
      details: { from: 'archived', action: 'reactivate' },
    }),
  removedIsFinal: () =>
    new AppError(
      'conflict',
      'user.removed_is_final',
      'A removed user is gone from the tenant; nothing more can be done to it.',
    ),
  selfAction: (action: string) =>
    new AppError(
      'forbidden',
      'user.self_action',
      `You cannot ${action} yourself; another administrator must do it.`,
    ),
  outOfScope: () =>
    new AppError(
      'forbidden',
      'user.out_of_scope',
      'This user is outside the users your permissions let you act on.',
    ),
  managerCycle: () =>
    new AppError(
      'conflict',
      'user.manager_cycle',
      'That would make a user manage themselves through a chain of managers.',
    ),
  managerNotFound: () =>
    new AppError('invalid', 'user.manager_not_found', 'A manager named is not a user of this tenant.'),
  selfManager: () => new AppError('invalid', 'user.self_manager', 'A user cannot be their own manager.'),
  recipientRequired: (owned: number) =>
    new AppError(
      'precondition',
      'user.transfer_recipient_required',
      `This user owns ${owned} item(s); name a recipient for them.`,
      {
        details: { owned },
      },
    ),
  invalidRecipient: () =>
    new AppError(
      'invalid',
      'user.invalid_recipient',
      'The recipient must be another active member of this tenant.',
    ),
  attributeMastered: (fields: string[], source: string) =>
    new AppError(
      'conflict',
      'user.attribute_mastered_by_source',
      `${fields.join(', ')} ${fields.length === 1 ? 'is' : 'are'} managed by the ${source.toUpperCase()} directory and can only change there.`,
      {
        details: { fields, source },
        errors: fields.map((f) => ({ field: `body/${f}`, message: `mastered by ${source}` })),
      },
    ),
  avatarInvalid: (message: string) => new AppError('invalid', 'user.avatar_invalid', message),
  avatarTooLarge: () => new AppError('too_large', 'user.avatar_too_large', 'An avatar may be at most 1 MB.'),
  noEmail: () => new AppError('precondition', 'user.no_email', 'This user has no email address to verify.'),
  verificationLinkInvalid: (reason: 'unknown' | 'used' | 'expired' | 'replaced' | 'email_changed') =>
    new AppError(
      'invalid',
      'user.email_verification_link_invalid',
      {
        unknown: 'This verification link is not valid. Ask for a new one from your profile.',
        used: 'This email address was already confirmed with this link.',
        expired: 'This verification link has expired. Ask for a new one from your profile.',
        replaced: 'A newer verification link was sent; use the one in the latest email.',
        email_changed: 'The account’s email address changed since this link was sent.',
      }[reason],
      { details: { reason } },
    ),
  externalCeiling: (permissions: string[]) =>
    new AppError(
      'forbidden',
      'user.external_ceiling',
      `External users cannot hold: ${permissions.join(', ')}.`,
      {
        details: { permissions },
      },
    ),
};

function pastTense(action: string): string {
  return (
    {
      suspend: 'suspended',
      reactivate: 'reactivated',
      archive: 'archived',
      remove: 'removed',
      activate: 'activated',
    }[action] ?? action
  );
}
