import { type RawBuilder, type SqlBool, sql } from 'kysely';
import { ScimErrors } from './scim.errors.ts';
import { checkComparison } from './scim.evaluate.ts';
import type { CompareOp, CompValue, Filter } from './scim.filter.ts';
import {
  ENTERPRISE_SCHEMA,
  findSub,
  RESOURCE_TYPES,
  type ResolvedPath,
  type ResourceTypeDef,
  resolvePath,
  type ScimAttribute,
} from './scim.schema.ts';

/**
 * SCIM filters as SQL over `users u` or `groups g`: every attribute maps to a column expression,
 * every value is a bound parameter, nothing from the request is ever spliced into the text. The
 * semantics are those of scim.evaluate.ts (a test runs both on the same filters). Exact lookups on
 * userName, emails and externalId also go through `scim_user_ids()`, which can use the indexes under
 * row-level security (migration 0014), and substring matches on names and addresses through
 * `search_user_ids()` (0003): each is a superset, narrowed by the exact condition beside it.
 */
type Expr = RawBuilder<unknown>;

interface Column {
  expr: Expr;
  /** `uuid` compares as a UUID for eq/ne and as text otherwise. */
  kind: 'string' | 'uuid' | 'boolean' | 'dateTime';
  attribute: ScimAttribute;
  /** An index-backed exact lookup through scim_user_ids(). */
  lookup?: 'username' | 'email' | 'external_id';
  /** Part of user_search_text(), so search_user_ids() can narrow substring matches. */
  searchable?: boolean;
}

/** A multi-valued attribute: a correlated row source, one row per value. */
interface Multi {
  from: Expr;
  /** Ties a value row to the resource row (`where …`). */
  correlate: Expr;
  fields: Record<string, Omit<Column, 'attribute'>>;
  attribute: ScimAttribute;
}

type Mapped = ({ column: Column } | { multi: Multi }) & { resolved: ResolvedPath };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VISIBLE = sql`('pending', 'active', 'suspended')`;

const col = (
  expr: Expr,
  kind: Column['kind'],
  extra: Pick<Column, 'lookup' | 'searchable'> = {},
): Omit<Column, 'attribute'> => ({ expr, kind, ...extra });

function userField(resolved: ResolvedPath): Omit<Column, 'attribute'> | Multi | null {
  const { extension, attribute, sub } = resolved;
  const name = attribute.name;
  if (extension === ENTERPRISE_SCHEMA) {
    switch (name) {
      case 'employeeNumber':
        return col(sql`u.employee_id`, 'string');
      case 'department':
        return col(sql`u.department`, 'string');
      case 'costCenter':
      case 'organization':
      case 'division':
        return col(sql`(u.custom_attributes ->> ${name})`, 'string');
      case 'manager': {
        const manager = sql`(select m.manager_id from user_managers m where m.tenant_id = u.tenant_id and m.user_id = u.id order by m.created_at, m.manager_id limit 1)`;
        if (!sub || sub.name === 'value') return col(manager, 'uuid');
        if (sub.name === 'displayName')
          return col(
            sql`(select mu.first_name || ' ' || mu.last_name from users mu where mu.tenant_id = u.tenant_id and mu.id = ${manager})`,
            'string',
          );
        return null;
      }
    }
    return null;
  }
  switch (name) {
    case 'id':
      return col(sql`u.id`, 'uuid');
    case 'externalId':
      return col(sql`u.external_id`, 'string', { lookup: 'external_id' });
    case 'meta':
      if (sub?.name === 'created') return col(sql`u.created_at`, 'dateTime');
      if (sub?.name === 'lastModified') return col(sql`u.updated_at`, 'dateTime');
      if (sub?.name === 'resourceType') return col(sql`'User'::text`, 'string');
      return null;
    case 'userName':
      return col(sql`coalesce(u.username, u.email)`, 'string', { lookup: 'username', searchable: true });
    case 'name':
      if (sub?.name === 'givenName') return col(sql`u.first_name`, 'string', { searchable: true });
      if (sub?.name === 'familyName') return col(sql`u.last_name`, 'string', { searchable: true });
      if (sub?.name === 'formatted') return col(sql`(u.first_name || ' ' || u.last_name)`, 'string');
      return null;
    case 'displayName':
      return col(sql`(u.first_name || ' ' || u.last_name)`, 'string');
    case 'title':
      return col(sql`u.job_title`, 'string');
    case 'locale':
    case 'preferredLanguage':
      return col(sql`u.locale`, 'string');
    case 'timezone':
      return col(sql`u.time_zone`, 'string');
    case 'active':
      return col(sql`(u.status = 'active')`, 'boolean');
    case 'emails':
      return {
        from: sql`(select u.email as value where u.email is not null) e`,
        correlate: sql`true`,
        fields: {
          value: col(sql`e.value`, 'string', { lookup: 'email', searchable: true }),
          type: col(sql`'work'::text`, 'string'),
          primary: col(sql`true`, 'boolean'),
        },
        attribute,
      };
    case 'phoneNumbers':
      return {
        from: sql`jsonb_to_recordset(u.phone_numbers) as p(type text, number text)`,
        correlate: sql`true`,
        fields: {
          value: col(sql`p.number`, 'string'),
          type: col(sql`p.type`, 'string'),
          primary: col(sql`false`, 'boolean'),
        },
        attribute,
      };
    case 'groups':
      return {
        from: sql`group_members gm join groups gg on gg.tenant_id = gm.tenant_id and gg.id = gm.group_id`,
        correlate: sql`gm.tenant_id = u.tenant_id and gm.user_id = u.id`,
        fields: {
          value: col(sql`gm.group_id`, 'uuid'),
          display: col(sql`gg.name`, 'string'),
          type: col(sql`'direct'::text`, 'string'),
        },
        attribute,
      };
  }
  return null;
}

function groupField(resolved: ResolvedPath): Omit<Column, 'attribute'> | Multi | null {
  const { attribute, sub } = resolved;
  switch (attribute.name) {
    case 'id':
      return col(sql`g.id`, 'uuid');
    case 'externalId':
      return col(sql`g.external_id`, 'string');
    case 'displayName':
      return col(sql`g.name`, 'string');
    case 'meta':
      if (sub?.name === 'created') return col(sql`g.created_at`, 'dateTime');
      if (sub?.name === 'lastModified') return col(sql`g.updated_at`, 'dateTime');
      if (sub?.name === 'resourceType') return col(sql`'Group'::text`, 'string');
      return null;
    case 'members':
      return {
        from: sql`group_members gm join users mu on mu.tenant_id = gm.tenant_id and mu.id = gm.user_id`,
        correlate: sql`gm.tenant_id = g.tenant_id and gm.group_id = g.id and mu.status in ${VISIBLE}`,
        fields: {
          value: col(sql`gm.user_id`, 'uuid'),
          display: col(sql`(mu.first_name || ' ' || mu.last_name)`, 'string'),
          type: col(sql`'User'::text`, 'string'),
        },
        attribute,
      };
  }
  return null;
}

/** What a path means in SQL for this resource type, or an invalidFilter naming it. */
function mapPath(type: ResourceTypeDef, path: string): Mapped {
  const resolved = resolvePath(type, path);
  const mapped = resolved
    ? type === RESOURCE_TYPES.User
      ? userField(resolved)
      : groupField(resolved)
    : null;
  if (!resolved || !mapped)
    throw ScimErrors.invalidFilter(`"${path}" is not a filterable attribute of ${type.name}.`);
  if ('from' in mapped) {
    if (resolved.sub && !mapped.fields[resolved.sub.name])
      throw ScimErrors.invalidFilter(`"${path}" is not a filterable attribute of ${type.name}.`);
    return { multi: mapped, resolved };
  }
  return { column: { ...mapped, attribute: resolved.sub ?? resolved.attribute }, resolved };
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const bool = (e: Expr) => sql<SqlBool>`coalesce(${e}, false)`;

/** One comparison on one column, never NULL, so `not (…)` stays two-valued. */
function compareSql(c: Column, op: CompareOp | 'pr', value: CompValue, path: string): RawBuilder<SqlBool> {
  checkComparison(c.attribute, op, value, path);
  const present =
    c.kind === 'string'
      ? sql<SqlBool>`coalesce(${c.expr} <> '', false)`
      : sql<SqlBool>`(${c.expr} is not null)`;
  if (op === 'pr') return present;
  if (value === null) return op === 'ne' ? present : sql<SqlBool>`not ${present}`;
  if (c.kind === 'boolean') {
    return op === 'eq'
      ? bool(sql`${c.expr} = ${value as boolean}`)
      : sql<SqlBool>`coalesce(${c.expr} <> ${value as boolean}, true)`;
  }
  if (c.kind === 'dateTime') {
    const v = sql`${String(value)}::timestamptz`;
    if (op === 'ne') return sql<SqlBool>`coalesce(${c.expr} <> ${v}, true)`;
    return bool(sql`${c.expr} ${sql.raw(ORD[op] ?? '=')} ${v}`);
  }
  let text = String(value);
  let expr: Expr = c.expr;
  if (c.kind === 'uuid') {
    if (op === 'eq' || op === 'ne') {
      // an id that is not a UUID matches nothing (and casting it would be a 500)
      if (!UUID.test(text)) return op === 'eq' ? sql<SqlBool>`false` : sql<SqlBool>`true`;
      return op === 'eq'
        ? bool(sql`${c.expr} = ${text.toLowerCase()}::uuid`)
        : sql<SqlBool>`coalesce(${c.expr} <> ${text.toLowerCase()}::uuid, true)`;
    }
    expr = sql`${c.expr}::text`;
    text = text.toLowerCase();
  } else if (!c.attribute.caseExact) {
    expr = sql`lower(${c.expr})`;
    text = text.toLowerCase();
  }
  switch (op) {
    case 'eq':
      return bool(sql`${expr} = ${text}`);
    case 'ne':
      return sql<SqlBool>`coalesce(${expr} <> ${text}, true)`;
    case 'co':
      return bool(sql`${expr} like ${`%${escapeLike(text)}%`}`);
    case 'sw':
      return bool(sql`${expr} like ${`${escapeLike(text)}%`}`);
    case 'ew':
      return bool(sql`${expr} like ${`%${escapeLike(text)}`}`);
    default:
      return bool(sql`${expr} ${sql.raw(ORD[op]!)} ${text}`);
  }
}

const ORD: Partial<Record<CompareOp, string>> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };

/** The index-backed superset for a comparison, when there is one. */
function narrowing(tenantId: string, c: Omit<Column, 'attribute'>, op: CompareOp | 'pr', value: CompValue) {
  if (typeof value !== 'string' || value === '') return null;
  if (op === 'eq' && c.lookup === 'username') {
    // userName is the username, or the email of a user without one
    return sql<SqlBool>`u.id in (select scim_user_ids(${tenantId}::uuid, 'username', ${value})
                                  union all select scim_user_ids(${tenantId}::uuid, 'email', ${value}))`;
  }
  if (op === 'eq' && c.lookup)
    return sql<SqlBool>`u.id in (select scim_user_ids(${tenantId}::uuid, ${c.lookup}, ${value}))`;
  if ((op === 'co' || op === 'sw' || op === 'ew') && c.searchable)
    return sql<SqlBool>`u.id in (select search_user_ids(${tenantId}::uuid, ${`%${escapeLike(value.toLowerCase())}%`}))`;
  return null;
}

function withNarrowing(n: RawBuilder<SqlBool> | null, exact: RawBuilder<SqlBool>) {
  return n ? sql<SqlBool>`(${n} and ${exact})` : exact;
}

interface Context {
  type: ResourceTypeDef;
  tenantId: string;
}

const existsIn = (multi: Multi, cond: RawBuilder<SqlBool>) =>
  sql<SqlBool>`exists (select 1 from ${multi.from} where ${multi.correlate} and ${cond})`;

function multiLeaf(
  ctx: Context,
  multi: Multi,
  resolved: ResolvedPath,
  filter: Filter & { kind: 'compare' | 'present' },
) {
  // a comparison on the attribute itself applies to its "value" (RFC 7644 §3.4.2.2)
  const name = resolved.sub?.name ?? 'value';
  const field = multi.fields[name]!;
  const c: Column = { ...field, attribute: findSub(multi.attribute, name)! };
  const op = filter.kind === 'present' ? 'pr' : filter.op;
  const value = filter.kind === 'present' ? null : filter.value;
  checkComparison(c.attribute, op, value, filter.path);
  const exists = (cond: RawBuilder<SqlBool>) => existsIn(multi, cond);
  // `eq null` on a multi-valued attribute: no value at all
  if (value === null && op !== 'pr') {
    const any = exists(compareSql(c, 'pr', null, filter.path));
    return op === 'ne' ? any : sql<SqlBool>`not ${any}`;
  }
  const n = ctx.type === RESOURCE_TYPES.User ? narrowing(ctx.tenantId, field, op, value) : null;
  return withNarrowing(n, exists(compareSql(c, op, value, filter.path)));
}

function compileIn(ctx: Context, filter: Filter): RawBuilder<SqlBool> {
  switch (filter.kind) {
    case 'and':
      return sql<SqlBool>`(${sql.join(
        filter.filters.map((f) => compileIn(ctx, f)),
        sql` and `,
      )})`;
    case 'or':
      return sql<SqlBool>`(${sql.join(
        filter.filters.map((f) => compileIn(ctx, f)),
        sql` or `,
      )})`;
    case 'not':
      return sql<SqlBool>`(not ${compileIn(ctx, filter.filter)})`;
    case 'present':
    case 'compare': {
      const mapped = mapPath(ctx.type, filter.path);
      if ('multi' in mapped) return multiLeaf(ctx, mapped.multi, mapped.resolved, filter);
      const c = mapped.column;
      if (c.attribute.type === 'complex')
        throw ScimErrors.invalidFilter(`"${filter.path}" is complex: compare one of its sub-attributes.`);
      const op = filter.kind === 'present' ? 'pr' : filter.op;
      const value = filter.kind === 'present' ? null : filter.value;
      const exact = compareSql(c, op, value, filter.path);
      return ctx.type === RESOURCE_TYPES.User
        ? withNarrowing(narrowing(ctx.tenantId, c, op, value), exact)
        : exact;
    }
    case 'valuePath': {
      const mapped = mapPath(ctx.type, filter.path);
      if (!('multi' in mapped) || mapped.resolved.sub)
        throw ScimErrors.invalidFilter(`"${filter.path}[…]" needs a multi-valued attribute.`);
      const multi = mapped.multi;
      const exists = existsIn(multi, compileValueFilter(multi, filter.filter));
      const n = ctx.type === RESOURCE_TYPES.User ? valueFilterNarrowing(ctx, multi, filter.filter) : null;
      return withNarrowing(n, exists);
    }
  }
}

/** The filter inside `attr[…]`, over one value's row. */
function compileValueFilter(multi: Multi, filter: Filter): RawBuilder<SqlBool> {
  switch (filter.kind) {
    case 'and':
      return sql<SqlBool>`(${sql.join(
        filter.filters.map((f) => compileValueFilter(multi, f)),
        sql` and `,
      )})`;
    case 'or':
      return sql<SqlBool>`(${sql.join(
        filter.filters.map((f) => compileValueFilter(multi, f)),
        sql` or `,
      )})`;
    case 'not':
      return sql<SqlBool>`(not ${compileValueFilter(multi, filter.filter)})`;
    case 'valuePath':
      throw ScimErrors.invalidFilter('A value filter cannot nest another.');
    case 'present':
    case 'compare': {
      const sub = findSub(multi.attribute, filter.path);
      const field = sub ? multi.fields[sub.name] : undefined;
      if (!sub || !field)
        throw ScimErrors.invalidFilter(
          `"${filter.path}" is not a filterable sub-attribute of ${multi.attribute.name}.`,
        );
      return compareSql(
        { ...field, attribute: sub },
        filter.kind === 'present' ? 'pr' : filter.op,
        filter.kind === 'present' ? null : filter.value,
        filter.path,
      );
    }
  }
}

/** `emails[value eq "…"]` (alone or and-ed) narrows through the index like `emails.value eq "…"`. */
function valueFilterNarrowing(ctx: Context, multi: Multi, filter: Filter): RawBuilder<SqlBool> | null {
  const terms = filter.kind === 'and' ? filter.filters : [filter];
  for (const t of terms) {
    if (t.kind !== 'compare') continue;
    const sub = findSub(multi.attribute, t.path);
    const field = sub ? multi.fields[sub.name] : undefined;
    const n = field ? narrowing(ctx.tenantId, field, t.op, t.value) : null;
    if (n) return n;
  }
  return null;
}

/** The WHERE condition for a filter over `users u` (or `groups g`), parameterised throughout. */
export function filterToSql(type: ResourceTypeDef, tenantId: string, filter: Filter): RawBuilder<SqlBool> {
  return compileIn({ type, tenantId }, filter);
}

/** The ORDER BY expression for `sortBy` (a single value: multi-valued attributes sort by their value). */
export function sortExpression(type: ResourceTypeDef, path: string): Expr {
  let mapped: Mapped;
  try {
    mapped = mapPath(type, path);
  } catch {
    throw ScimErrors.invalidValue(`sortBy "${path}" is not a sortable attribute of ${type.name}.`);
  }
  if ('column' in mapped) {
    const c = mapped.column;
    if (c.attribute.type === 'complex') throw ScimErrors.invalidValue(`sortBy "${path}" is complex.`);
    return c.kind === 'string' && !c.attribute.caseExact ? sql`lower(${c.expr})` : c.expr;
  }
  const multi = mapped.multi;
  const field = multi.fields[mapped.resolved.sub?.name ?? 'value']!;
  const value = field.kind === 'string' ? sql`lower(${field.expr})` : sql`${field.expr}::text`;
  return sql`(select min(${value}) from ${multi.from} where ${multi.correlate})`;
}
