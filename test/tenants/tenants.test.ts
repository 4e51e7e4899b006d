import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import { createProviderFixture, createUserFixture, FIXTURE_PASSWORD } from '../helpers/fixtures.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('tenants', () => {
  it('a provider creates a customer, which gets its predefined roles and an undeletable Default group', async () => {
    const res = await t.admin.post('/api/v1/tenants', {
      name: 'Acme Dental',
      slug: 'acme-dental',
      settings: { timeZone: 'Europe/Berlin' },
    });
    expect(res.statusCode).toBe(201);
    const tenant = res.json();
    expect(tenant).toMatchObject({
      kind: 'customer',
      parentId: t.providerId,
      slug: 'acme-dental',
      status: 'active',
      settings: { timeZone: 'Europe/Berlin' },
    });
    const roles = await t.ownerQuery('select key from roles where tenant_id = $1 order by key', [tenant.id]);
    expect(roles.rows.map((r) => r.key)).toEqual([
      'external_user',
      'help_desk',
      'super_admin',
      'technician',
      'tenant_admin',
      'user',
    ]);
    const groups = await t.ownerQuery('select name, is_default from groups where tenant_id = $1', [
      tenant.id,
    ]);
    expect(groups.rows).toEqual([{ name: 'Default', is_default: true }]);
    const providerRoles = await t.ownerQuery('select key from roles where tenant_id = $1', [t.providerId]);
    expect(providerRoles.rows.map((r) => r.key)).toContain('msp_admin');
  });

  it('lists the provider and its customers, searchable and paged with a cursor', async () => {
    for (const n of ['Beta Bakery', 'Gamma Gyms', 'Delta Dairy']) {
      await t.admin.post('/api/v1/tenants', { name: n, slug: n.toLowerCase().replace(' ', '-') });
    }
    const all = await t.admin.get('/api/v1/tenants?limit=200');
    const names = all.json().items.map((x: { name: string }) => x.name);
    expect(names).toEqual(
      expect.arrayContaining(['Managed Service Provider', 'Beta Bakery', 'Gamma Gyms', 'Delta Dairy']),
    );
    const searched = await t.admin.get('/api/v1/tenants?q=dairy');
    expect(searched.json().items.map((x: { name: string }) => x.name)).toEqual(['Delta Dairy']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await t.admin.get(`/api/v1/tenants?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.json().items.length).toBeLessThanOrEqual(2);
      seen.push(...page.json().items.map((x: { id: string }) => x.id));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.json().items.map((x: { id: string }) => x.id));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('refuses a taken slug, whatever its case, with tenant.slug_taken', async () => {
    await t.admin.post('/api/v1/tenants', { name: 'Once', slug: 'once' });
    const res = await t.admin.post('/api/v1/tenants', { name: 'Twice', slug: 'once' });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('tenant.slug_taken');
    const msp = await t.admin.post('/api/v1/tenants', { name: 'Clash', slug: 'msp' });
    expect(msp.json().code).toBe('tenant.slug_taken');
  });

  it('validates settings: unknown keys, bad time zones and bad values are refused whole', async () => {
    const unknownKey = await t.admin.post('/api/v1/tenants', {
      name: 'X',
      slug: 'x-co',
      settings: { colour: 'red' },
    });
    expect(unknownKey.statusCode).toBe(400);
    expect(unknownKey.json().code).toBe('request.invalid');
    const tz = await t.admin.post('/api/v1/tenants', {
      name: 'X',
      slug: 'x-co',
      settings: { timeZone: 'Mars/Olympus' },
    });
    expect(tz.statusCode).toBe(400);
    expect(tz.json().code).toBe('tenant.invalid_settings');
    const idle = await t.admin.post('/api/v1/tenants', {
      name: 'X',
      slug: 'x-co',
      settings: { session: { idleMinutes: 1 } },
    });
    expect(idle.statusCode).toBe(400);
    const none = await t.ownerQuery(`select 1 from tenants where slug = 'x-co'`);
    expect(none.rowCount).toBe(0);
  });

  it('renames a customer and changes its settings, audited with before and after', async () => {
    const c = (await t.admin.post('/api/v1/tenants', { name: 'Old Name', slug: 'old-name' })).json();
    const res = await t.admin.patch(`/api/v1/tenants/${c.id}`, {
      name: 'New Name',
      settings: { locale: 'de-DE' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'New Name', settings: { locale: 'de-DE' } });
    const events = (await t.admin.get(`/api/v1/tenants/${c.id}/audit?action=tenant.updated`)).json().items;
    expect(events[0]).toMatchObject({
      before: { name: 'Old Name' },
      after: { name: 'New Name', settings: { locale: 'de-DE' } },
    });
  });

  it('a suspended customer’s users cannot sign in; the provider reactivates it', async () => {
    const c = (await t.admin.post('/api/v1/tenants', { name: 'Paused', slug: 'paused' })).json();
    const u = await createUserFixture(t, c.id, { email: 'it@paused.test', roleKey: 'super_admin' });
    const client = new TestClient(t.app);
    await client.login('paused', u.email!, FIXTURE_PASSWORD);
    // the customer's own admin cannot suspend or unsuspend its tenant
    const self = await client.patch(`/api/v1/tenants/${c.id}`, { status: 'suspended' });
    expect(self.json().code).toBe('tenant.status_change_forbidden');
    expect((await t.admin.patch(`/api/v1/tenants/${c.id}`, { status: 'suspended' })).statusCode).toBe(200);
    expect((await client.get('/api/v1/me')).statusCode).toBe(401);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: 'paused', login: u.email, password: FIXTURE_PASSWORD },
    });
    expect(again.statusCode).toBe(401);
    expect((await t.admin.patch(`/api/v1/tenants/${c.id}`, { status: 'active' })).statusCode).toBe(200);
    await client.login('paused', u.email!, FIXTURE_PASSWORD);
  });
});

describe('tenant access', () => {
  it('a customer’s admin sees only its own tenant and cannot create tenants', async () => {
    const c = (await t.admin.post('/api/v1/tenants', { name: 'Solo', slug: 'solo' })).json();
    const u = await createUserFixture(t, c.id, { email: 'admin@solo.test', roleKey: 'super_admin' });
    const client = new TestClient(t.app);
    await client.login('solo', u.email!, FIXTURE_PASSWORD);
    const list = (await client.get('/api/v1/tenants')).json();
    expect(list.items.map((x: { id: string }) => x.id)).toEqual([c.id]);
    const create = await client.post('/api/v1/tenants', { name: 'Sub', slug: 'sub-tenant' });
    expect(create.statusCode).toBe(403);
    expect(create.json().code).toBe('tenant.not_provider');
    const provider = await client.get(`/api/v1/tenants/${t.providerId}`);
    expect(provider.statusCode).toBe(404);
    expect(provider.json().code).toBe('tenant.not_found');
  });

  it('provider staff whose role reaches no customers cannot act in them', async () => {
    const c = (await t.admin.post('/api/v1/tenants', { name: 'Hidden', slug: 'hidden' })).json();
    const hd = await createUserFixture(t, t.providerId, { email: 'helpdesk@msp.test', roleKey: 'help_desk' });
    const client = new TestClient(t.app);
    await client.login('msp', hd.email!, FIXTURE_PASSWORD);
    expect((await client.get(`/api/v1/tenants/${c.id}`)).statusCode).toBe(404);
    const ids = (await client.get('/api/v1/tenants?limit=200')).json().items.map((x: { id: string }) => x.id);
    expect(ids).toEqual([t.providerId]);
    // a help desk user may read tenants but not create them
    const create = await client.post('/api/v1/tenants', { name: 'Nope', slug: 'nope' });
    expect(create.statusCode).toBe(403);
    expect(create.json()).toMatchObject({
      code: 'auth.forbidden',
      details: { permission: 'tenants.manage' },
    });
  });

  it('a role that lists chosen customers reaches exactly those', async () => {
    const a = (await t.admin.post('/api/v1/tenants', { name: 'Chosen', slug: 'chosen' })).json();
    const b = (await t.admin.post('/api/v1/tenants', { name: 'Not Chosen', slug: 'not-chosen' })).json();
    const tech = await createUserFixture(t, t.providerId, { email: 'tech@msp.test', roleKey: 'help_desk' });
    await t.ownerQuery(
      `update roles set customer_access = 'selected', customer_tenant_ids = array[$2::uuid] where tenant_id = $1 and key = 'help_desk'`,
      [t.providerId, a.id],
    );
    const client = new TestClient(t.app);
    await client.login('msp', tech.email!, FIXTURE_PASSWORD);
    expect((await client.get(`/api/v1/tenants/${a.id}`)).statusCode).toBe(200);
    expect((await client.get(`/api/v1/tenants/${b.id}`)).statusCode).toBe(404);
    await t.ownerQuery(
      `update roles set customer_access = 'none', customer_tenant_ids = '{}' where tenant_id = $1 and key = 'help_desk'`,
      [t.providerId],
    );
  });

  it('a provider can never read or change another provider’s customers through the API', async () => {
    const other = await createProviderFixture(t, 'other-msp');
    const otherAdmin = new TestClient(t.app);
    await otherAdmin.login('other-msp', other.admin.email!, FIXTURE_PASSWORD);
    const theirCustomer = (
      await otherAdmin.post('/api/v1/tenants', { name: 'Their Customer', slug: 'their-customer' })
    ).json();
    expect(theirCustomer.parentId).toBe(other.id);

    for (const url of [
      `/api/v1/tenants/${theirCustomer.id}`,
      `/api/v1/tenants/${theirCustomer.id}/audit`,
      `/api/v1/tenants/${other.id}`,
    ]) {
      const res = await t.admin.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe('tenant.not_found');
    }
    const patch = await t.admin.patch(`/api/v1/tenants/${theirCustomer.id}`, { name: 'Hijacked' });
    expect(patch.statusCode).toBe(404);
    const listed = (await t.admin.get('/api/v1/tenants?limit=200'))
      .json()
      .items.map((x: { id: string }) => x.id);
    expect(listed).not.toContain(theirCustomer.id);
    expect(listed).not.toContain(other.id);
    const name = await t.ownerQuery('select name from tenants where id = $1', [theirCustomer.id]);
    expect(name.rows[0].name).toBe('Their Customer');
  });
});
