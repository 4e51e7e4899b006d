/**
 * One error type for everything a caller can get wrong. The `kind` fixes the HTTP status; the dotted
 * `code` is stable and is what the console and tests branch on; `details` carries field errors.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition'
  | 'too_large'
  | 'rate_limited'
  | 'unsupported';

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition: 412,
  too_large: 413,
  unsupported: 415,
  rate_limited: 429,
};

export interface FieldError {
  /** JSON pointer or dotted path of the offending field, e.g. `/slug`. */
  field: string;
  message: string;
  code?: string;
}

export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly errors: FieldError[] | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    options: { errors?: FieldError[]; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    this.errors = options.errors;
    this.details = options.details;
  }

  get status(): number {
    return STATUS_BY_KIND[this.kind];
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

/** Errors of the platform itself; each module keeps its own codes in `<module>.errors.ts`. */
export const PlatformErrors = {
  validation: (errors: FieldError[]) =>
    new AppError('invalid', 'request.invalid', 'The request is not valid.', { errors }),
  malformedJson: () =>
    new AppError('invalid', 'request.malformed_json', 'The request body is not valid JSON.'),
  unsupportedMediaType: (type: string) =>
    new AppError(
      'unsupported',
      'request.unsupported_media_type',
      `Content type "${type}" is not accepted here.`,
    ),
  payloadTooLarge: () => new AppError('too_large', 'request.too_large', 'The request body is too large.'),
  routeNotFound: (method: string, url: string) =>
    new AppError('not_found', 'route.not_found', `No route ${method} ${url}.`),
  rateLimited: (retryAfterSeconds: number) =>
    new AppError('rate_limited', 'request.rate_limited', 'Too many requests; try again later.', {
      details: { retryAfterSeconds },
    }),
  uniqueViolation: (constraint: string | undefined) =>
    new AppError('conflict', 'resource.conflict', 'A resource with the same unique value already exists.', {
      details: constraint ? { constraint } : undefined,
    }),
  invalidReference: () =>
    new AppError(
      'invalid',
      'resource.invalid_reference',
      'The request refers to something that does not exist.',
    ),
  unauthenticated: () => new AppError('unauthenticated', 'auth.unauthenticated', 'Sign in first.'),
  csrf: () =>
    new AppError(
      'forbidden',
      'auth.csrf_failed',
      'The X-CSRF-Token header is missing or does not match the rollcall_csrf cookie.',
    ),
  forbidden: (permission: string) =>
    new AppError('forbidden', 'auth.forbidden', `You need the permission "${permission}" for this.`, {
      details: { permission },
    }),
  tenantNotFound: () =>
    new AppError('not_found', 'tenant.not_found', 'No such tenant, or it is not reachable for you.'),
};
