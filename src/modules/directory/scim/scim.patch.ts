import { ScimErrors } from './scim.errors.ts';
import { matchesItem, member } from './scim.evaluate.ts';
import { type Filter, parsePatchPath } from './scim.filter.ts';
import {
  isUnkeptPath,
  type ResolvedPath,
  type ResourceTypeDef,
  resolvePath,
  SCHEMAS,
  type ScimAttribute,
} from './scim.schema.ts';

/**
 * SCIM PATCH (RFC 7644 §3.5.2) applied to a resource's JSON, operation by operation, each seeing
 * the result of the one before; the caller then writes the result through the services in one
 * transaction, so a failing operation leaves nothing changed. It accepts what Entra ID and Okta
 * actually send: `op` in any case, no-path operations whose value keys are themselves paths
 * (`"name.givenName"`, `"urn:…:enterprise:2.0:User:department"`), booleans as "True"/"False",
 * `remove` on `members` with a list of values, and `replace` on `emails[type eq "work"].value` for a
 * user who has no work address yet (it is added).
 */
export interface PatchOperation {
  op: string;
  path?: unknown;
  value?: unknown;
}

type Json = Record<string, unknown>;

/** The top-level attributes (with their schema) an operation touched: what the client now masters. */
export interface PatchResult {
  resource: Json;
  touched: Array<{ extension: string | null; name: string }>;
}

const clone = <T>(v: T): T => structuredClone(v);

function keyOf(obj: Json, name: string): string {
  const n = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === n) ?? name;
}

function containerFor(resource: Json, resolved: ResolvedPath, create: boolean): Json | null {
  if (!resolved.extension) return resource;
  const key = keyOf(resource, resolved.extension);
  const existing = resource[key];
  if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as Json;
  if (!create) return null;
  const fresh: Json = {};
  resource[resolved.extension] = fresh;
  return fresh;
}

/** Values as the schema types them: Entra sends booleans as "True"/"False". */
function coerce(attribute: ScimAttribute, value: unknown, where: string): unknown {
  if (value === null || value === undefined) return value;
  if (attribute.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
    throw ScimErrors.invalidValue(`${where} must be true or false.`);
  }
  if (attribute.type === 'complex') {
    if (typeof value !== 'object' || Array.isArray(value)) return value;
    const out: Json = {};
    for (const [k, v] of Object.entries(value as Json)) {
      const sub = attribute.subAttributes?.find((s) => s.name.toLowerCase() === k.toLowerCase());
      out[sub?.name ?? k] = sub ? coerce(sub, v, `${where}.${sub.name}`) : v;
    }
    return out;
  }
  return value;
}

function asArray(attribute: ScimAttribute, value: unknown, where: string): unknown[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => coerce(attribute, v, where));
}

/** Two values of a multi-valued attribute are the same value when their `value` is (or they are equal). */
function sameValue(attribute: ScimAttribute, a: unknown, b: unknown): boolean {
  if (attribute.type === 'complex') {
    const va = member(a, 'value');
    const vb = member(b, 'value');
    if (va !== undefined && vb !== undefined) {
      const exact = attribute.subAttributes?.find((s) => s.name === 'value')?.caseExact;
      return exact ? String(va) === String(vb) : String(va).toLowerCase() === String(vb).toLowerCase();
    }
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** With no value left, a multi-valued attribute is unassigned (RFC 7644 §3.5.2.2). */
function setValues(box: Json, key: string, values: unknown[]) {
  if (values.length === 0) delete box[key];
  else box[key] = values;
}

function assertWritable(attribute: ScimAttribute, where: string) {
  if (attribute.mutability === 'readOnly')
    throw ScimErrors.mutability(`${where} is read-only and cannot be changed.`);
}

/** The sub-attribute values a simple `a eq "x" and b eq "y"` filter pins, for an upsert. */
function pinnedBy(filter: Filter): Json | null {
  const terms = filter.kind === 'and' ? filter.filters : [filter];
  const out: Json = {};
  for (const t of terms) {
    if (t.kind !== 'compare' || t.op !== 'eq' || t.path.includes('.')) return null;
    out[t.path] = t.value;
  }
  return out;
}

function applyOne(
  type: ResourceTypeDef,
  resource: Json,
  op: 'add' | 'replace' | 'remove',
  path: string,
  value: unknown,
): { extension: string | null; name: string } {
  const parsed = parsePatchPath(path);
  const resolved = resolvePath(type, parsed.path);
  if (!resolved) {
    if (isUnkeptPath(type, parsed.path)) return { extension: null, name: '' };
    throw ScimErrors.invalidPath(`"${path}" is not an attribute of ${type.name}.`);
  }
  const { attribute } = resolved;
  const where = `"${path}"`;
  const touched = { extension: resolved.extension, name: attribute.name };
  if (resolved.extension === null && attribute.name === 'id') {
    // Okta repeats the id in no-path replaces: the same id is no change
    if (op !== 'remove' && value === member(resource, 'id')) return touched;
    throw ScimErrors.mutability('id is assigned by Rollcall and cannot be changed.');
  }
  if (resolved.extension === null && attribute.name === 'meta') return touched;
  assertWritable(resolved.sub ?? attribute, where);
  const box = containerFor(resource, resolved, op !== 'remove');
  if (!box) return touched;
  const key = keyOf(box, attribute.name);

  if (parsed.filter) {
    if (resolved.sub || attribute.type !== 'complex' || !attribute.multiValued)
      throw ScimErrors.invalidPath(`${where}: a value filter needs a multi-valued complex attribute.`);
    const sub = parsed.sub
      ? attribute.subAttributes?.find((s) => s.name.toLowerCase() === parsed.sub!.toLowerCase())
      : null;
    if (parsed.sub && !sub)
      throw ScimErrors.invalidPath(`${where}: ${attribute.name} has no sub-attribute "${parsed.sub}".`);
    if (sub) assertWritable(sub, where);
    const items = Array.isArray(box[key]) ? (box[key] as unknown[]) : [];
    const filter = parsed.filter;
    const matched = items.filter((i) => matchesItem(i, filter, attribute));
    if (op === 'remove') {
      if (sub) for (const i of matched) delete (i as Json)[keyOf(i as Json, sub.name)];
      else
        setValues(
          box,
          key,
          items.filter((i) => !matched.includes(i)),
        );
      return touched;
    }
    if (matched.length === 0) {
      const pinned = pinnedBy(filter);
      if (!pinned && op === 'replace') throw ScimErrors.noTarget(`${where} matches no value.`);
      const fresh = coerce(
        attribute,
        { ...(pinned ?? {}), ...(sub ? { [sub.name]: value } : (value as Json)) },
        where,
      );
      box[key] = [...items, fresh];
      return touched;
    }
    for (const i of matched) {
      const index = items.indexOf(i);
      if (sub) (i as Json)[keyOf(i as Json, sub.name)] = coerce(sub, value, where);
      else items[index] = coerce(attribute, value, where);
    }
    box[key] = items;
    return touched;
  }

  if (resolved.sub) {
    const sub = resolved.sub;
    const current = box[key];
    if (attribute.multiValued) {
      // `emails.value` without a filter: every value of the attribute
      const items = Array.isArray(current) ? (current as Json[]) : [];
      if (op === 'remove') for (const i of items) delete i[keyOf(i, sub.name)];
      else if (items.length === 0) box[key] = [{ [sub.name]: coerce(sub, value, where) }];
      else for (const i of items) i[keyOf(i, sub.name)] = coerce(sub, value, where);
      return touched;
    }
    const complex = current && typeof current === 'object' ? (current as Json) : {};
    if (op === 'remove') delete complex[keyOf(complex, sub.name)];
    else complex[keyOf(complex, sub.name)] = coerce(sub, value, where);
    box[key] = complex;
    if (Object.keys(complex).length === 0) delete box[key];
    return touched;
  }

  if (op === 'remove') {
    if (attribute.multiValued && value !== undefined && value !== null) {
      // Entra removes members by listing them rather than by filter
      const gone = asArray(attribute, value, where);
      const items = Array.isArray(box[key]) ? (box[key] as unknown[]) : [];
      setValues(
        box,
        key,
        items.filter((i) => !gone.some((g) => sameValue(attribute, i, g))),
      );
    } else {
      delete box[key];
    }
    return touched;
  }
  if (attribute.multiValued) {
    const incoming = value === null ? [] : asArray(attribute, value, where);
    if (op === 'replace') box[key] = incoming;
    else {
      const items = Array.isArray(box[key]) ? [...(box[key] as unknown[])] : [];
      for (const v of incoming) if (!items.some((i) => sameValue(attribute, i, v))) items.push(v);
      box[key] = items;
    }
    return touched;
  }
  if (attribute.type === 'complex' && value && typeof value === 'object' && !Array.isArray(value)) {
    // a complex value merges into what is there: unspecified sub-attributes are left as they were
    const current = box[key] && typeof box[key] === 'object' ? (box[key] as Json) : {};
    const merged = { ...current };
    for (const [k, v] of Object.entries(coerce(attribute, value, where) as Json)) {
      const sub = attribute.subAttributes?.find((s) => s.name === k);
      if (sub) assertWritable(sub, `"${path}.${k}"`);
      merged[keyOf(merged, k)] = v;
    }
    box[key] = merged;
    return touched;
  }
  box[key] = coerce(attribute, value, where);
  return touched;
}

export function validatePatchBody(body: unknown): PatchOperation[] {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw ScimErrors.invalidSyntax('A PATCH body is a PatchOp object with "Operations".');
  const ops = member(body, 'Operations');
  if (!Array.isArray(ops) || ops.length === 0)
    throw ScimErrors.invalidSyntax('"Operations" must be a non-empty array of operations.');
  if (ops.length > 1000) throw ScimErrors.tooMany('A PATCH may carry at most 1000 operations.');
  return ops.map((o, i) => {
    if (!o || typeof o !== 'object' || Array.isArray(o))
      throw ScimErrors.invalidSyntax(`Operation ${i + 1} is not an object.`);
    const op = member(o, 'op');
    if (typeof op !== 'string' || !/^(add|replace|remove)$/i.test(op))
      throw ScimErrors.invalidSyntax(`Operation ${i + 1}: "op" must be add, replace or remove.`);
    const path = member(o, 'path');
    if (path !== undefined && path !== null && typeof path !== 'string')
      throw ScimErrors.invalidPath(`Operation ${i + 1}: "path" must be a string.`);
    return { op: op.toLowerCase(), path: path ?? undefined, value: member(o, 'value') };
  });
}

/** Applies the operations to a copy of `resource`. */
export function applyPatch(type: ResourceTypeDef, resource: Json, operations: PatchOperation[]): PatchResult {
  const result = clone(resource);
  const touched: PatchResult['touched'] = [];
  for (const [i, o] of operations.entries()) {
    const op = o.op.toLowerCase() as 'add' | 'replace' | 'remove';
    if (typeof o.path === 'string' && o.path.trim() !== '') {
      if (op !== 'remove' && o.value === undefined)
        throw ScimErrors.invalidValue(`Operation ${i + 1}: "${op}" needs a value.`);
      touched.push(applyOne(type, result, op, o.path.trim(), o.value));
      continue;
    }
    if (op === 'remove') throw ScimErrors.noTarget(`Operation ${i + 1}: "remove" needs a path.`);
    if (!o.value || typeof o.value !== 'object' || Array.isArray(o.value))
      throw ScimErrors.invalidValue(
        `Operation ${i + 1}: without a path, the value must be an object of attributes.`,
      );
    for (const [k, v] of Object.entries(o.value as Json)) {
      if (k.toLowerCase() === 'schemas') continue;
      const extension = [type.schema, ...type.extensions].find((u) => u.toLowerCase() === k.toLowerCase());
      if (extension && v && typeof v === 'object' && !Array.isArray(v)) {
        // a whole extension object: each of its attributes in turn
        for (const [ek, ev] of Object.entries(v as Json)) {
          if (!SCHEMAS[extension]) continue;
          touched.push(applyOne(type, result, op, `${extension}:${ek}`, ev));
        }
        continue;
      }
      touched.push(applyOne(type, result, op, k, v));
    }
  }
  return { resource: result, touched };
}
