import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { apiCreateUser, roleId, signIn } from '../helpers/fixtures.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let tenant: string;
const lic = (path = '') => `/api/v1/tenants/${tenant}/licenses${path}`;
const seat = (userId: string) => `/api/v1/tenants/${tenant}/users/${userId}/license`;
const people = async () =>
  (await t.admin.get(lic())).json().items.find((p: { type: string }) => p.type === 'people');

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await createTestApp({ env: { SMTP_URL: smtp.url } });
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Seats Co', slug: 'seats-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

describe('rule 16: licence pools', () => {
  it('the provider sets a customer’s quantity; the customer’s own admins cannot', async () => {
    expect(await people()).toMatchObject({ quantity: 0, used: 0, free: 0 });
    const set = await t.admin.put(lic(), { pools: [{ type: 'people', quantity: 3 }] });
    expect(set.statusCode, set.body).toBe(200);
    expect(await people()).toMatchObject({ quantity: 3, used: 0, free: 3 });
    const own = await apiCreateUser(t.admin, tenant, {
      email: 'boss@seats.test',
      roleIds: [await roleId(t.admin, tenant, 'super_admin')],
    });
    const client = await signIn(t.app, 'seats-co', own.email!);
    const raise = await client.put(lic(), { pools: [{ type: 'people', quantity: 1000 }] });
    expect(raise.statusCode).toBe(403);
    expect(raise.json().code).toBe('license.provider_only');
  });

  it('assigning takes a seat and is refused when none is free; unassigning frees it', async () => {
    await t.admin.put(lic(), { pools: [{ type: 'people', quantity: 2 }] });
    const [a, b, c] = [
      await apiCreateUser(t.admin, tenant),
      await apiCreateUser(t.admin, tenant),
      await apiCreateUser(t.admin, tenant),
    ];
    expect((await t.admin.post(seat(a.id), {})).json()).toEqual({ changed: true });
    expect((await t.admin.post(seat(a.id), {})).json()).toEqual({ changed: false });
    expect((await t.admin.post(seat(b.id), {})).statusCode).toBe(200);
    const none = await t.admin.post(seat(c.id), {});
    expect(none.statusCode).toBe(409);
    expect(none.json()).toMatchObject({
      code: 'license.none_free',
      details: { type: 'people', quantity: 2 },
    });
    expect(await people()).toMatchObject({ used: 2, free: 0 });
    expect((await t.admin.delete(seat(a.id))).json().released).toEqual(['people']);
    expect((await t.admin.post(seat(c.id), {})).statusCode).toBe(200);
    const lower = await t.admin.put(lic(), { pools: [{ type: 'people', quantity: 1 }] });
    expect(lower.json()).toMatchObject({ code: 'license.below_usage', details: { used: 2 } });
    for (const u of [b, c]) await t.admin.delete(seat(u.id));
  });

  it('archiving and removal free the seat; suspension keeps it', async () => {
    await t.admin.put(lic(), { pools: [{ type: 'people', quantity: 10 }] });
    const before = (await people()).used;
    const [s, a, r] = [
      await apiCreateUser(t.admin, tenant),
      await apiCreateUser(t.admin, tenant),
      await apiCreateUser(t.admin, tenant),
    ];
    for (const u of [s, a, r]) await t.admin.post(seat(u.id), {});
    expect((await people()).used).toBe(before + 3);
    await t.admin.post(`/api/v1/tenants/${tenant}/users/${s.id}/suspend`);
    expect((await people()).used).toBe(before + 3);
    await t.admin.post(`/api/v1/tenants/${tenant}/users/${a.id}/archive`);
    expect((await people()).used).toBe(before + 2);
    await t.admin.post(`/api/v1/tenants/${tenant}/users/${r.id}/remove`, {});
    expect((await people()).used).toBe(before + 1);
    const archived = await t.admin.post(seat(a.id), {});
    expect(archived.json().code).toBe('license.user_not_live');
  });

  it('seats are counted exactly under concurrency: 50 parallel assigns for 10 free seats → exactly 10', async () => {
    const other = (await t.admin.post('/api/v1/tenants', { name: 'Rush Co', slug: 'rush-co' })).json().id;
    await t.admin.put(`/api/v1/tenants/${other}/licenses`, { pools: [{ type: 'people', quantity: 10 }] });
    const users = [];
    for (let i = 0; i < 50; i++) users.push(await apiCreateUser(t.admin, other));
    const results = await Promise.all(
      users.map((u) => t.admin.post(`/api/v1/tenants/${other}/users/${u.id}/license`, {})),
    );
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(10);
    expect(
      results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'license.none_free'),
    ).toBe(true);
    const rows = await t.ownerQuery(
      'select count(*)::int as n from license_assignments where tenant_id = $1',
      [other],
    );
    expect(rows.rows[0].n).toBe(10);
  });

  it('crossing 90% emails the tenant’s admins once per crossing', async () => {
    const alert = (await t.admin.post('/api/v1/tenants', { name: 'Alert Co', slug: 'alert-co' })).json().id;
    await t.admin.put(`/api/v1/tenants/${alert}/licenses`, { pools: [{ type: 'people', quantity: 10 }] });
    const admin = await apiCreateUser(t.admin, alert, {
      email: 'it@alert.test',
      roleIds: [await roleId(t.admin, alert, 'tenant_admin')],
    });
    const users = [admin];
    for (let i = 0; i < 9; i++) users.push(await apiCreateUser(t.admin, alert));
    for (const u of users.slice(0, 8))
      await t.admin.post(`/api/v1/tenants/${alert}/users/${u.id}/license`, {});
    const alerts = () =>
      smtp.messages.filter((m) => m.to.includes('it@alert.test') && /licences in use/.test(m.subject));
    await new Promise((r) => setTimeout(r, 1000));
    expect(alerts()).toHaveLength(0);
    await t.admin.post(`/api/v1/tenants/${alert}/users/${users[8]!.id}/license`, {});
    await smtp.waitFor(
      (m) => m.to.includes('it@alert.test') && /90% of people licences in use/.test(m.subject),
    );
    await t.admin.post(`/api/v1/tenants/${alert}/users/${users[9]!.id}/license`, {});
    await new Promise((r) => setTimeout(r, 1000));
    expect(alerts()).toHaveLength(1);
    // below 90% again, then across once more: a second alert
    await t.admin.delete(`/api/v1/tenants/${alert}/users/${users[9]!.id}/license`);
    await t.admin.delete(`/api/v1/tenants/${alert}/users/${users[8]!.id}/license`);
    await t.admin.post(`/api/v1/tenants/${alert}/users/${users[8]!.id}/license`, {});
    await smtp.waitFor(() => alerts().length === 2);
  });

  it('rule 7: a default group member must be licensed; unassigning clears the slot', async () => {
    await t.admin.put(lic(), { pools: [{ type: 'people', quantity: 50 }] });
    const member = await apiCreateUser(t.admin, tenant);
    const group = (await t.admin.post(`/api/v1/tenants/${tenant}/groups`, { name: 'Routing' })).json();
    await t.admin.post(`/api/v1/tenants/${tenant}/groups/${group.id}/members`, { userIds: [member.id] });
    expect(
      (
        await t.admin.patch(`/api/v1/tenants/${tenant}/groups/${group.id}`, { defaultMemberId: member.id })
      ).json().code,
    ).toBe('group.default_member_unlicensed');
    await t.admin.post(seat(member.id), {});
    expect(
      (await t.admin.patch(`/api/v1/tenants/${tenant}/groups/${group.id}`, { defaultMemberId: member.id }))
        .statusCode,
    ).toBe(200);
    const freed = (await t.admin.delete(seat(member.id))).json();
    expect(freed.clearedDefaultMemberOf).toEqual([{ id: group.id, name: 'Routing' }]);
    expect(
      (await t.admin.get(`/api/v1/tenants/${tenant}/groups/${group.id}`)).json().defaultMember,
    ).toBeNull();
  });
});
