import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, parseCreateAdminArgs } from '../../src/cli/create-admin.ts';
import { createTestApp, PROVIDER_SLUG, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser } from '../helpers/fixtures.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('npm run create-admin (recovery when the first admin’s password is lost)', () => {
  it('creates a new Super Admin who can sign in, audited in the tenant’s chain', async () => {
    const { password, created } = await createAdmin(
      t.databaseUrl,
      parseCreateAdminArgs(['--email', 'rescue@msp.test'], PROVIDER_SLUG),
    );
    expect(created).toBe(true);
    const client = new TestClient(t.app);
    await client.login(PROVIDER_SLUG, 'rescue@msp.test', password);
    expect((await client.get('/api/v1/me')).json().permissions).toContain('settings.manage');
    const events = (await t.admin.get(`/api/v1/tenants/${t.providerId}/audit?action=user.created`)).json()
      .items;
    expect(events[0]).toMatchObject({ actor: { type: 'system', label: 'Rollcall CLI' } });
    expect((await t.admin.get(`/api/v1/tenants/${t.providerId}/audit/verify`)).json().ok).toBe(true);
  });

  it('recovers an existing suspended user: active again, Super Admin, new password, old sessions ended', async () => {
    const user = await apiCreateUser(t.admin, t.providerId, { email: 'lost@msp.test' });
    await t.admin.post(`/api/v1/tenants/${t.providerId}/users/${user.id}/suspend`);
    const { password, created } = await createAdmin(
      t.databaseUrl,
      parseCreateAdminArgs(['--email', 'LOST@msp.test'], PROVIDER_SLUG),
    );
    expect(created).toBe(false);
    const client = new TestClient(t.app);
    await client.login(PROVIDER_SLUG, 'lost@msp.test', password);
    const roles = (await t.admin.get(`/api/v1/tenants/${t.providerId}/users/${user.id}/roles`)).json()
      .directRoles;
    expect(roles.map((r: { key: string }) => r.key)).toContain('super_admin');
  });

  it('refuses a bad email, an unknown tenant and an archived user', async () => {
    expect(() => parseCreateAdminArgs(['--email', 'nope'], PROVIDER_SLUG)).toThrow(/Usage/);
    await expect(
      createAdmin(
        t.databaseUrl,
        parseCreateAdminArgs(['--email', 'a@b.test', '--tenant', 'nowhere'], PROVIDER_SLUG),
      ),
    ).rejects.toThrow(/No tenant/);
    const user = await apiCreateUser(t.admin, t.providerId, { email: 'gone@msp.test' });
    await t.admin.post(`/api/v1/tenants/${t.providerId}/users/${user.id}/archive`);
    await expect(
      createAdmin(t.databaseUrl, parseCreateAdminArgs(['--email', 'gone@msp.test'], PROVIDER_SLUG)),
    ).rejects.toThrow(/archived/);
  });
});
