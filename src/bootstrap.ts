import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { assignDirectRole, insertPredefinedRoles } from './modules/access/access.repository.ts';
import { generatePassword, hashPassword } from './modules/auth/passwords.ts';
import { addMember, insertDefaultGroup } from './modules/groups/groups.repository.ts';
import { recordAudit } from './platform/audit.ts';
import { type Ctx, systemActor } from './platform/context.ts';
import type { Platform } from './platform/platform.ts';

export interface BootstrapResult {
  created: boolean;
  tenantSlug: string;
  login: string;
  /** Only when it was generated now: printed once, never stored in clear. */
  generatedPassword: string | null;
}

const BOOTSTRAP_LOCK_KEY = 7_120_604_002;

/**
 * First start: the provider tenant (slug ROLLCALL_PROVIDER_SLUG), its predefined roles, its Default
 * group and its first Super Admin. Idempotent and safe when several processes start at once.
 */
export async function bootstrap(platform: Platform): Promise<BootstrapResult> {
  const { config } = platform;
  const slug = config.providerSlug;
  return platform.db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`.execute(tx);
    const existing = await tx
      .selectFrom('tenants')
      .select('id')
      .where(sql`lower(slug)`, '=', slug)
      .executeTakeFirst();
    const login = config.adminEmail ?? 'admin';
    if (existing) {
      // tell the operator who can sign in: the provider's first active Super Admin
      const admin = await sql<{ login: string }>`
        select coalesce(u.email, u.username) as login from users u
          join user_roles ur on ur.tenant_id = u.tenant_id and ur.user_id = u.id
          join roles r on r.tenant_id = ur.tenant_id and r.id = ur.role_id and r.key = 'super_admin'
         where u.tenant_id = ${existing.id} and u.status = 'active'
         order by u.created_at limit 1`.execute(tx);
      return {
        created: false,
        tenantSlug: slug,
        login: admin.rows[0]?.login ?? login,
        generatedPassword: null,
      };
    }

    const tenantId = uuidv7();
    const now = platform.clock.now();
    await tx
      .insertInto('tenants')
      .values({
        id: tenantId,
        kind: 'provider',
        parentId: null,
        name: 'Managed Service Provider',
        slug,
        settings: '{}',
      })
      .execute();
    await sql`select set_config('app.tenant_id', ${tenantId}, true)`.execute(tx);
    const roles = await insertPredefinedRoles(tx, tenantId, 'provider');
    const groupId = await insertDefaultGroup(tx, tenantId);
    const password = config.adminPassword ?? generatePassword();
    const userId = uuidv7();
    await tx
      .insertInto('users')
      .values({
        tenantId,
        id: userId,
        firstName: 'Super',
        lastName: 'Admin',
        email: config.adminEmail,
        username: config.adminEmail ? null : 'admin',
        status: 'active',
        passwordHash: await hashPassword(password),
        passwordChangedAt: now,
        phoneNumbers: '[]',
        notificationPreferences: '{}',
        customAttributes: '{}',
      })
      .execute();
    await assignDirectRole(tx, tenantId, userId, roles.get('super_admin')!);
    await addMember(tx, tenantId, groupId, userId);
    await tx
      .updateTable('groups')
      .set({ ownerId: userId })
      .where('tenantId', '=', tenantId)
      .where('id', '=', groupId)
      .execute();
    const ctx: Ctx = { tenantId, actor: systemActor('Rollcall bootstrap'), clock: platform.clock };
    await recordAudit(tx, ctx, {
      action: 'tenant.created',
      target: { type: 'tenant', id: tenantId, label: 'Managed Service Provider' },
      after: { kind: 'provider', slug },
    });
    await recordAudit(tx, ctx, {
      action: 'user.created',
      target: { type: 'user', id: userId, label: 'Super Admin' },
      after: {
        email: config.adminEmail,
        username: config.adminEmail ? null : 'admin',
        roles: ['super_admin'],
        status: 'active',
      },
    });
    return {
      created: true,
      tenantSlug: slug,
      login,
      generatedPassword: config.adminPassword ? null : password,
    };
  });
}
