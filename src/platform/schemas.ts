import { type TSchema, Type } from 'typebox';
import { AppError } from './errors.ts';

/** Shared pieces of request and response schemas. */
export const Uuid = Type.String({ format: 'uuid', description: 'UUIDv7' });
export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable, dotted error code, e.g. `tenant.slug_taken`.' }),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({ field: Type.String(), message: Type.String(), code: Type.Optional(Type.String()) }),
      ),
    ),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
);

/** The problem responses every route can give, for the OpenAPI document. */
export function withProblems<R extends Record<number, TSchema>>(responses: R, ...statuses: number[]) {
  const out: Record<number | string, TSchema> = { ...responses };
  for (const s of [400, 401, 403, 404, 409, 429, ...statuses]) {
    if (!(s in out)) out[s] = Type.Ref('Problem');
  }
  return out;
}

export const ListQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const TenantParams = Type.Object({ tenantId: Uuid });

/** Opaque cursors: base64url of a JSON array of the sort key values of the last row. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): unknown[] | null {
  if (!cursor) return null;
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === arity) return values;
  } catch {
    // reported below
  }
  throw new AppError('invalid', 'request.invalid_cursor', 'The cursor is not one this list gave out.', {
    errors: [{ field: 'querystring/cursor', message: 'is not a valid cursor' }],
  });
}
