import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { apiCreateUser, roleId, signIn } from '../helpers/fixtures.ts';

/**
 * Rule 14 through the side doors: a duration transfer that disables sign-in, and a change of kind
 * that caps a user to the external permissions, are as final for a tenant as suspending its last
 * Super Admin.
 */
let t: TestApp;
let tenant: string;
const T = () => `/api/v1/tenants/${tenant}`;
let onlySuperAdmin: { id: string };
let tenantAdmin: { id: string; email: string | null };

beforeAll(async () => {
  t = await createTestApp();
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Guarded', slug: 'guarded' })).json().id;
  onlySuperAdmin = await apiCreateUser(t.admin, tenant, {
    email: 'only.sa@guarded.test',
    roleIds: [await roleId(t.admin, tenant, 'super_admin')],
  });
  tenantAdmin = await apiCreateUser(t.admin, tenant, {
    email: 'ta@guarded.test',
    roleIds: [await roleId(t.admin, tenant, 'tenant_admin')],
  });
});
afterAll(async () => {
  await t?.close();
});

const durationWithBlock = (recipientId: string) => ({
  kind: 'duration',
  recipientId,
  end: { date: '2099-12-31', hour: 23 },
  blockSignIn: true,
});

describe('rule 14: disabling sign-in by a duration transfer', () => {
  it('is refused for the last Super Admin who can sign in', async () => {
    const res = await t.admin.post(
      `${T()}/users/${onlySuperAdmin.id}/transfers`,
      durationWithBlock(tenantAdmin.id),
    );
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().code).toBe('tenant.last_super_admin');
    const sa = await signIn(t.app, 'guarded', 'only.sa@guarded.test');
    expect((await sa.get('/api/v1/me')).statusCode).toBe(200);
  });

  it('needs users.suspend, like a suspension, and nobody disables their own sign-in', async () => {
    const clerkRole = await t.admin.post(`${T()}/roles`, {
      name: 'Handover clerk',
      permissions: ['console.access', 'users.read', 'users.scope.all', 'ownership.transfer'],
    });
    expect(clerkRole.statusCode, clerkRole.body).toBe(201);
    await apiCreateUser(t.admin, tenant, { email: 'clerk@guarded.test', roleIds: [clerkRole.json().id] });
    const clerk = await signIn(t.app, 'guarded', 'clerk@guarded.test');
    const victim = await apiCreateUser(t.admin, tenant, { email: 'victim@guarded.test' });
    const denied = await clerk.post(`${T()}/users/${victim.id}/transfers`, durationWithBlock(tenantAdmin.id));
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('auth.forbidden');
    // without the block the same clerk may hand the work over
    const plain = await clerk.post(`${T()}/users/${victim.id}/transfers`, {
      ...durationWithBlock(tenantAdmin.id),
      blockSignIn: false,
    });
    expect(plain.statusCode, plain.body).toBe(201);

    const admin = await signIn(t.app, 'guarded', 'ta@guarded.test');
    const self = await admin.post(`${T()}/users/${tenantAdmin.id}/transfers`, durationWithBlock(victim.id));
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('user.self_action');
  });
});

describe('rule 14: an external user is no Super Admin', () => {
  it('making the last Super Admin external is refused, through the API and through an import', async () => {
    const patch = await t.admin.patch(`${T()}/users/${onlySuperAdmin.id}`, { kind: 'external' });
    expect(patch.statusCode).toBe(409);
    expect(patch.json().code).toBe('tenant.last_super_admin');

    const upload = await t.admin.request({
      method: 'POST',
      url: `${T()}/imports?fileName=kinds.csv`,
      payload: Buffer.from('first,last,email,type\nOnly,Super,only.sa@guarded.test,external\n'),
      headers: { 'content-type': 'text/csv' },
    });
    expect(upload.statusCode, upload.body).toBe(201);
    const id = upload.json().id;
    const run = await t.admin.post(`${T()}/imports/${id}/run`, {
      hasHeader: true,
      existing: 'update',
      matchBy: 'email',
      columns: [
        { index: 0, field: 'firstName' },
        { index: 1, field: 'lastName' },
        { index: 2, field: 'email' },
        { index: 3, field: 'kind' },
      ],
    });
    expect(run.statusCode, run.body).toBe(202);
    let status = '';
    for (let i = 0; i < 400 && !['completed', 'failed'].includes(status); i++) {
      status = (await t.admin.get(`${T()}/imports/${id}`)).json().status;
      await new Promise((r) => setTimeout(r, 50));
    }
    const rows = (await t.admin.get(`${T()}/imports/${id}/rows`)).json().items;
    expect(rows[0]).toMatchObject({ outcome: 'failed', code: 'tenant.last_super_admin' });
    expect((await t.admin.get(`${T()}/users/${onlySuperAdmin.id}`)).json().kind).toBe('internal');
  });
});

describe('rule 13 at a scheduled transfer’s hour', () => {
  it('the requester must still be able to grant the group roles the recipient would gain by then', async () => {
    const { runTransferStep } = await import('../../src/modules/ownership/ownership.jobs.ts');
    const giver = await apiCreateUser(t.admin, tenant, { email: 'giver@guarded.test' });
    const admin = await signIn(t.app, 'guarded', 'ta@guarded.test');
    // the Tenant Admin hands the giver's work to themselves tomorrow; nothing privileged yet
    const res = await admin.post(`${T()}/users/${giver.id}/transfers`, {
      kind: 'one_time',
      recipientId: tenantAdmin.id,
      at: { date: '2099-01-01', hour: 9 },
    });
    expect(res.statusCode, res.body).toBe(201);
    // meanwhile the giver joins a group whose role is Super Admin
    const superAdmins = await t.admin.post(`${T()}/groups`, {
      name: 'Break-glass admins',
      roleId: await roleId(t.admin, tenant, 'super_admin'),
    });
    expect(superAdmins.statusCode, superAdmins.body).toBe(201);
    await t.admin.post(`${T()}/groups/${superAdmins.json().id}/members`, { userIds: [giver.id] });

    t.clock.set(new Date('2099-01-01T10:00:00Z'));
    try {
      await runTransferStep(t.rollcall.platform, {
        tenantId: tenant,
        transferId: res.json().id,
        step: 'start',
      });
    } finally {
      t.clock.set(new Date());
    }
    const after = (await t.admin.get(`${T()}/transfers/${res.json().id}`)).json();
    expect(after.status).toBe('failed');
    expect(JSON.stringify(after)).toContain('role.ceiling');
    const groups = (await t.admin.get(`${T()}/users/${tenantAdmin.id}`))
      .json()
      .groups.map((g: { name: string }) => g.name);
    expect(groups).not.toContain('Break-glass admins');
  });
});
