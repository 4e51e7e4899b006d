import { AppError } from '../../platform/errors.ts';

export const AuthErrors = {
  /** One answer for unknown login, wrong password and unusable account: nothing to probe. */
  invalidCredentials: () =>
    new AppError(
      'unauthenticated',
      'auth.invalid_credentials',
      'The organization, login or password is not correct.',
    ),
  tokenNotFound: () => new AppError('not_found', 'auth.token_not_found', 'No such API token.'),
  sessionNotFound: () => new AppError('not_found', 'auth.session_not_found', 'No such session.'),
  sessionLimit: (max: number) =>
    new AppError(
      'conflict',
      'auth.session_limit',
      `You are already signed in on ${max} device(s), the most this organization allows. Sign out elsewhere first.`,
      {
        details: { maxConcurrent: max },
      },
    ),
  passwordChangeRequired: () =>
    new AppError(
      'forbidden',
      'auth.password_change_required',
      'Change your password before doing anything else.',
    ),
  currentPasswordWrong: () =>
    new AppError('invalid', 'auth.current_password_wrong', 'The current password is not correct.', {
      errors: [{ field: 'body/currentPassword', message: 'is not correct' }],
    }),
  passwordReused: (count: number) =>
    new AppError(
      'invalid',
      'password.reused',
      `The password must differ from your last ${count} passwords.`,
      {
        errors: [{ field: 'body/newPassword', message: `was used recently`, code: 'password.reused' }],
      },
    ),
};
