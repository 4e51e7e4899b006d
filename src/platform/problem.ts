import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError, PlatformErrors } from './errors.ts';

/**
 * Turns anything thrown during a request into RFC 9457 problem+json. Known failures keep their
 * status and code; database constraint failures become 4xx; anything else is a 500 that says nothing
 * about its cause (the cause is in the server log, under the request id).
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problemFromAppError(error: AppError): Problem {
  return {
    type: `https://rollcall.dev/problems/${error.code}`,
    title: TITLES[error.status] ?? 'Error',
    status: error.status,
    detail: error.message,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
    ...(error.details ? { details: error.details } : {}),
  };
}

interface PgError {
  code?: string;
  constraint?: string;
  column?: string;
}

const isPgError = (e: unknown): e is PgError & Error =>
  e instanceof Error && typeof (e as PgError).code === 'string' && /^[0-9A-Z]{5}$/.test((e as PgError).code!);

const PATTERN_MEANINGS: Record<string, string> = {
  '\\S': 'must not be blank',
  '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$':
    'must be lowercase letters, digits and dashes, not starting or ending with a dash',
  '^\\+?[0-9 ()./-]{3,40}$': 'must be a phone number: digits, spaces and + ( ) . / -',
  '^https?://': 'must start with https:// or http://',
  '^https?://[^\\s]+$': 'must be a web address starting with https:// or http://, without spaces',
  '^\\d{4}-\\d{2}-\\d{2}$': 'must be a date (YYYY-MM-DD)',
  '^([01]\\d|2[0-3]):[0-5]\\d$': 'must be a time of day (HH:MM, 00:00 to 23:59)',
  '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$': 'must be a language tag such as en-GB',
  '^#[0-9a-fA-F]{6}$': 'must be a colour such as #4263eb',
};
const FORMAT_MEANINGS: Record<string, string> = {
  uuid: 'must be an id (a UUID)',
  email: 'must be an email address',
  date: 'must be a date (YYYY-MM-DD)',
  'date-time': 'must be a date and time (ISO 8601)',
  uri: 'must be a URL',
  time: 'must be a time of day',
};

/** What an administrator reads beside the field: plain words, not the validator's. */
export function validationMessage(v: {
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}): string {
  const p = v.params ?? {};
  switch (v.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return `is not something this request takes (${String(p.additionalProperty)})`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${p.limit} characters`;
    case 'maxLength':
      return `must be at most ${p.limit} characters`;
    case 'pattern':
      return PATTERN_MEANINGS[String(p.pattern)] ?? 'is not in the expected form';
    case 'format':
      return FORMAT_MEANINGS[String(p.format)] ?? `must be a ${String(p.format)}`;
    case 'minimum':
      return `must be at least ${p.limit}`;
    case 'maximum':
      return `must be at most ${p.limit}`;
    case 'minItems':
      return p.limit === 1 ? 'needs at least one' : `needs at least ${p.limit}`;
    case 'maxItems':
      return `takes at most ${p.limit}`;
    case 'uniqueItems':
      return 'names the same item twice';
    case 'type':
      return `must be ${p.type === 'integer' ? 'a whole number' : `a ${String(p.type)}`}`;
    case 'enum':
    case 'const':
    case 'anyOf':
    case 'oneOf':
      return 'is not one of the values allowed here';
    case 'minProperties':
      return 'needs at least one field';
    default:
      return v.message ?? 'is not valid';
  }
}

export function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  const err = error as FastifyError & {
    validation?: Array<{
      instancePath: string;
      message?: string;
      keyword: string;
      params?: Record<string, unknown>;
    }>;
    validationContext?: string;
  };
  if (err?.validation) {
    const where = err.validationContext ?? 'body';
    const seen = new Set<string>();
    const errors = [];
    for (const v of err.validation) {
      const missing = v.keyword === 'required' ? `/${String(v.params?.missingProperty)}` : '';
      const field = `${where}${v.instancePath}${missing}` || where;
      // a nullable field that fails reports each branch of its anyOf: the first says it best
      if (seen.has(field)) continue;
      seen.add(field);
      errors.push({ field, message: validationMessage(v), code: v.keyword });
    }
    return PlatformErrors.validation(errors);
  }
  switch (err?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return PlatformErrors.malformedJson();
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(
        'invalid',
        'request.empty_body',
        'The request body is empty but JSON was declared.',
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return PlatformErrors.payloadTooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return PlatformErrors.unsupportedMediaType(String(err.message).replace(/^.*?: /, ''));
    case 'FST_ERR_RATE_LIMIT':
      return PlatformErrors.rateLimited(60);
  }
  if (err instanceof SyntaxError && err.message.includes('JSON')) return PlatformErrors.malformedJson();
  if (isPgError(error)) {
    switch (error.code) {
      case '23505':
        return PlatformErrors.uniqueViolation(error.constraint);
      case '23503':
        return PlatformErrors.invalidReference();
      case '23502':
      case '23514':
      case '22001':
      case '22P02':
      case '22007':
      case '22008':
      case '22003':
        return new AppError('invalid', 'request.invalid', 'A value in the request is not acceptable.', {
          details: error.constraint ? { constraint: error.constraint } : undefined,
        });
      case '40001':
      case '40P01':
        return new AppError(
          'conflict',
          'request.concurrent_change',
          'A concurrent change interfered; try again.',
        );
    }
    return null;
  }
  const status = (err as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const kind =
      status === 404
        ? 'not_found'
        : status === 413
          ? 'too_large'
          : status === 415
            ? 'unsupported'
            : status === 429
              ? 'rate_limited'
              : status === 401
                ? 'unauthenticated'
                : status === 403
                  ? 'forbidden'
                  : 'invalid';
    return new AppError(
      kind,
      status === 429 ? 'request.rate_limited' : 'request.invalid',
      err.message || 'The request is not valid.',
    );
  }
  return null;
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  return reply
    .status(problem.status)
    .type('application/problem+json')
    .send({ ...problem, instance: request.url.split('?')[0], requestId: request.id });
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  if (appError) {
    if (appError.status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', '60');
    return sendProblem(request, reply, problemFromAppError(appError));
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(request, reply, {
    type: 'https://rollcall.dev/problems/internal',
    title: TITLES[500]!,
    status: 500,
    detail: 'Something went wrong on our side. The request id identifies it in the server log.',
    code: 'internal',
  });
}
