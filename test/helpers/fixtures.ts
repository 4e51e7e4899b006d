import { v7 as uuidv7 } from 'uuid';
import { assignDirectRole, insertPredefinedRoles } from '../../src/modules/access/access.repository.ts';
import { hashPassword } from '../../src/modules/auth/passwords.ts';
import {
  addMember,
  findDefaultGroupId,
  insertDefaultGroup,
} from '../../src/modules/groups/groups.repository.ts';
import { withTenantTx } from '../../src/platform/db.ts';
import { type TestApp, TestClient } from './app.ts';

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

export const USER_PASSWORD = 'Directory-Password-42!';
let seq = 0;

/** Creates a user through the API as the given client; returns the created user. */
export async function apiCreateUser(
  client: TestClient,
  tenantId: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; email: string | null; username: string | null; [k: string]: unknown }> {
  seq += 1;
  const res = await client.post(`/api/v1/tenants/${tenantId}/users`, {
    firstName: 'Test',
    lastName: `Person${seq}`,
    email: `person${seq}.${Date.now() % 100000}@example.test`,
    password: USER_PASSWORD,
    ...body,
  });
  if (res.statusCode !== 201) throw new Error(`create user failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function roleId(client: TestClient, tenantId: string, key: string): Promise<string> {
  const roles = (await client.get(`/api/v1/tenants/${tenantId}/roles`)).json().items as Array<{
    id: string;
    key: string | null;
    name: string;
  }>;
  const role = roles.find((r) => r.key === key || r.name === key);
  if (!role) throw new Error(`no role ${key}`);
  return role.id;
}

export async function defaultGroupId(client: TestClient, tenantId: string): Promise<string> {
  const groups = (await client.get(`/api/v1/tenants/${tenantId}/groups`)).json().items as Array<{
    id: string;
    isDefault: boolean;
  }>;
  return groups.find((g) => g.isDefault)!.id;
}

/** Signs in as a user created with USER_PASSWORD. */
export async function signIn(app: TestApp['app'], tenantSlug: string, login: string): Promise<TestClient> {
  const client = new TestClient(app);
  await client.login(tenantSlug, login, USER_PASSWORD);
  return client;
}
