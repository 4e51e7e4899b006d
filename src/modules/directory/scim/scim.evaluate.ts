import { ScimErrors } from './scim.errors.ts';
import type { CompareOp, CompValue, Filter } from './scim.filter.ts';
import {
  findSub,
  leafOf,
  type ResolvedPath,
  type ResourceTypeDef,
  resolvePath,
  type ScimAttribute,
} from './scim.schema.ts';

/**
 * Filters evaluated against SCIM resources in memory: PATCH value filters (`emails[type eq "work"]`,
 * `members[value eq "…"]`). The SQL compiler (scim.sql.ts) gives lists the same semantics, and a
 * test checks the two agree: strings compare case-insensitively unless the schema says `caseExact`,
 * a multi-valued attribute matches when any value does, `ne` on an absent single value is true, and
 * `eq null` means "not present".
 */

/** An object's member by attribute name, case-insensitively (RFC 7643 §2.1). */
export function member(obj: unknown, name: string): unknown {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const record = obj as Record<string, unknown>;
  if (name in record) return record[name];
  const n = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === n);
  return key === undefined ? undefined : record[key];
}

/** The type checks every comparison passes before SQL or memory evaluates it. */
export function checkComparison(
  attribute: ScimAttribute,
  op: CompareOp | 'pr',
  value: CompValue,
  path: string,
) {
  if (op === 'pr' || value === null) return;
  const type = attribute.type;
  if (type === 'complex')
    throw ScimErrors.invalidFilter(`"${path}" is complex: compare one of its sub-attributes.`);
  if (type === 'boolean') {
    if (typeof value !== 'boolean')
      throw ScimErrors.invalidFilter(`"${path}" is a boolean: compare it with true or false.`);
    if (op !== 'eq' && op !== 'ne')
      throw ScimErrors.invalidFilter(`"${op}" does not apply to the boolean "${path}".`);
    return;
  }
  if (typeof value === 'boolean') throw ScimErrors.invalidFilter(`"${path}" is not a boolean.`);
  if (type === 'dateTime') {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
      throw ScimErrors.invalidFilter(`"${path}" is a dateTime: compare it with an ISO 8601 date-time.`);
    if (op === 'co' || op === 'sw' || op === 'ew')
      throw ScimErrors.invalidFilter(`"${op}" does not apply to the dateTime "${path}".`);
  }
}

type Scope = { type: ResourceTypeDef } | { attribute: ScimAttribute };

function resolveIn(scope: Scope, path: string): ResolvedPath {
  if ('type' in scope) {
    const resolved = resolvePath(scope.type, path);
    if (!resolved) throw ScimErrors.invalidFilter(`"${path}" is not an attribute of ${scope.type.name}.`);
    return resolved;
  }
  const sub = /^[A-Za-z$][\w$-]*$/.test(path) ? findSub(scope.attribute, path) : undefined;
  if (!sub) throw ScimErrors.invalidFilter(`"${path}" is not a sub-attribute of ${scope.attribute.name}.`);
  return { extension: null, attribute: sub, sub: null };
}

function container(resource: unknown, resolved: ResolvedPath): unknown {
  return resolved.extension ? member(resource, resolved.extension) : resource;
}

/** The values a path reaches in a resource, flattened: several for multi-valued attributes. */
function valuesAt(resource: unknown, resolved: ResolvedPath): unknown[] {
  const raw = member(container(resource, resolved), resolved.attribute.name);
  const items = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw];
  const { attribute, sub } = resolved;
  // a comparison on a complex multi-valued attribute without a sub-attribute applies to "value"
  const subName = sub?.name ?? (attribute.type === 'complex' && attribute.multiValued ? 'value' : null);
  const values = subName ? items.map((i) => member(i, subName)) : items;
  return values.filter((v) => v !== undefined && v !== null && v !== '');
}

function leafFor(resolved: ResolvedPath): ScimAttribute {
  const { attribute, sub } = resolved;
  if (!sub && attribute.type === 'complex' && attribute.multiValued)
    return findSub(attribute, 'value') ?? attribute;
  return leafOf(resolved);
}

function compareOne(leaf: ScimAttribute, actual: unknown, op: CompareOp, expected: CompValue): boolean {
  if (leaf.type === 'boolean') {
    const a = actual === true || (typeof actual === 'string' && actual.toLowerCase() === 'true');
    return op === 'eq' ? a === expected : a !== expected;
  }
  if (leaf.type === 'dateTime') {
    const a = Date.parse(String(actual));
    const b = Date.parse(String(expected));
    return ord(op, a, b);
  }
  const fold = (v: unknown) => (leaf.caseExact ? String(v) : String(v).toLowerCase());
  const a = fold(actual);
  const b = fold(expected);
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    default:
      return ord(op, a, b);
  }
}

function ord(op: CompareOp, a: number | string, b: number | string): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    default:
      return false;
  }
}

function evaluate(resource: unknown, filter: Filter, scope: Scope): boolean {
  switch (filter.kind) {
    case 'and':
      return filter.filters.every((f) => evaluate(resource, f, scope));
    case 'or':
      return filter.filters.some((f) => evaluate(resource, f, scope));
    case 'not':
      return !evaluate(resource, filter.filter, scope);
    case 'present': {
      const resolved = resolveIn(scope, filter.path);
      return valuesAt(resource, resolved).length > 0;
    }
    case 'valuePath': {
      const resolved = resolveIn(scope, filter.path);
      if (resolved.sub || resolved.attribute.type !== 'complex')
        throw ScimErrors.invalidFilter(`"${filter.path}[…]" needs a complex attribute.`);
      const raw = member(container(resource, resolved), resolved.attribute.name);
      const items = Array.isArray(raw) ? raw : raw ? [raw] : [];
      return items.some((item) => evaluate(item, filter.filter, { attribute: resolved.attribute }));
    }
    case 'compare': {
      const resolved = resolveIn(scope, filter.path);
      const leaf = leafFor(resolved);
      checkComparison(leaf, filter.op, filter.value, filter.path);
      const values = valuesAt(resource, resolved);
      if (filter.value === null) return filter.op === 'ne' ? values.length > 0 : values.length === 0;
      const multi = resolved.attribute.multiValued;
      if (values.length === 0) return !multi && filter.op === 'ne';
      return values.some((v) => compareOne(leaf, v, filter.op, filter.value));
    }
  }
}

/** Whether a whole resource matches a filter. */
export function matchesResource(resource: unknown, filter: Filter, type: ResourceTypeDef): boolean {
  return evaluate(resource, filter, { type });
}

/** Whether one value of a complex multi-valued attribute matches a value filter. */
export function matchesItem(item: unknown, filter: Filter, attribute: ScimAttribute): boolean {
  return evaluate(item, filter, { attribute });
}

/** Checks a filter names only known attributes with sensible values, without evaluating it. */
export function validateFilter(filter: Filter, scope: Scope): void {
  switch (filter.kind) {
    case 'and':
    case 'or':
      for (const f of filter.filters) validateFilter(f, scope);
      return;
    case 'not':
      validateFilter(filter.filter, scope);
      return;
    case 'present':
      resolveIn(scope, filter.path);
      return;
    case 'valuePath': {
      const resolved = resolveIn(scope, filter.path);
      if (resolved.sub || resolved.attribute.type !== 'complex')
        throw ScimErrors.invalidFilter(`"${filter.path}[…]" needs a complex attribute.`);
      validateFilter(filter.filter, { attribute: resolved.attribute });
      return;
    }
    case 'compare': {
      const resolved = resolveIn(scope, filter.path);
      checkComparison(leafFor(resolved), filter.op, filter.value, filter.path);
    }
  }
}
