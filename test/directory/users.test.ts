import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser, roleId, signIn, USER_PASSWORD } from '../helpers/fixtures.ts';

let t: TestApp;
let tenant: string;
const url = (path = '') => `/api/v1/tenants/${tenant}/users${path}`;

beforeAll(async () => {
  t = await createTestApp();
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Users Co', slug: 'users-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
});

describe('rule 1: a user has first and last name and at least one of email or username, unique per tenant case-insensitively', () => {
  it('creates a user with every profile field', async () => {
    const res = await t.admin.post(url(), {
      firstName: 'Marta',
      lastName: 'Schmidt',
      email: 'marta@users.test',
      username: 'mschmidt',
      phoneNumbers: [{ type: 'mobile', number: '+49 170 1234567' }],
      jobTitle: 'Controller',
      department: 'Finance',
      employeeId: 'E-1001',
      hireDate: '2021-04-01',
      leaveDate: '2027-03-31',
      locale: 'de-DE',
      timeZone: 'Europe/Berlin',
      notificationPreferences: { email: true, digest: 'weekly' },
      customAttributes: { costCenter: 'CC-42', remote: true },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      firstName: 'Marta',
      lastName: 'Schmidt',
      status: 'active',
      kind: 'internal',
      initials: 'MS',
      timeZone: 'Europe/Berlin',
      leaveDate: '2027-03-31',
      customAttributes: { costCenter: 'CC-42', remote: true },
      roles: [expect.objectContaining({ key: 'user' })],
      groups: [expect.objectContaining({ name: 'Default', isDefault: true })],
    });
  });

  it('requires first and last name', async () => {
    for (const body of [
      { lastName: 'X', email: 'a@x.test' },
      { firstName: 'X', email: 'b@x.test' },
      { firstName: ' ', lastName: 'Y', email: 'c@x.test' },
    ]) {
      const res = await t.admin.post(url(), body);
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('request.invalid');
    }
  });

  it('requires at least one of email or username, and accepts either alone', async () => {
    const none = await t.admin.post(url(), { firstName: 'No', lastName: 'Login' });
    expect(none.json().code).toBe('user.email_or_username_required');
    expect(
      (await t.admin.post(url(), { firstName: 'Only', lastName: 'Username', username: 'only.username' }))
        .statusCode,
    ).toBe(201);
    const onlyEmail = await apiCreateUser(t.admin, tenant, { email: 'only@email.test' });
    const clear = await t.admin.patch(url(`/${onlyEmail.id}`), { email: null });
    expect(clear.json().code).toBe('user.email_or_username_required');
  });

  it('keeps email and username unique within the tenant, case-insensitively', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'Case@Users.test', username: 'CaseUser' });
    const email = await t.admin.post(url(), { firstName: 'A', lastName: 'B', email: 'case@USERS.test' });
    expect(email.statusCode).toBe(409);
    expect(email.json().code).toBe('user.email_taken');
    const username = await t.admin.post(url(), { firstName: 'A', lastName: 'B', username: 'caseuser' });
    expect(username.json().code).toBe('user.username_taken');
    // another tenant may use the same address
    const other = (await t.admin.post('/api/v1/tenants', { name: 'Other Users', slug: 'other-users' })).json()
      .id;
    expect(
      (
        await t.admin.post(`/api/v1/tenants/${other}/users`, {
          firstName: 'A',
          lastName: 'B',
          email: 'case@users.test',
        })
      ).statusCode,
    ).toBe(201);
  });

  it('refuses bad emails, time zones, dates and over-long values without a partial change', async () => {
    const u = await apiCreateUser(t.admin, tenant);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ email: 'not-an-email' }, 'request.invalid'],
      [{ timeZone: 'Mars/Base' }, 'user.invalid_time_zone'],
      [{ hireDate: '2024-13-40' }, 'request.invalid'],
      [{ hireDate: '2025-01-01', leaveDate: '2024-01-01' }, 'user.invalid_dates'],
      [{ jobTitle: 'x'.repeat(201) }, 'request.invalid'],
      [{ firstName: 'Ok', customAttributes: { 'bad key': 1 } }, 'request.invalid'],
      [{ phoneNumbers: [{ type: 'pager', number: '123' }] }, 'request.invalid'],
    ];
    for (const [body, code] of cases) {
      const res = await t.admin.patch(url(`/${u.id}`), body);
      expect(res.statusCode, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json().code, JSON.stringify(body)).toBe(code);
    }
    expect((await t.admin.get(url(`/${u.id}`))).json().firstName).toBe('Test');
  });

  it('audits profile changes with only the changed fields before and after', async () => {
    const u = await apiCreateUser(t.admin, tenant);
    await t.admin.patch(url(`/${u.id}`), { jobTitle: 'Engineer', department: 'R&D' });
    const [event] = (
      await t.admin.get(`/api/v1/tenants/${tenant}/audit?action=user.updated&targetId=${u.id}`)
    ).json().items;
    expect(event.before).toEqual({ jobTitle: null, department: null });
    expect(event.after).toEqual({ jobTitle: 'Engineer', department: 'R&D' });
  });

  it('unknown ids and ids of another tenant are 404', async () => {
    const other = (await t.admin.post('/api/v1/tenants', { name: 'Elsewhere', slug: 'elsewhere' })).json().id;
    const foreign = await apiCreateUser(t.admin, other);
    for (const id of ['01900000-0000-7000-8000-000000000000', foreign.id]) {
      const res = await t.admin.get(url(`/${id}`));
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('user.not_found');
      expect((await t.admin.post(url(`/${id}/suspend`))).statusCode).toBe(404);
    }
  });
});

describe('rule 2: without an uploaded avatar, the avatar is the initials of first and last name', () => {
  it('serves "MS" for Marta Schmidt, then the uploaded image, then the initials again', async () => {
    const u = await apiCreateUser(t.admin, tenant, { firstName: 'marta', lastName: 'schmidt' });
    const initials = await t.admin.get(url(`/${u.id}/avatar`));
    expect(initials.headers['content-type']).toContain('image/svg+xml');
    expect(initials.body).toContain('>MS</text>');
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(64, 1),
    ]);
    const up = await t.admin.request({
      method: 'PUT',
      url: url(`/${u.id}/avatar`),
      payload: png,
      headers: { 'content-type': 'image/png' },
    });
    expect(up.statusCode, up.body).toBe(204);
    const img = await t.admin.get(url(`/${u.id}/avatar`));
    expect(img.headers['content-type']).toBe('image/png');
    expect(img.rawPayload.equals(png)).toBe(true);
    expect((await t.admin.get(url(`/${u.id}`))).json().hasAvatar).toBe(true);
    expect((await t.admin.delete(url(`/${u.id}/avatar`))).statusCode).toBe(204);
    expect((await t.admin.get(url(`/${u.id}/avatar`))).body).toContain('>MS</text>');
  });

  it('checks the image by its content, not its declared type, and caps it at 1 MB', async () => {
    const u = await apiCreateUser(t.admin, tenant);
    const fake = await t.admin.request({
      method: 'PUT',
      url: url(`/${u.id}/avatar`),
      payload: Buffer.from('<script>alert(1)</script>'),
      headers: { 'content-type': 'image/png' },
    });
    expect(fake.statusCode).toBe(400);
    expect(fake.json().code).toBe('user.avatar_invalid');
    const big = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(1_100_000)]);
    const tooBig = await t.admin.request({
      method: 'PUT',
      url: url(`/${u.id}/avatar`),
      payload: big,
      headers: { 'content-type': 'image/jpeg' },
    });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().code).toBe('user.avatar_too_large');
    const webp = Buffer.concat([
      Buffer.from('RIFF'),
      Buffer.alloc(4),
      Buffer.from('WEBPVP8 '),
      Buffer.alloc(20),
    ]);
    expect(
      (
        await t.admin.request({
          method: 'PUT',
          url: url(`/${u.id}/avatar`),
          payload: webp,
          headers: { 'content-type': 'application/octet-stream' },
        })
      ).statusCode,
    ).toBe(204);
    expect((await t.admin.get(url(`/${u.id}/avatar`))).headers['content-type']).toBe('image/webp');
  });
});

describe('rule 3: statuses and their transitions', () => {
  it('suspended: cannot sign in, sessions and tokens end at once, can be reactivated', async () => {
    const u = await apiCreateUser(t.admin, tenant, { email: 'suspend.me@users.test' });
    const client = await signIn(t.app, 'users-co', 'suspend.me@users.test');
    await signIn(t.app, 'users-co', 'suspend.me@users.test');
    const { token } = (await client.post('/api/v1/me/tokens', { name: 'script' })).json();
    const res = await t.admin.post(url(`/${u.id}/suspend`));
    // the answer says what the suspension ended, so the console can tell the administrator
    expect(res.json()).toMatchObject({ status: 'suspended', endedSessions: 2 });
    expect((await t.admin.post(url(`/${u.id}/suspend`))).json().endedSessions).toBe(0);
    expect((await client.get('/api/v1/me')).statusCode).toBe(401);
    expect((await TestClient.withToken(t.app, token).get('/api/v1/me')).statusCode).toBe(401);
    await expect(signIn(t.app, 'users-co', 'suspend.me@users.test')).rejects.toThrow(/401/);
    expect((await t.admin.post(url(`/${u.id}/reactivate`))).json()).toMatchObject({
      status: 'active',
      endedSessions: 0,
    });
    await signIn(t.app, 'users-co', 'suspend.me@users.test');
  });

  it('repeating a transition that already holds succeeds and changes nothing', async () => {
    const u = await apiCreateUser(t.admin, tenant);
    const count = async () =>
      (await t.admin.get(`/api/v1/tenants/${tenant}/audit?targetId=${u.id}&limit=200`)).json().items.length;
    const before = await count();
    expect((await t.admin.post(url(`/${u.id}/reactivate`))).statusCode).toBe(200);
    expect(await count()).toBe(before);
    await t.admin.post(url(`/${u.id}/suspend`));
    const afterOne = await count();
    expect((await t.admin.post(url(`/${u.id}/suspend`))).json().status).toBe('suspended');
    expect(await count()).toBe(afterOne);
  });

  it('archived: can never be reactivated, nor suspended', async () => {
    const u = await apiCreateUser(t.admin, tenant);
    expect((await t.admin.post(url(`/${u.id}/archive`))).json().status).toBe('archived');
    const again = await t.admin.post(url(`/${u.id}/reactivate`));
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'user.archived_is_final' });
    const suspend = await t.admin.post(url(`/${u.id}/suspend`));
    expect(suspend.json()).toMatchObject({
      code: 'user.transition_not_allowed',
      details: { from: 'archived', action: 'suspend' },
    });
    expect((await t.admin.post(url(`/${u.id}/archive`))).statusCode).toBe(200);
  });

  it('removed: a tombstone that stays for the audit log; nothing more can be done', async () => {
    const u = await apiCreateUser(t.admin, tenant, { email: 'tomb@users.test' });
    const removed = await t.admin.post(url(`/${u.id}/remove`), {});
    expect(removed.statusCode, removed.body).toBe(200);
    expect((await t.admin.get(url(`/${u.id}`))).statusCode).toBe(404);
    const row = await t.ownerQuery('select status, removed_at from users where id = $1', [u.id]);
    expect(row.rows[0].status).toBe('removed');
    expect((await t.admin.post(url(`/${u.id}/reactivate`))).statusCode).toBe(404);
    // the address is free again
    expect(
      (await t.admin.post(url(), { firstName: 'New', lastName: 'Tomb', email: 'tomb@users.test' }))
        .statusCode,
    ).toBe(201);
    const events = (
      await t.admin.get(`/api/v1/tenants/${tenant}/audit?targetId=${u.id}&action=user.removed`)
    ).json().items;
    expect(events).toHaveLength(1);
  });

  it('a pending user cannot be suspended', async () => {
    const u = await apiCreateUser(t.admin, tenant);
    await t.ownerQuery(`update users set status = 'pending' where id = $1`, [u.id]);
    const res = await t.admin.post(url(`/${u.id}/suspend`));
    expect(res.json()).toMatchObject({ code: 'user.transition_not_allowed', details: { from: 'pending' } });
  });
});

describe('rule 4: several managers; the reverse is the managed users; no cycles', () => {
  it('sets several managers and lists managed users', async () => {
    const [boss1, boss2, worker] = [
      await apiCreateUser(t.admin, tenant),
      await apiCreateUser(t.admin, tenant),
      await apiCreateUser(t.admin, tenant),
    ];
    const res = await t.admin.put(url(`/${worker.id}/managers`), { managerIds: [boss1.id, boss2.id] });
    expect(
      res
        .json()
        .managers.map((m: { id: string }) => m.id)
        .sort(),
    ).toEqual([boss1.id, boss2.id].sort());
    const managed = (await t.admin.get(url(`/${boss1.id}/managed-users`))).json().items;
    expect(managed.map((m: { id: string }) => m.id)).toEqual([worker.id]);
    expect((await t.admin.get(url(`/${boss2.id}`))).json().managedUsersCount).toBe(1);
  });

  it('refuses a user as their own manager, and any cycle through a chain', async () => {
    const [a, b, c] = [
      await apiCreateUser(t.admin, tenant),
      await apiCreateUser(t.admin, tenant),
      await apiCreateUser(t.admin, tenant),
    ];
    expect((await t.admin.put(url(`/${a.id}/managers`), { managerIds: [a.id] })).json().code).toBe(
      'user.self_manager',
    );
    await t.admin.put(url(`/${b.id}/managers`), { managerIds: [a.id] });
    await t.admin.put(url(`/${c.id}/managers`), { managerIds: [b.id] });
    const cycle = await t.admin.put(url(`/${a.id}/managers`), { managerIds: [c.id] });
    expect(cycle.statusCode).toBe(409);
    expect(cycle.json().code).toBe('user.manager_cycle');
    expect((await t.admin.get(url(`/${a.id}`))).json().managers).toEqual([]);
  });

  it('refuses concurrent edits that together would close a cycle', async () => {
    const [a, b] = [await apiCreateUser(t.admin, tenant), await apiCreateUser(t.admin, tenant)];
    const results = await Promise.all([
      t.admin.put(url(`/${a.id}/managers`), { managerIds: [b.id] }),
      t.admin.put(url(`/${b.id}/managers`), { managerIds: [a.id] }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
  });
});

describe('rule 4a: attributes a directory masters are read-only except through it', () => {
  it('refuses changes to mastered attributes and shows IdP groups apart', async () => {
    const u = await apiCreateUser(t.admin, tenant, { firstName: 'Synced', lastName: 'User' });
    await t.ownerQuery(
      `update users set source = 'scim', source_attributes = '{firstName,lastName,email,jobTitle}', idp_groups = '[{"id":"g1","name":"Entra Sales"}]' where id = $1`,
      [u.id],
    );
    const res = await t.admin.patch(url(`/${u.id}`), { jobTitle: 'Changed', locale: 'fr-FR' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'user.attribute_mastered_by_source',
      details: { fields: ['jobTitle'], source: 'scim' },
    });
    expect((await t.admin.patch(url(`/${u.id}`), { locale: 'fr-FR' })).statusCode).toBe(200);
    const user = (await t.admin.get(url(`/${u.id}`))).json();
    expect(user).toMatchObject({
      source: 'scim',
      idpGroups: [{ name: 'Entra Sales' }],
      locale: 'fr-FR',
      jobTitle: null,
    });
    expect(user.groups.map((g: { name: string }) => g.name)).toEqual(['Default']);
  });
});

describe('rule 5: search, sort, cursor paging and status tabs', () => {
  let searchTenant: string;
  const su = (path = '') => `/api/v1/tenants/${searchTenant}/users${path}`;
  beforeAll(async () => {
    searchTenant = (await t.admin.post('/api/v1/tenants', { name: 'Search Co', slug: 'search-co' })).json()
      .id;
    const people = [
      ['Anna', 'Zimmer', 'anna@search.test', null],
      ['Bruno', 'Yates', 'bruno@search.test', 'byates'],
      ['Carla', 'Xavier', null, 'carla.x'],
      ['Dieter', 'Weber', 'dieter@search.test', null],
      ['Eva', 'Vogel', 'eva@search.test', null],
    ];
    for (const [firstName, lastName, email, username] of people) {
      await t.admin.post(su(), { firstName, lastName, email, username });
    }
    const hd = await roleId(t.admin, searchTenant, 'help_desk');
    const ids = (await t.admin.get(su('?limit=200'))).json().items;
    const eva = ids.find((u: { firstName: string }) => u.firstName === 'Eva');
    await t.admin.put(su(`/${eva.id}/roles`), { roleIds: [hd] });
    const dieter = ids.find((u: { firstName: string }) => u.firstName === 'Dieter');
    await t.admin.post(su(`/${dieter.id}/suspend`));
  });

  const names = (res: { json(): { items: Array<{ firstName: string }> } }) =>
    res.json().items.map((u) => u.firstName);

  it('matches first name, last name, email, username and role name', async () => {
    expect(names(await t.admin.get(su('?q=ann')))).toEqual(['Anna']);
    expect(names(await t.admin.get(su('?q=yat')))).toEqual(['Bruno']);
    expect(names(await t.admin.get(su('?q=bruno@search')))).toEqual(['Bruno']);
    expect(names(await t.admin.get(su('?q=carla.x')))).toEqual(['Carla']);
    expect(names(await t.admin.get(su('?q=help desk')))).toEqual(['Eva']);
    expect(names(await t.admin.get(su('?q=100%25')))).toEqual([]);
  });

  it('sorts by any column in both directions', async () => {
    expect(names(await t.admin.get(su('?status=all&sort=lastName:asc')))).toEqual([
      'Eva',
      'Dieter',
      'Carla',
      'Bruno',
      'Anna',
    ]);
    expect(names(await t.admin.get(su('?status=all&sort=firstName:desc')))).toEqual([
      'Eva',
      'Dieter',
      'Carla',
      'Bruno',
      'Anna',
    ]);
    expect(names(await t.admin.get(su('?status=all&sort=firstName')))).toEqual([
      'Anna',
      'Bruno',
      'Carla',
      'Dieter',
      'Eva',
    ]);
    expect(names(await t.admin.get(su('?status=all&sort=status:desc'))).at(0)).toBe('Dieter');
    expect((await t.admin.get(su('?sort=password:asc'))).statusCode).toBe(400);
  });

  it('pages with a cursor without gaps or repeats, in every sort', async () => {
    for (const sort of ['lastName:asc', 'firstName:desc', 'email:asc', 'createdAt:desc', 'username:asc']) {
      const all = names(await t.admin.get(su(`?status=all&sort=${sort}&limit=200`)));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { json(): { items: Array<{ firstName: string }>; nextCursor: string | null } } =
          await t.admin.get(su(`?status=all&sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`));
        seen.push(...names(res));
        cursor = res.json().nextCursor;
      } while (cursor);
      expect(seen, sort).toEqual(all);
    }
  });

  it('has the tabs Active, Pending, Suspended, Archived, All with counts', async () => {
    const res = (await t.admin.get(su('?status=active'))).json();
    expect(res.counts).toEqual({ active: 4, pending: 0, suspended: 1, archived: 0, all: 5 });
    expect(res.total).toBe(4);
    expect(names(await t.admin.get(su('?status=suspended')))).toEqual(['Dieter']);
    const searched = (await t.admin.get(su('?q=dieter'))).json();
    expect(searched.counts).toMatchObject({ active: 0, suspended: 1, all: 1 });
  });
});

describe('data scopes', () => {
  it('a department-scoped caller sees and changes only their department', async () => {
    const roleRes = await t.admin.post(`/api/v1/tenants/${tenant}/roles`, {
      name: 'Department Lead',
      permissions: ['users.read', 'users.update', 'users.scope.department'],
    });
    const lead = await apiCreateUser(t.admin, tenant, {
      department: 'Sales',
      email: 'lead@users.test',
      roleIds: [roleRes.json().id],
    });
    const peer = await apiCreateUser(t.admin, tenant, { department: 'sales' });
    const outsider = await apiCreateUser(t.admin, tenant, { department: 'Finance' });
    const client = await signIn(t.app, 'users-co', 'lead@users.test');
    const listed = (await client.get(url('?limit=200'))).json().items.map((u: { id: string }) => u.id);
    expect(listed.sort()).toEqual([lead.id, peer.id].sort());
    expect((await client.patch(url(`/${peer.id}`), { jobTitle: 'AE' })).statusCode).toBe(200);
    const denied = await client.patch(url(`/${outsider.id}`), { jobTitle: 'AE' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('user.out_of_scope');
    expect(USER_PASSWORD).toBeTruthy();
  });
});

describe('skills and certifications', () => {
  it('stores them and shows expiry', async () => {
    const u = await apiCreateUser(t.admin, tenant);
    const today = t.clock.now();
    const day = (offset: number) =>
      new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
    const res = await t.admin.put(url(`/${u.id}/skills`), {
      items: [
        { kind: 'certification', name: 'CISSP', issuer: 'ISC2', issuedOn: day(-400), expiresOn: day(-1) },
        {
          kind: 'certification',
          name: 'AZ-104',
          issuer: 'Microsoft',
          issuedOn: day(-10),
          expiresOn: day(30),
        },
        { kind: 'skill', name: 'PowerShell' },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items;
    expect(items.find((i: { name: string }) => i.name === 'CISSP')).toMatchObject({
      expired: true,
      expiresInDays: -1,
    });
    expect(items.find((i: { name: string }) => i.name === 'AZ-104')).toMatchObject({
      expired: false,
      expiresInDays: 30,
    });
    expect(items.find((i: { name: string }) => i.name === 'PowerShell')).toMatchObject({
      expired: false,
      expiresInDays: null,
    });
    const bad = await t.admin.put(url(`/${u.id}/skills`), {
      items: [{ kind: 'certification', name: 'X', issuedOn: day(0), expiresOn: day(-5) }],
    });
    expect(bad.json().code).toBe('user.invalid_dates');
  });
});

describe('invitations without an SMTP server', () => {
  it('keeps the email in the outbox and says so in the answer', async () => {
    const res = await t.admin.post(`/api/v1/tenants/${tenant}/invitations`, {
      entries: [{ emails: 'kept.invite@users.test' }],
    });
    expect(res.json()).toMatchObject({ sent: 1, delivery: 'outbox' });
    const outbox = (await t.admin.get(`/api/v1/tenants/${tenant}/outbox`)).json();
    expect(outbox.smtpConfigured).toBe(false);
    expect(
      outbox.items.find((m: { toAddress: string }) => m.toAddress === 'kept.invite@users.test'),
    ).toMatchObject({ kind: 'invitation' });
  });
});
