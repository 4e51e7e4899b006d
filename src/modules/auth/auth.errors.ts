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
};
