import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { apiCreateUser, roleId, signIn } from '../helpers/fixtures.ts';

let t: TestApp;
let tenant: string;
const r = (path = '') => `/api/v1/tenants/${tenant}/roles${path}`;
const u = (path = '') => `/api/v1/tenants/${tenant}/users${path}`;
const g = (path = '') => `/api/v1/tenants/${tenant}/groups${path}`;
let n = 0;

beforeAll(async () => {
  t = await createTestApp();
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Roles Co', slug: 'roles-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
});

const perms = async (userId: string) =>
  (await t.admin.get(u(`/${userId}/permissions`)))
    .json()
    .permissions.map((p: { permission: string }) => p.permission) as string[];

/** A signed-in user of the tenant holding exactly these roles (by key or name). */
async function actor(roles: string[], extra: Record<string, unknown> = {}) {
  n += 1;
  const email = `actor${n}@roles.test`;
  const roleIds = await Promise.all(roles.map((k) => roleId(t.admin, tenant, k)));
  const user = await apiCreateUser(t.admin, tenant, { email, roleIds, ...extra });
  return { user, client: await signIn(t.app, 'roles-co', email) };
}

describe('rule 9: a permission is a string from one catalog', () => {
  it('lists the catalog by module and refuses permissions outside it', async () => {
    const catalog = (await t.admin.get('/api/v1/permissions')).json().items;
    const keys = catalog.map((p: { key: string }) => p.key);
    for (const k of [
      'users.read',
      'users.create',
      'users.suspend',
      'groups.manage',
      'roles.manage',
      'invitations.send',
      'licenses.assign',
      'flows.templates.manage',
      'flows.run',
      'audit.read',
      'reports.read',
      'settings.manage',
      'users.scope.all',
      'users.scope.department',
      'users.scope.managed',
      'users.scope.self',
    ]) {
      expect(keys).toContain(k);
    }
    const res = await t.admin.post(r(), { name: 'Bogus', permissions: ['users.read', 'users.teleport'] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'permission.unknown',
      details: { permissions: ['users.teleport'] },
    });
  });
});

describe('rule 10: predefined roles per tenant plus custom roles made of catalog permissions', () => {
  it('has the predefined roles, fixed; custom roles can be created, edited and deleted', async () => {
    const roles = (await t.admin.get(r())).json().items;
    expect(
      roles
        .filter((x: { predefined: boolean }) => x.predefined)
        .map((x: { name: string }) => x.name)
        .sort(),
    ).toEqual(['External User', 'Help Desk', 'Super Admin', 'Technician', 'Tenant Admin', 'User']);
    const providerRoles = (await t.admin.get(`/api/v1/tenants/${t.providerId}/roles`)).json().items;
    expect(providerRoles.map((x: { name: string }) => x.name)).toContain('MSP Admin');
    const superAdmin = roles.find((x: { key: string }) => x.key === 'super_admin');
    expect((await t.admin.patch(r(`/${superAdmin.id}`), { name: 'Boss' })).json().code).toBe(
      'role.predefined_immutable',
    );
    expect((await t.admin.delete(r(`/${superAdmin.id}`))).json().code).toBe('role.predefined_immutable');

    const created = (
      await t.admin.post(r(), {
        name: 'HR',
        description: 'People team',
        permissions: ['users.read', 'users.update', 'users.scope.all'],
      })
    ).json();
    expect(created).toMatchObject({
      name: 'HR',
      predefined: false,
      permissions: ['users.read', 'users.scope.all', 'users.update'],
    });
    expect((await t.admin.post(r(), { name: 'hr', permissions: [] })).json().code).toBe('role.name_taken');
    const edited = await t.admin.patch(r(`/${created.id}`), {
      permissions: ['users.read', 'users.scope.all'],
    });
    expect(edited.json().permissions).toEqual(['users.read', 'users.scope.all']);
    const holder = await apiCreateUser(t.admin, tenant, { roleIds: [created.id] });
    const inUse = await t.admin.delete(r(`/${created.id}`));
    expect(inUse.json()).toMatchObject({ code: 'role.in_use', details: { users: 1, groups: 0 } });
    const userRole = await roleId(t.admin, tenant, 'user');
    await t.admin.put(u(`/${holder.id}/roles`), { roleIds: [userRole] });
    expect((await t.admin.delete(r(`/${created.id}`))).statusCode).toBe(204);
  });
});

describe('rule 11: effective permissions = tenant defaults ∪ direct roles ∪ group roles, then overrides (deny wins), explained', () => {
  it('unions every source and names each one', async () => {
    const reports = (await t.admin.post(r(), { name: 'Reporter', permissions: ['reports.read'] })).json();
    const group = (
      await t.admin.post(g(), {
        name: 'Auditors',
        roleId: (await t.admin.post(r(), { name: 'Auditor', permissions: ['audit.read'] })).json().id,
      })
    ).json();
    const user = await apiCreateUser(t.admin, tenant, { roleIds: [reports.id] });
    await t.admin.post(g(`/${group.id}/members`), { userIds: [user.id] });
    await t.admin.put(`/api/v1/tenants/${tenant}/default-permissions`, { permissions: ['flows.read'] });
    await t.admin.put(u(`/${user.id}/permission-overrides`), {
      overrides: [{ permission: 'licenses.read', effect: 'grant' }],
    });
    const res = (await t.admin.get(u(`/${user.id}/permissions`))).json();
    const by = Object.fromEntries(
      res.permissions.map((p: { permission: string; sources: unknown[] }) => [p.permission, p.sources]),
    );
    expect(by['reports.read']).toEqual([
      expect.objectContaining({ type: 'role', roleName: 'Reporter', label: 'role Reporter' }),
    ]);
    expect(by['audit.read']).toEqual([
      expect.objectContaining({ type: 'group_role', roleName: 'Auditor', groupName: 'Auditors' }),
    ]);
    expect(by['flows.read']).toEqual([
      expect.objectContaining({ type: 'tenant_default', label: 'tenant default' }),
    ]);
    expect(by['licenses.read']).toEqual([expect.objectContaining({ type: 'override', effect: 'grant' })]);
    await t.admin.put(`/api/v1/tenants/${tenant}/default-permissions`, { permissions: [] });
  });

  it('a deny override wins over every source, and shows why', async () => {
    const user = await apiCreateUser(t.admin, tenant, {
      roleIds: [await roleId(t.admin, tenant, 'help_desk')],
    });
    expect(await perms(user.id)).toContain('users.suspend');
    const res = (
      await t.admin.put(u(`/${user.id}/permission-overrides`), {
        overrides: [{ permission: 'users.suspend', effect: 'deny' }],
      })
    ).json();
    expect(res.permissions.map((p: { permission: string }) => p.permission)).not.toContain('users.suspend');
    expect(res.denied).toEqual([
      {
        permission: 'users.suspend',
        sources: [
          expect.objectContaining({ type: 'role', roleName: 'Help Desk' }),
          expect.objectContaining({ type: 'override', effect: 'deny' }),
        ],
      },
    ]);
    // and the deny is enforced, not just displayed
    const client = await signIn(t.app, 'roles-co', user.email!);
    const target = await apiCreateUser(t.admin, tenant);
    const denied = await client.post(u(`/${target.id}/suspend`));
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'auth.forbidden', details: { permission: 'users.suspend' } });
  });

  it('external users are capped by the external ceiling whatever their roles say', async () => {
    const ext = await apiCreateUser(t.admin, tenant, {
      kind: 'external',
      roleIds: [await roleId(t.admin, tenant, 'help_desk')],
    });
    const res = (await t.admin.get(u(`/${ext.id}/permissions`))).json();
    expect(res.permissions.map((p: { permission: string }) => p.permission).sort()).toEqual([
      'flows.read',
      'flows.run',
    ]);
    expect(res.cappedByExternalCeiling.map((p: { permission: string }) => p.permission)).toContain(
      'users.suspend',
    );
    const grant = await t.admin.put(u(`/${ext.id}/permission-overrides`), {
      overrides: [{ permission: 'users.read', effect: 'grant' }],
    });
    expect(grant.json().code).toBe('user.external_ceiling');
  });
});

describe('rule 12: every user keeps at least one direct role', () => {
  it('refuses removing the last direct role', async () => {
    const user = await apiCreateUser(t.admin, tenant);
    const res = await t.admin.put(u(`/${user.id}/roles`), { roleIds: [] });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('user.last_role');
    const bulk = await t.admin.post(u('/bulk'), {
      action: 'removeRoles',
      ids: [user.id],
      roleIds: [await roleId(t.admin, tenant, 'user')],
    });
    expect(bulk.json().results[0]).toMatchObject({ ok: false, code: 'user.last_role' });
    expect((await t.admin.get(u(`/${user.id}/roles`))).json().directRoles).toHaveLength(1);
  });
});

describe('rule 13: the privilege ceiling — no one grants a permission they do not hold', () => {
  it('by role assignment (and by taking away a role above them)', async () => {
    const { client } = await actor(['tenant_admin']);
    const target = await apiCreateUser(t.admin, tenant);
    const superAdmin = await roleId(t.admin, tenant, 'super_admin');
    const res = await client.put(u(`/${target.id}/roles`), { roleIds: [superAdmin] });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('role.ceiling');
    expect(res.json().details.permissions).toContain('tenants.manage');
    const boss = await apiCreateUser(t.admin, tenant, { roleIds: [superAdmin] });
    const demote = await client.put(u(`/${boss.id}/roles`), {
      roleIds: [await roleId(t.admin, tenant, 'user')],
    });
    expect(demote.json().code).toBe('role.ceiling');
    const fine = await client.put(u(`/${target.id}/roles`), {
      roleIds: [await roleId(t.admin, tenant, 'help_desk')],
    });
    expect(fine.statusCode).toBe(200);
  });

  it('by group role, and by joining a group that carries a role', async () => {
    const { client } = await actor(['tenant_admin']);
    const superAdmin = await roleId(t.admin, tenant, 'super_admin');
    const create = await client.post(g(), { name: `Elevated ${n}`, roleId: superAdmin });
    expect(create.json().code).toBe('role.ceiling');
    const plain = (await client.post(g(), { name: `Plain ${n}` })).json();
    expect((await client.patch(g(`/${plain.id}`), { roleId: superAdmin })).json().code).toBe('role.ceiling');
    const elevated = (await t.admin.post(g(), { name: `Admins ${n}`, roleId: superAdmin })).json();
    const target = await apiCreateUser(t.admin, tenant);
    const join = await client.post(g(`/${elevated.id}/members`), { userIds: [target.id] });
    expect(join.json().code).toBe('role.ceiling');
  });

  it('by override and by custom-role edit', async () => {
    const { client } = await actor(['help_desk']);
    const grantRole = (
      await t.admin.post(r(), {
        name: `Role Editor ${n}`,
        permissions: ['roles.manage', 'roles.read', 'users.read', 'users.scope.all'],
      })
    ).json();
    const { client: editor } = await actor([grantRole.name]);
    const target = await apiCreateUser(t.admin, tenant);
    const override = await editor.put(u(`/${target.id}/permission-overrides`), {
      overrides: [{ permission: 'settings.manage', effect: 'grant' }],
    });
    expect(override.json().code).toBe('role.ceiling');
    const custom = (await t.admin.post(r(), { name: `Custom ${n}`, permissions: ['users.read'] })).json();
    const widen = await editor.patch(r(`/${custom.id}`), { permissions: ['users.read', 'settings.manage'] });
    expect(widen.json()).toMatchObject({
      code: 'role.ceiling',
      details: { permissions: ['settings.manage'] },
    });
    const createWide = await editor.post(r(), { name: `Wide ${n}`, permissions: ['audit.read'] });
    expect(createWide.json().code).toBe('role.ceiling');
    const defaults = await editor.put(`/api/v1/tenants/${tenant}/default-permissions`, {
      permissions: ['audit.read'],
    });
    expect(defaults.json().code).toBe('role.ceiling');
    // and a help desk user without roles.manage cannot touch roles at all
    expect((await client.post(r(), { name: 'Nope', permissions: [] })).json().code).toBe('auth.forbidden');
  });
});

describe('rule 14: every tenant keeps at least one active Super Admin; no one removes themselves', () => {
  async function freshTenant(slug: string) {
    const id = (await t.admin.post('/api/v1/tenants', { name: slug, slug })).json().id;
    const sa = (await t.admin.get(`/api/v1/tenants/${id}/roles`))
      .json()
      .items.find((x: { key: string }) => x.key === 'super_admin').id;
    return { id, sa };
  }

  it('refuses suspending, archiving, removing or demoting the last one', async () => {
    const { id, sa } = await freshTenant('last-sa');
    const only = (
      await t.admin.post(`/api/v1/tenants/${id}/users`, {
        firstName: 'Only',
        lastName: 'Admin',
        email: 'only@last.test',
        roleIds: [sa],
      })
    ).json();
    const base = `/api/v1/tenants/${id}/users/${only.id}`;
    for (const action of ['suspend', 'archive']) {
      const res = await t.admin.post(`${base}/${action}`);
      expect(res.statusCode, action).toBe(409);
      expect(res.json().code).toBe('tenant.last_super_admin');
    }
    expect((await t.admin.post(`${base}/remove`, {})).json().code).toBe('tenant.last_super_admin');
    const userRole = (await t.admin.get(`/api/v1/tenants/${id}/roles`))
      .json()
      .items.find((x: { key: string }) => x.key === 'user').id;
    expect((await t.admin.put(`${base}/roles`, { roleIds: [userRole] })).json().code).toBe(
      'tenant.last_super_admin',
    );
    expect((await t.admin.get(base)).json().status).toBe('active');
    // with a second Super Admin, the first can go
    await t.admin.post(`/api/v1/tenants/${id}/users`, {
      firstName: 'Second',
      lastName: 'Admin',
      email: 'second@last.test',
      roleIds: [sa],
    });
    expect((await t.admin.post(`${base}/suspend`)).statusCode).toBe(200);
  });

  it('counts Super Admins through group roles too', async () => {
    const { id, sa } = await freshTenant('group-sa');
    const group = (await t.admin.post(`/api/v1/tenants/${id}/groups`, { name: 'Admins', roleId: sa })).json();
    const member = (
      await t.admin.post(`/api/v1/tenants/${id}/users`, {
        firstName: 'Group',
        lastName: 'Admin',
        email: 'g@group.test',
        groupIds: [group.id],
      })
    ).json();
    expect(
      (
        await t.admin.post(`/api/v1/tenants/${id}/groups/${group.id}/role/unassign`, {
          mode: 'remove_from_all',
        })
      ).json().code,
    ).toBe('tenant.last_super_admin');
    expect((await t.admin.delete(`/api/v1/tenants/${id}/groups/${group.id}`)).json().code).toBe(
      'tenant.last_super_admin',
    );
    expect((await t.admin.post(`/api/v1/tenants/${id}/users/${member.id}/suspend`)).json().code).toBe(
      'tenant.last_super_admin',
    );
    // keeping it individually is fine: the member stays a Super Admin by a direct role
    expect(
      (
        await t.admin.post(`/api/v1/tenants/${id}/groups/${group.id}/role/unassign`, {
          mode: 'keep_individually',
        })
      ).statusCode,
    ).toBe(200);
  });

  it('two admins suspending the last two Super Admins at the same moment leave one active', async () => {
    const { id, sa } = await freshTenant('race-sa');
    const mk = async (name: string) =>
      (
        await t.admin.post(`/api/v1/tenants/${id}/users`, {
          firstName: name,
          lastName: 'Admin',
          email: `${name}@race.test`,
          roleIds: [sa],
          password: 'Race-Password-123!',
        })
      ).json();
    const [a, b] = [await mk('alpha'), await mk('beta')];
    const { TestClient } = await import('../helpers/app.ts');
    const ca = new TestClient(t.app);
    await ca.login('race-sa', 'alpha@race.test', 'Race-Password-123!');
    const cb = new TestClient(t.app);
    await cb.login('race-sa', 'beta@race.test', 'Race-Password-123!');
    const results = await Promise.all([
      ca.post(`/api/v1/tenants/${id}/users/${b.id}/suspend`),
      cb.post(`/api/v1/tenants/${id}/users/${a.id}/suspend`),
    ]);
    const statuses = results.map((x) => x.statusCode).sort();
    // either one wins and the other is refused as the last Super Admin, or the loser's own session
    // ended with the winner's suspension: in no case are both suspended
    expect(statuses[0]).toBe(200);
    expect([401, 409]).toContain(statuses[1]);
    const active = await t.ownerQuery(
      `select count(*)::int as n from users where tenant_id = $1 and status = 'active'`,
      [id],
    );
    expect(active.rows[0].n).toBe(1);
  });

  it('no one can remove, suspend or archive themselves', async () => {
    const me = (await t.admin.get('/api/v1/me')).json().user.id;
    const base = `/api/v1/tenants/${t.providerId}/users/${me}`;
    expect((await t.admin.post(`${base}/remove`, {})).json().code).toBe('user.self_action');
    expect((await t.admin.post(`${base}/suspend`)).json().code).toBe('user.self_action');
    expect((await t.admin.post(`${base}/archive`)).json().code).toBe('user.self_action');
  });
});

describe('bulk actions', () => {
  it('applies to each user whole, reports per user, and one refusal does not undo the others', async () => {
    const { id } = { id: tenant };
    const users = [
      await apiCreateUser(t.admin, id),
      await apiCreateUser(t.admin, id),
      await apiCreateUser(t.admin, id),
    ];
    await t.admin.post(u(`/${users[2]!.id}/archive`));
    const res = await t.admin.post(u('/bulk'), { action: 'suspend', ids: users.map((x) => x.id) });
    expect(res.json()).toMatchObject({
      succeeded: 2,
      failed: 1,
      results: [
        { id: users[0]!.id, ok: true, changed: true, endedSessions: 0 },
        { id: users[1]!.id, ok: true, changed: true, endedSessions: 0 },
        { id: users[2]!.id, ok: false, code: 'user.transition_not_allowed' },
      ],
    });
    const group = (await t.admin.post(g(), { name: 'Bulk Group' })).json();
    const assign = await t.admin.post(u('/bulk'), {
      action: 'assignGroups',
      ids: users.slice(0, 2).map((x) => x.id),
      groupIds: [group.id],
    });
    expect(assign.json().succeeded).toBe(2);
    expect((await t.admin.get(g(`/${group.id}`))).json().memberCount).toBe(2);
    const missing = await t.admin.post(u('/bulk'), { action: 'assignGroups', ids: [users[0]!.id] });
    expect(missing.statusCode).toBe(400);
    const revoke = await t.admin.post(u('/bulk'), { action: 'revokeAccess', ids: [users[0]!.id] });
    expect(revoke.json().results[0]).toMatchObject({ ok: true, changed: false });
  });
});

describe('provider roles reach all or listed customer tenants', () => {
  it('a provider custom role with selected customers reaches exactly those; a customer role cannot reach any', async () => {
    const c1 = (await t.admin.post('/api/v1/tenants', { name: 'Reach One', slug: 'reach-one' })).json().id;
    const c2 = (await t.admin.post('/api/v1/tenants', { name: 'Reach Two', slug: 'reach-two' })).json().id;
    const role = await t.admin.post(`/api/v1/tenants/${t.providerId}/roles`, {
      name: 'Account Manager',
      permissions: ['tenants.read', 'users.read', 'users.scope.all'],
      customerAccess: 'selected',
      customerTenantIds: [c1],
    });
    expect(role.statusCode, role.body).toBe(201);
    const am = await apiCreateUser(t.admin, t.providerId, {
      email: 'am@msp.test',
      roleIds: [role.json().id],
    });
    const client = await signIn(t.app, 'msp', am.email!);
    expect((await client.get(`/api/v1/tenants/${c1}/users`)).statusCode).toBe(200);
    expect((await client.get(`/api/v1/tenants/${c2}/users`)).statusCode).toBe(404);
    const inCustomer = await t.admin.post(r(), { name: 'Reacher', permissions: [], customerAccess: 'all' });
    expect(inCustomer.json().code).toBe('role.customer_access_in_customer');
    const foreign = await t.admin.post(`/api/v1/tenants/${t.providerId}/roles`, {
      name: 'Bad Reach',
      permissions: [],
      customerAccess: 'selected',
      customerTenantIds: [t.providerId],
    });
    expect(foreign.json().code).toBe('role.unknown_customer');
  });
});
