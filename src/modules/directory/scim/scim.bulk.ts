import type { Platform } from '../../../platform/platform.ts';
import { ScimErrors, toScimError } from './scim.errors.ts';
import { member } from './scim.evaluate.ts';
import { BULK_RESPONSE } from './scim.schema.ts';
import { MAX_BULK_OPERATIONS, type Method, runOperation, type ScimCaller } from './scim.service.ts';

/**
 * /Bulk (RFC 7644 §3.7): each operation is whole on its own (one transaction, as if sent alone);
 * `bulkId:…` in a path or anywhere in data means the resource an earlier POST of the same request
 * created, and an operation waits until the ones it refers to have run, whatever their order.
 * `failOnErrors` stops after that many failures; the operations not run are left out of the response.
 */
interface BulkOperation {
  method: Method;
  bulkId?: string;
  version?: string;
  path: string;
  data?: unknown;
}

const BULK_REF = /^bulkId:(.+)$/;
/** In a path, `bulkId:…` is one segment: `/Users/bulkId:kim`. */
const PATH_REF = /(?<=\/)bulkId:([^/]+)/g;

function references(value: unknown, found = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    const m = BULK_REF.exec(value);
    if (m) found.add(m[1]!);
  } else if (Array.isArray(value)) for (const v of value) references(v, found);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) references(v, found);
  return found;
}

function substitute(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') {
    const m = BULK_REF.exec(value);
    return m && ids.has(m[1]!) ? ids.get(m[1]!) : value;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, ids));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ids)]));
  return value;
}

function parseOperations(body: unknown): { operations: BulkOperation[]; failOnErrors: number | null } {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw ScimErrors.invalidSyntax('A bulk request is a BulkRequest object with "Operations".');
  const ops = member(body, 'Operations');
  if (!Array.isArray(ops)) throw ScimErrors.invalidSyntax('"Operations" must be an array.');
  if (ops.length > MAX_BULK_OPERATIONS)
    throw ScimErrors.tooLarge(`A bulk request may carry at most ${MAX_BULK_OPERATIONS} operations.`);
  const fail = member(body, 'failOnErrors');
  if (fail !== undefined && (typeof fail !== 'number' || !Number.isInteger(fail) || fail < 1))
    throw ScimErrors.invalidValue('failOnErrors must be a positive integer.');
  const seen = new Set<string>();
  const operations = ops.map((o, i): BulkOperation => {
    const method = String(member(o, 'method') ?? '').toUpperCase();
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(method))
      throw ScimErrors.invalidSyntax(`Operation ${i + 1}: method must be POST, PUT, PATCH or DELETE.`);
    const path = member(o, 'path');
    if (typeof path !== 'string') throw ScimErrors.invalidSyntax(`Operation ${i + 1}: path is required.`);
    const bulkId = member(o, 'bulkId');
    if (bulkId !== undefined && (typeof bulkId !== 'string' || bulkId === ''))
      throw ScimErrors.invalidSyntax(`Operation ${i + 1}: bulkId must be a string.`);
    if (method === 'POST' && bulkId === undefined)
      throw ScimErrors.invalidSyntax(`Operation ${i + 1}: a POST needs a bulkId.`);
    if (typeof bulkId === 'string') {
      if (seen.has(bulkId)) throw ScimErrors.invalidSyntax(`bulkId "${bulkId}" is used twice.`);
      seen.add(bulkId);
    }
    const version = member(o, 'version');
    return {
      method: method as Method,
      bulkId: bulkId as string | undefined,
      version: typeof version === 'string' ? version : undefined,
      path,
      data: member(o, 'data'),
    };
  });
  return { operations, failOnErrors: typeof fail === 'number' ? fail : null };
}

export async function runBulk(platform: Platform, caller: ScimCaller, body: unknown) {
  const { operations, failOnErrors } = parseOperations(body);
  const created = new Map<string, string>();
  const results = new Map<number, Record<string, unknown>>();
  const pending = new Set(operations.map((_, i) => i));
  const declared = new Set(operations.map((o) => o.bulkId).filter((b): b is string => !!b));
  const failed = new Set<string>();
  let errors = 0;
  const record = (i: number, result: Record<string, unknown>) => {
    results.set(i, result);
    pending.delete(i);
  };
  const fail = (i: number, op: BulkOperation, error: unknown) => {
    const scim = toScimError(error);
    if (!scim) throw error;
    errors++;
    if (op.bulkId) failed.add(op.bulkId);
    record(i, {
      method: op.method,
      ...(op.bulkId ? { bulkId: op.bulkId } : {}),
      status: String(scim.status),
      response: scim.body,
    });
  };
  let progressed = true;
  while (pending.size > 0 && progressed && (failOnErrors === null || errors < failOnErrors)) {
    progressed = false;
    for (const i of [...pending]) {
      if (failOnErrors !== null && errors >= failOnErrors) break;
      const op = operations[i]!;
      const refs = references(op.data);
      for (const m of op.path.matchAll(PATH_REF)) refs.add(m[1]!);
      const unresolved = [...refs].filter((r) => !created.has(r));
      if (unresolved.some((r) => failed.has(r) || !declared.has(r))) {
        fail(
          i,
          op,
          ScimErrors.invalidValue(
            `bulkId ${unresolved.map((r) => `"${r}"`).join(', ')} does not name a resource created in this request.`,
          ),
        );
        progressed = true;
        continue;
      }
      if (unresolved.length > 0) continue;
      progressed = true;
      try {
        const path = op.path.replace(PATH_REF, (_, id: string) => created.get(id)!);
        const out = await runOperation(
          platform,
          caller,
          op.method,
          path,
          substitute(op.data, created),
          op.version,
        );
        const meta = (out.resource?.meta ?? {}) as Record<string, unknown>;
        if (op.method === 'POST' && op.bulkId && out.resource)
          created.set(op.bulkId, String(out.resource.id));
        record(i, {
          method: op.method,
          ...(op.bulkId ? { bulkId: op.bulkId } : {}),
          ...(meta.version ? { version: meta.version } : {}),
          location: meta.location ?? `${caller.base}${path}`,
          status: String(out.status),
        });
      } catch (error) {
        fail(i, op, error);
      }
    }
  }
  // what is left waits on itself: a circular reference
  if (failOnErrors === null || errors < failOnErrors) {
    for (const i of [...pending]) {
      const op = operations[i]!;
      fail(
        i,
        op,
        ScimErrors.invalidValue('The operation refers to bulkIds in a circle; none of them can run first.'),
      );
    }
  }
  return {
    schemas: [BULK_RESPONSE],
    Operations: [...results.entries()].sort(([a], [b]) => a - b).map(([, r]) => r),
  };
}
