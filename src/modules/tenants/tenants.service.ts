import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import { type Principal, requirePermission } from '../../platform/auth.ts';
import type { Ctx } from '../../platform/context.ts';
import { switchTenant, withTenantTx } from '../../platform/db.ts';
import type { Tenant } from '../../platform/db-schema.ts';
import { PlatformErrors } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import { decodeCursor, encodeCursor } from '../../platform/schemas.ts';
import { insertPredefinedRoles } from '../access/access.repository.ts';
import { assertValidCidrs } from '../auth/ip-restrictions.ts';
import { insertDefaultGroup } from '../groups/groups.repository.ts';
import { TenantErrors } from './tenants.errors.ts';
import * as repo from './tenants.repository.ts';
import type {
  CreateTenantBody,
  ListTenantsQuery,
  TenantSettings,
  UpdateTenantBody,
} from './tenants.schemas.ts';

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** What the schema cannot say: the time zone must be one the runtime knows. */
function checkSettings(settings: TenantSettings | undefined): void {
  if (settings?.ipAllowList)
    settings.ipAllowList = assertValidCidrs(settings.ipAllowList, 'body/settings/ipAllowList');
  if (settings?.timeZone !== undefined && !isValidTimeZone(settings.timeZone)) {
    throw TenantErrors.invalidSettings('timeZone', `"${settings.timeZone}" is not a known IANA time zone`);
  }
}

export function toApiTenant(t: Tenant) {
  return { ...t, settings: t.settings as TenantSettings };
}

/**
 * The tenants the principal can see: its own and, for a provider, the customers its roles reach.
 * RLS already limits the rows to the provider and its customers; the role's customer list narrows it.
 */
export async function listTenants(platform: Platform, principal: Principal, query: ListTenantsQuery) {
  requirePermission(principal, 'tenants.read');
  const limit = query.limit ?? 50;
  const after = decodeCursor(query.cursor, 2) as [string, string] | null;
  const rows = await withTenantTx(platform.db, principal.tenantId, (tx) =>
    repo.listTenants(tx, { q: query.q?.trim() || undefined, kind: query.kind, after, limit: limit + 1 }),
  );
  const visible = rows.filter(
    (t) =>
      t.id === principal.tenantId ||
      principal.customerAccess === 'all' ||
      principal.customerTenantIds.has(t.id),
  );
  const page = visible.slice(0, limit);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { items: page.map(toApiTenant), nextCursor: last ? encodeCursor([last.name, last.id]) : null };
}

export async function getTenant(principal: Principal, tenant: Tenant) {
  requirePermission(principal, 'tenants.read');
  return toApiTenant(tenant);
}

/**
 * A provider creates a customer: the tenant row, its predefined roles and its Default group, one
 * transaction. The event goes into both chains: the provider's (who did it) and the new customer's
 * (where its history starts).
 */
export async function createCustomerTenant(
  platform: Platform,
  ctx: Ctx,
  principal: Principal,
  body: CreateTenantBody,
) {
  requirePermission(principal, 'tenants.manage');
  if (principal.tenantKind !== 'provider') throw TenantErrors.notProvider();
  checkSettings(body.settings);
  const slug = body.slug.toLowerCase();
  return withTenantTx(platform.db, principal.tenantId, async (tx) => {
    let tenant: Tenant;
    try {
      tenant = await repo.insertTenant(tx, {
        id: uuidv7(),
        kind: 'customer',
        parentId: principal.tenantId,
        name: body.name.trim(),
        slug,
        settings: JSON.stringify(body.settings ?? {}),
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw TenantErrors.slugTaken(slug);
      throw error;
    }
    const after = { name: tenant.name, slug: tenant.slug, kind: tenant.kind, settings: tenant.settings };
    await recordAudit(tx, ctx, {
      action: 'tenant.created',
      target: { type: 'tenant', id: tenant.id, label: tenant.name },
      after,
    });
    await switchTenant(tx, tenant.id);
    await insertPredefinedRoles(tx, tenant.id, 'customer');
    await insertDefaultGroup(tx, tenant.id);
    await recordAudit(
      tx,
      { ...ctx, tenantId: tenant.id },
      {
        action: 'tenant.created',
        target: { type: 'tenant', id: tenant.id, label: tenant.name },
        after,
      },
    );
    return toApiTenant(tenant);
  });
}

export async function updateTenant(
  platform: Platform,
  ctx: Ctx,
  principal: Principal,
  tenant: Tenant,
  body: UpdateTenantBody,
) {
  requirePermission(principal, 'tenants.manage');
  checkSettings(body.settings);
  if (body.status !== undefined && body.status !== tenant.status && tenant.parentId !== principal.tenantId) {
    throw TenantErrors.statusChangeForbidden();
  }
  return withTenantTx(platform.db, tenant.id, async (tx) => {
    const current = await repo.findTenant(tx, tenant.id);
    if (!current) throw PlatformErrors.tenantNotFound();
    const changes = {
      ...(body.name !== undefined ? { name: body.name.trim() } : {}),
      ...(body.settings !== undefined ? { settings: JSON.stringify(body.settings) } : {}),
      ...(body.status !== undefined ? { status: body.status } : {}),
      updatedAt: platform.clock.now(),
    };
    const updated = await repo.updateTenant(tx, tenant.id, changes);
    const before = { name: current.name, settings: current.settings, status: current.status };
    const afterState = { name: updated.name, settings: updated.settings, status: updated.status };
    await recordAudit(tx, ctx, {
      action: 'tenant.updated',
      target: { type: 'tenant', id: tenant.id, label: updated.name },
      before,
      after: afterState,
    });
    return toApiTenant(updated);
  });
}
