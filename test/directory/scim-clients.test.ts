import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import {
  createScimToken,
  ENTERPRISE,
  GROUP_SCHEMA,
  patchOp,
  ScimClient,
  USER_SCHEMA,
} from '../helpers/scim.ts';

/**
 * The request sequences Microsoft Entra ID and Okta send when they provision an application, as
 * their SCIM documentation shows them (bodies, casing and quirks included), replayed one by one
 * against Rollcall, each response checked the way the client checks it.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const q = (filter: string, extra = '') => `?filter=${encodeURIComponent(filter)}${extra}`;

function expectScim(res: { status: number; contentType: string }, status: number) {
  expect(res.status, JSON.stringify(res)).toBe(status);
  if (status !== 204) expect(res.contentType).toContain('application/scim+json');
}

describe('Microsoft Entra ID provisioning', () => {
  let scim: ScimClient;
  let tenant: string;
  const userName = 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1';
  let userId: string;
  let managerId: string;
  let groupId: string;
  beforeAll(async () => {
    tenant = (await t.admin.post('/api/v1/tenants', { name: 'Contoso', slug: 'contoso' })).json().id;
    scim = new ScimClient(t.app, (await createScimToken(t.admin, tenant, 'Entra ID')).token);
  });

  it('looks the user up by userName first and finds nothing', async () => {
    const res = await scim.get(`/Users${q(`userName eq "${userName}"`)}`);
    expectScim(res, 200);
    expect(res.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('creates the user', async () => {
    const res = await scim.post('/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    });
    expectScim(res, 201);
    userId = res.body.id;
    expect(res.body).toMatchObject({
      schemas: [USER_SCHEMA, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName,
      active: true,
      name: { givenName: 'givenName', familyName: 'familyName' },
      emails: [{ value: 'Test_User_fd0ea19b@testuser.com', type: 'work', primary: true }],
      meta: { resourceType: 'User', location: expect.stringContaining(`/scim/v2/Users/${userId}`) },
    });
    expect(res.headers.location).toBe(res.body.meta.location);
    expect(res.headers.etag).toBe(res.body.meta.version);
    // provisioned: sourced from SCIM, mastered attributes listed (rule 4a)
    const api = (await t.admin.get(`/api/v1/tenants/${tenant}/users/${userId}`)).json();
    expect(api).toMatchObject({
      source: 'scim',
      username: userName,
      email: 'Test_User_fd0ea19b@testuser.com',
    });
    expect(api.sourceAttributes).toEqual(
      expect.arrayContaining(['firstName', 'lastName', 'email', 'username']),
    );
  });

  it('gets the user by id and by userName (any case)', async () => {
    const byId = await scim.get(`/Users/${userId}`);
    expectScim(byId, 200);
    expect(byId.body.userName).toBe(userName);
    const byName = await scim.get(`/Users${q(`userName eq "${userName.toUpperCase()}"`)}`);
    expectScim(byName, 200);
    expect(byName.body.totalResults).toBe(1);
    expect(byName.body.Resources[0].id).toBe(userId);
  });

  it('updates multi-valued and single-valued attributes, and adds a manager', async () => {
    const multi = await scim.patch(
      `/Users/${userId}`,
      patchOp(
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ),
    );
    expectScim(multi, 200);
    expect(multi.body.emails).toEqual([{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }]);
    expect(multi.body.name.familyName).toBe('updatedFamilyName');

    const single = await scim.patch(
      `/Users/${userId}`,
      patchOp({
        op: 'Replace',
        path: 'userName',
        value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com',
      }),
    );
    expectScim(single, 200);
    expect(single.body.userName).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');

    const boss = await scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName: 'boss@contoso.test',
      name: { givenName: 'Bea', familyName: 'Boss' },
    });
    managerId = boss.body.id;
    // Entra sends the manager's id as a bare string, and attributes as paths in no-path operations
    const added = await scim.patch(
      `/Users/${userId}`,
      patchOp(
        { op: 'Add', path: `${ENTERPRISE}:manager`, value: managerId },
        { op: 'Add', path: 'title', value: 'Engineer' },
        { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
        { op: 'replace', value: { 'name.givenName': 'Grace', [`${ENTERPRISE}:department`]: 'Research' } },
      ),
    );
    expectScim(added, 200);
    expect(added.body).toMatchObject({
      title: 'Engineer',
      name: { givenName: 'Grace' },
      phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
      [ENTERPRISE]: { department: 'Research', manager: { value: managerId, displayName: 'Bea Boss' } },
    });
  });

  it('disables the user with "False" as a string, and enables it again', async () => {
    const off = await scim.patch(
      `/Users/${userId}`,
      patchOp({ op: 'Replace', path: 'active', value: 'False' }),
    );
    expectScim(off, 200);
    expect(off.body.active).toBe(false);
    expect((await t.admin.get(`/api/v1/tenants/${tenant}/users/${userId}`)).json().status).toBe('suspended');
    const on = await scim.patch(`/Users/${userId}`, patchOp({ op: 'Replace', path: 'active', value: true }));
    expect(on.body.active).toBe(true);
    expect((await t.admin.get(`/api/v1/tenants/${tenant}/users/${userId}`)).json().status).toBe('active');
  });

  it('provisions a group: lookup, create, get without members, rename', async () => {
    const none = await scim.get(`/Groups${q('displayName eq "displayName"', '&excludedAttributes=members')}`);
    expectScim(none, 200);
    expect(none.body.totalResults).toBe(0);
    const created = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    expectScim(created, 201);
    groupId = created.body.id;
    expect(created.body).toMatchObject({
      displayName: 'displayName',
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
    });
    const got = await scim.get(`/Groups/${groupId}?excludedAttributes=members`);
    expectScim(got, 200);
    expect(got.body).not.toHaveProperty('members');
    expect(got.body.displayName).toBe('displayName');
    const found = await scim.get(
      `/Groups${q('displayName eq "DISPLAYNAME"', '&excludedAttributes=members')}`,
    );
    expect(found.body.Resources.map((g: { id: string }) => g.id)).toEqual([groupId]);
    const renamed = await scim.patch(
      `/Groups/${groupId}`,
      patchOp({ op: 'Replace', path: 'displayName', value: '1879db59updatedDisplayName' }),
    );
    expectScim(renamed, 200);
    expect(renamed.body.displayName).toBe('1879db59updatedDisplayName');
  });

  it('adds and removes members by value lists, checking membership with a filter', async () => {
    const add = await scim.patch(
      `/Groups/${groupId}`,
      patchOp({ op: 'Add', path: 'members', value: [{ $ref: null, value: userId }] }),
    );
    expectScim(add, 200);
    expect(add.body.members.map((m: { value: string }) => m.value)).toEqual([userId]);
    const member = await scim.get(
      `/Groups${q(`id eq "${groupId}" and members eq "${userId}"`, '&excludedAttributes=members')}`,
    );
    expect(member.body.totalResults).toBe(1);
    const user = await scim.get(`/Users/${userId}`);
    expect(user.body.groups.map((g: { display: string }) => g.display)).toContain(
      '1879db59updatedDisplayName',
    );
    const remove = await scim.patch(
      `/Groups/${groupId}`,
      patchOp({ op: 'Remove', path: 'members', value: [{ $ref: null, value: userId }] }),
    );
    expectScim(remove, 200);
    expect(remove.body.members ?? []).toEqual([]);
    const gone = await scim.get(`/Groups${q(`id eq "${groupId}" and members eq "${userId}"`)}`);
    expect(gone.body.totalResults).toBe(0);
  });

  it('deletes the group and the user', async () => {
    expectScim(await scim.delete(`/Groups/${groupId}`), 204);
    expectScim(await scim.get(`/Groups/${groupId}`), 404);
    expectScim(await scim.delete(`/Users/${userId}`), 204);
    const after = await scim.get(`/Users/${userId}`);
    expectScim(after, 404);
    expect(after.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
    });
    expect((await t.admin.get(`/api/v1/tenants/${tenant}/users/${userId}`)).statusCode).toBe(404);
  });

  it('audits every change with the SCIM token as the actor', async () => {
    const events = (await t.admin.get(`/api/v1/tenants/${tenant}/audit?limit=200`)).json().items as Array<{
      action: string;
      actor: { type: string; label: string };
    }>;
    const byScim = events.filter((e) => e.actor.type === 'scim_token');
    expect(byScim.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'user.created',
        'user.updated',
        'user.suspended',
        'user.reactivated',
        'group.created',
        'user.groups_changed',
        'group.deleted',
        'user.removed',
      ]),
    );
    expect(byScim[0]!.actor.label).toBe('SCIM token "Entra ID"');
  });
});

describe('Okta provisioning', () => {
  let scim: ScimClient;
  let tenant: string;
  let userId: string;
  let groupId: string;
  const password = 'Okta-Synced-Passw0rd!!';
  beforeAll(async () => {
    tenant = (await t.admin.post('/api/v1/tenants', { name: 'Okta Co', slug: 'okta-co' })).json().id;
    scim = new ScimClient(t.app, (await createScimToken(t.admin, tenant, 'Okta')).token);
  });

  it('looks up, creates with a password, and reads the user', async () => {
    const lookup = await scim.get(
      `/Users${q('userName eq "test.user@okta.local"', '&startIndex=1&count=100')}`,
    );
    expectScim(lookup, 200);
    expect(lookup.body.totalResults).toBe(0);
    const created = await scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password,
      active: true,
    });
    expectScim(created, 201);
    userId = created.body.id;
    expect(created.body).not.toHaveProperty('password');
    expect(created.body).toMatchObject({
      userName: 'test.user@okta.local',
      locale: 'en-US',
      active: true,
      displayName: 'Test User',
    });
    const got = await scim.get(`/Users/${userId}`);
    expectScim(got, 200);
    // the synced password signs in
    const person = new TestClient(t.app);
    expect((await person.login('okta-co', 'test.user@okta.local', password)).statusCode).toBe(200);
  });

  it('replaces the whole user with PUT, read-only attributes and all', async () => {
    const current = (await scim.get(`/Users/${userId}`)).body;
    const put = await scim.put(`/Users/${userId}`, {
      ...current,
      name: { givenName: 'Another', familyName: 'User' },
      emails: [{ primary: true, value: 'another.user@okta.local', type: 'work' }],
    });
    expectScim(put, 200);
    expect(put.body).toMatchObject({
      id: userId,
      name: { givenName: 'Another', familyName: 'User' },
      emails: [{ value: 'another.user@okta.local' }],
    });
  });

  it('deactivates and reactivates with a no-path replace', async () => {
    const off = await scim.patch(`/Users/${userId}`, patchOp({ op: 'replace', value: { active: false } }));
    expectScim(off, 200);
    expect(off.body.active).toBe(false);
    const on = await scim.patch(`/Users/${userId}`, patchOp({ op: 'replace', value: { active: true } }));
    expect(on.body.active).toBe(true);
  });

  it('pushes a group: create, rename with the id repeated, add and remove members, list, delete', async () => {
    const lookup = await scim.get(`/Groups${q('displayName eq "Test SCIMv2"', '&startIndex=1&count=100')}`);
    expect(lookup.body.totalResults).toBe(0);
    const created = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Test SCIMv2',
      members: [],
    });
    expectScim(created, 201);
    groupId = created.body.id;
    const renamed = await scim.patch(
      `/Groups/${groupId}`,
      patchOp({ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv2 renamed' } }),
    );
    expectScim(renamed, 200);
    expect(renamed.body.displayName).toBe('Test SCIMv2 renamed');
    const added = await scim.patch(
      `/Groups/${groupId}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: userId, display: 'test.user@okta.local' }] }),
    );
    expect(added.body.members).toEqual([expect.objectContaining({ value: userId, display: 'Another User' })]);
    const removed = await scim.patch(
      `/Groups/${groupId}`,
      patchOp({ op: 'remove', path: `members[value eq "${userId}"]` }),
    );
    expectScim(removed, 200);
    expect(removed.body.members ?? []).toEqual([]);
    const all = await scim.get('/Groups?startIndex=1&count=100');
    expect(all.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(
      expect.arrayContaining(['Default', 'Test SCIMv2 renamed']),
    );
    expectScim(await scim.delete(`/Groups/${groupId}`), 204);
  });

  it('deprovisions by deactivating: the user is suspended and cannot sign in', async () => {
    await scim.patch(`/Users/${userId}`, patchOp({ op: 'replace', value: { active: false } }));
    const res = await new TestClient(t.app).request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: 'okta-co', login: 'another.user@okta.local', password },
    });
    expect(res.statusCode).toBe(401);
    expect((await t.admin.get(`/api/v1/tenants/${tenant}/users/${userId}`)).json().status).toBe('suspended');
  });
});
