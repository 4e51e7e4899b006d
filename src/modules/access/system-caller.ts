import type { Principal } from '../../platform/auth.ts';
import { systemActor } from '../../platform/context.ts';
import { withSystemTx } from '../../platform/db.ts';
import type { Platform } from '../../platform/platform.ts';
import type { Caller } from '../users/users.service.ts';
import { PERMISSION_KEYS } from './permissions.catalog.ts';

/** Stands for "no user" where a user id is expected (the system is never anyone's self). */
export const SYSTEM_USER_ID = '00000000-0000-0000-0000-000000000000';

/**
 * The caller a durable job acts as: Rollcall itself, within one tenant, holding every permission.
 * The person who scheduled the work was authorized when they asked; the job carries that out
 * through the same services, so every domain rule (last Super Admin, rule 7, …) still applies.
 */
export async function systemCaller(platform: Platform, tenantId: string, label: string): Promise<Caller> {
  const tenant = await withSystemTx(platform.db, (tx) =>
    tx
      .selectFrom('tenants')
      .select(['id', 'kind', 'parentId', 'name', 'slug'])
      .where('id', '=', tenantId)
      .executeTakeFirstOrThrow(),
  );
  const principal: Principal = {
    userId: SYSTEM_USER_ID,
    tenantId,
    tenantKind: tenant.kind,
    label,
    user: {
      firstName: 'Rollcall',
      lastName: '',
      email: null,
      username: null,
      status: 'active',
      kind: 'internal',
    },
    tenant,
    via: 'session',
    restricted: null,
    department: null,
    permissions: PERMISSION_KEYS,
    customerAccess: 'none',
    customerTenantIds: new Set(),
  };
  return { principal, ctx: { tenantId, actor: systemActor(label), clock: platform.clock } };
}
