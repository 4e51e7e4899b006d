import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { assignDirectRole } from '../modules/access/access.repository.ts';
import { generatePassword, hashPassword } from '../modules/auth/passwords.ts';
import { addMember, findDefaultGroupId } from '../modules/groups/groups.repository.ts';
import { recordAudit } from '../platform/audit.ts';
import { systemClock } from '../platform/clock.ts';
import { type Ctx, systemActor } from '../platform/context.ts';
import { createDb, withSystemTx, withTenantTx } from '../platform/db.ts';

/**
 * `npm run create-admin -- --email ada@example.com [--tenant msp] [--first Ada --last Lovelace]`:
 * the way back in when the first admin's password is lost. Creates a Super Admin, or makes an
 * existing user of that email an active Super Admin, with a new password printed once. Audited as
 * the Rollcall CLI in the tenant's chain.
 */
export interface CreateAdminArgs {
  tenant: string;
  email: string;
  firstName: string;
  lastName: string;
}

export function parseCreateAdminArgs(argv: string[], defaultTenant: string): CreateAdminArgs {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const email = get('--email');
  if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new Error(
      'Usage: npm run create-admin -- --email someone@example.com [--tenant slug] [--first Name --last Name]',
    );
  }
  return {
    tenant: get('--tenant') ?? defaultTenant,
    email,
    firstName: get('--first') ?? 'Rescue',
    lastName: get('--last') ?? 'Admin',
  };
}

export async function createAdmin(
  connectionString: string,
  args: CreateAdminArgs,
): Promise<{ password: string; created: boolean }> {
  const handle = createDb(connectionString, { max: 2 });
  try {
    const tenant = await withSystemTx(handle.db, (tx) =>
      tx
        .selectFrom('tenants')
        .select(['id', 'name'])
        .where(sql`lower(slug)`, '=', args.tenant.toLowerCase())
        .executeTakeFirst(),
    );
    if (!tenant) throw new Error(`No tenant with the slug "${args.tenant}".`);
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    const ctx: Ctx = { tenantId: tenant.id, actor: systemActor('Rollcall CLI'), clock: systemClock };
    const created = await withTenantTx(handle.db, tenant.id, async (tx) => {
      const now = systemClock.now();
      const superAdmin = await tx
        .selectFrom('roles')
        .select('id')
        .where('tenantId', '=', tenant.id)
        .where('key', '=', 'super_admin')
        .executeTakeFirstOrThrow();
      const existing = await tx
        .selectFrom('users')
        .select(['id', 'status', 'firstName', 'lastName'])
        .where('tenantId', '=', tenant.id)
        .where(sql`lower(email)`, '=', args.email.toLowerCase())
        .where('status', '<>', 'removed')
        .executeTakeFirst();
      if (existing?.status === 'archived')
        throw new Error('That user is archived, and archived users can never be reactivated.');
      const userId = existing?.id ?? uuidv7();
      if (existing) {
        await tx
          .updateTable('users')
          .set({
            passwordHash,
            passwordChangedAt: now,
            status: 'active',
            statusChangedAt: now,
            updatedAt: now,
          })
          .where('tenantId', '=', tenant.id)
          .where('id', '=', userId)
          .execute();
        await tx
          .updateTable('sessions')
          .set({ revokedAt: now })
          .where('tenantId', '=', tenant.id)
          .where('userId', '=', userId)
          .where('revokedAt', 'is', null)
          .execute();
      } else {
        await tx
          .insertInto('users')
          .values({
            tenantId: tenant.id,
            id: userId,
            firstName: args.firstName,
            lastName: args.lastName,
            email: args.email,
            status: 'active',
            passwordHash,
            passwordChangedAt: now,
            statusChangedAt: now,
          })
          .execute();
        await addMember(tx, tenant.id, (await findDefaultGroupId(tx, tenant.id))!, userId);
      }
      await assignDirectRole(tx, tenant.id, userId, superAdmin.id);
      await recordAudit(tx, ctx, {
        action: existing ? 'user.admin_recovered' : 'user.created',
        target: {
          type: 'user',
          id: userId,
          label: existing
            ? `${existing.firstName} ${existing.lastName}`
            : `${args.firstName} ${args.lastName}`,
        },
        before: existing ? { status: existing.status } : undefined,
        after: { email: args.email, roles: ['super_admin'], status: 'active', passwordReset: true },
      });
      return !existing;
    });
    return { password, created };
  } finally {
    await handle.close();
  }
}
