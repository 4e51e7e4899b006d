import { v7 as uuidv7 } from 'uuid';
import { assignDirectRole, insertPredefinedRoles } from '../../src/modules/access/access.repository.ts';
import { hashPassword } from '../../src/modules/auth/passwords.ts';
import {
  addMember,
  findDefaultGroupId,
  insertDefaultGroup,
} from '../../src/modules/groups/groups.repository.ts';
import { withTenantTx } from '../../src/platform/db.ts';
import type { TestApp } from './app.ts';

/**
 * Test data the API cannot create yet (users arrive with the directory issue, providers are an
 * installation-level act). Written through the same repositories the services use.
 */
export const FIXTURE_PASSWORD = 'Fixture-Password-123!';
let passwordHash: Promise<string> | null = null;

export async function createUserFixture(
  t: TestApp,
  tenantId: string,
  opts: {
    email?: string;
    username?: string;
    firstName?: string;
    lastName?: string;
    roleKey?: string;
    status?: 'active' | 'suspended' | 'pending' | 'archived';
  } = {},
): Promise<{ id: string; email: string | null; username: string | null }> {
  passwordHash ??= hashPassword(FIXTURE_PASSWORD);
  const id = uuidv7();
  const email = opts.email ?? (opts.username ? null : `user-${id.slice(-8)}@example.test`);
  await withTenantTx(t.rollcall.platform.db, tenantId, async (tx) => {
    await tx
      .insertInto('users')
      .values({
        tenantId,
        id,
        firstName: opts.firstName ?? 'Test',
        lastName: opts.lastName ?? 'User',
        email,
        username: opts.username ?? null,
        status: opts.status ?? 'active',
        passwordHash: await passwordHash!,
        phoneNumbers: '[]',
        notificationPreferences: '{}',
        customAttributes: '{}',
      })
      .execute();
    const role = await tx
      .selectFrom('roles')
      .select('id')
      .where('tenantId', '=', tenantId)
      .where('key', '=', opts.roleKey ?? 'user')
      .executeTakeFirstOrThrow();
    await assignDirectRole(tx, tenantId, id, role.id);
    const groupId = await findDefaultGroupId(tx, tenantId);
    if (groupId) await addMember(tx, tenantId, groupId, id);
  });
  return { id, email, username: opts.username ?? null };
}

/** A second MSP on the same installation, with its own Super Admin. */
export async function createProviderFixture(t: TestApp, slug: string) {
  const id = uuidv7();
  await t.rollcall.platform.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('tenants')
      .values({ id, kind: 'provider', parentId: null, name: `Provider ${slug}`, slug, settings: '{}' })
      .execute();
  });
  await withTenantTx(t.rollcall.platform.db, id, async (tx) => {
    await insertPredefinedRoles(tx, id, 'provider');
    await insertDefaultGroup(tx, id);
  });
  const admin = await createUserFixture(t, id, {
    email: `admin@${slug}.test`,
    roleKey: 'super_admin',
    firstName: 'Other',
    lastName: 'Admin',
  });
  return { id, slug, admin };
}
