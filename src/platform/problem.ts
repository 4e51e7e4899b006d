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
    return PlatformErrors.validation(
      err.validation.map((v) => {
        const extra =
          v.keyword === 'additionalProperties' ? ` (${String(v.params?.additionalProperty)})` : '';
        const missing = v.keyword === 'required' ? `/${String(v.params?.missingProperty)}` : '';
        return {
          field: `${where}${v.instancePath}${missing}` || where,
          message: `${v.message ?? 'is not valid'}${extra}`,
          code: v.keyword,
        };
      }),
    );
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
