import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { apiCreateUser, defaultGroupId, roleId } from '../helpers/fixtures.ts';

let t: TestApp;
let tenant: string;
const g = (path = '') => `/api/v1/tenants/${tenant}/groups${path}`;
const u = (path = '') => `/api/v1/tenants/${tenant}/users${path}`;

beforeAll(async () => {
  t = await createTestApp();
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Groups Co', slug: 'groups-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
});

const permissionsOf = async (userId: string): Promise<string[]> =>
  (await t.admin.get(u(`/${userId}/permissions`)))
    .json()
    .permissions.map((p: { permission: string }) => p.permission);

describe('rule 6: every tenant has a Default group that cannot be deleted; users belong to at least one group', () => {
  it('the Default group exists, cannot be deleted or renamed, and new users land in it', async () => {
    const def = await defaultGroupId(t.admin, tenant);
    const del = await t.admin.delete(g(`/${def}`));
    expect(del.statusCode).toBe(409);
    expect(del.json().code).toBe('group.default_undeletable');
    expect((await t.admin.patch(g(`/${def}`), { name: 'Everyone' })).json().code).toBe(
      'group.default_unrenamable',
    );
    const user = await apiCreateUser(t.admin, tenant);
    expect((await t.admin.get(u(`/${user.id}`))).json().groups).toEqual([
      { id: def, name: 'Default', isDefault: true },
    ]);
  });

  it('custom groups are created, renamed and deleted; names are unique', async () => {
    const created = await t.admin.post(g(), { name: 'Field Team' });
    expect(created.statusCode).toBe(201);
    // provider staff acting in a customer are not its members, so the group has no owner there
    expect(created.json()).toMatchObject({
      name: 'Field Team',
      isDefault: false,
      owner: null,
      memberCount: 0,
    });
    const own = await t.admin.post(`/api/v1/tenants/${t.providerId}/groups`, { name: 'MSP Field Team' });
    expect(own.json().owner).toMatchObject({ firstName: 'Super', lastName: 'Admin' });
    expect((await t.admin.post(g(), { name: 'field team' })).json().code).toBe('group.name_taken');
    const renamed = await t.admin.patch(g(`/${created.json().id}`), { name: 'Field Engineers' });
    expect(renamed.json().name).toBe('Field Engineers');
    expect((await t.admin.delete(g(`/${created.json().id}`))).statusCode).toBe(200);
    expect((await t.admin.get(g(`/${created.json().id}`))).statusCode).toBe(404);
  });

  it('removing a user’s last group is refused; a user can belong to many groups', async () => {
    const user = await apiCreateUser(t.admin, tenant);
    const def = await defaultGroupId(t.admin, tenant);
    const a = (await t.admin.post(g(), { name: 'Group A' })).json().id;
    const both = await t.admin.put(u(`/${user.id}/groups`), { groupIds: [def, a] });
    expect(both.json().groups.map((x: { name: string }) => x.name)).toEqual(['Default', 'Group A']);
    const none = await t.admin.put(u(`/${user.id}/groups`), { groupIds: [] });
    expect(none.statusCode).toBe(409);
    expect(none.json().code).toBe('user.last_group');
    expect((await t.admin.put(u(`/${user.id}/groups`), { groupIds: [a] })).statusCode).toBe(200);
    const last = await t.admin.delete(g(`/${a}/members/${user.id}`));
    expect(last.json().code).toBe('user.last_group');
    expect((await t.admin.get(u(`/${user.id}`))).json().groups.map((x: { name: string }) => x.name)).toEqual([
      'Group A',
    ]);
  });

  it('deleting a group moves members left with no group into Default', async () => {
    const user = await apiCreateUser(t.admin, tenant);
    const only = (await t.admin.post(g(), { name: 'Only Group' })).json().id;
    await t.admin.put(u(`/${user.id}/groups`), { groupIds: [only] });
    const res = await t.admin.delete(g(`/${only}`));
    expect(res.json().movedToDefault).toEqual([user.id]);
    expect((await t.admin.get(u(`/${user.id}`))).json().groups.map((x: { name: string }) => x.name)).toEqual([
      'Default',
    ]);
  });
});

describe('rule 7: a group role applies to every member while they are members; a default member must be an active member', () => {
  it('members hold the group role while members, and lose it on leaving', async () => {
    const hd = await roleId(t.admin, tenant, 'help_desk');
    const group = (await t.admin.post(g(), { name: 'Service Desk', roleId: hd })).json();
    expect(group.role).toMatchObject({ id: hd, name: 'Help Desk' });
    const user = await apiCreateUser(t.admin, tenant);
    expect(await permissionsOf(user.id)).not.toContain('users.suspend');
    await t.admin.post(g(`/${group.id}/members`), { userIds: [user.id] });
    expect(await permissionsOf(user.id)).toContain('users.suspend');
    const explained = (await t.admin.get(u(`/${user.id}/permissions`))).json();
    expect(
      explained.permissions.find((p: { permission: string }) => p.permission === 'users.suspend').sources,
    ).toEqual([
      expect.objectContaining({
        type: 'group_role',
        roleName: 'Help Desk',
        groupName: 'Service Desk',
        label: 'group role Help Desk via group Service Desk',
      }),
    ]);
    await t.admin.delete(g(`/${group.id}/members/${user.id}`));
    expect(await permissionsOf(user.id)).not.toContain('users.suspend');
  });

  it('the default group member must be an active member of the group', async () => {
    const group = (await t.admin.post(g(), { name: 'Routing' })).json();
    const member = await apiCreateUser(t.admin, tenant);
    const outsider = await apiCreateUser(t.admin, tenant);
    expect((await t.admin.patch(g(`/${group.id}`), { defaultMemberId: outsider.id })).json().code).toBe(
      'group.default_member_not_member',
    );
    await t.admin.post(g(`/${group.id}/members`), { userIds: [member.id] });
    // and licensed (rule 7 with rule 16)
    expect((await t.admin.patch(g(`/${group.id}`), { defaultMemberId: member.id })).json().code).toBe(
      'group.default_member_unlicensed',
    );
    await t.admin.put(`/api/v1/tenants/${tenant}/licenses`, { pools: [{ type: 'people', quantity: 5 }] });
    expect((await t.admin.post(`/api/v1/tenants/${tenant}/users/${member.id}/license`, {})).statusCode).toBe(
      200,
    );
    const set = await t.admin.patch(g(`/${group.id}`), { defaultMemberId: member.id });
    expect(set.json().defaultMember).toMatchObject({ id: member.id });
    await t.admin.post(u(`/${member.id}/suspend`));
    await t.admin.patch(g(`/${group.id}`), { defaultMemberId: null });
    expect((await t.admin.patch(g(`/${group.id}`), { defaultMemberId: member.id })).json().code).toBe(
      'group.default_member_inactive',
    );
  });
});

describe('rule 8: unassigning a group role: remove from all members, or let members keep it individually', () => {
  async function groupWithRole(name: string) {
    const tech = await roleId(t.admin, tenant, 'technician');
    const group = (await t.admin.post(g(), { name, roleId: tech })).json();
    const members = [
      await apiCreateUser(t.admin, tenant),
      await apiCreateUser(t.admin, tenant),
      await apiCreateUser(t.admin, tenant),
    ];
    await t.admin.post(g(`/${group.id}/members`), { userIds: members.map((m) => m.id) });
    return { group, members, tech };
  }
  const directRoleIds = async (userId: string) =>
    (await t.admin.get(u(`/${userId}/roles`))).json().directRoles.map((r: { id: string }) => r.id);

  it('remove from all members: nobody keeps it', async () => {
    const { group, members, tech } = await groupWithRole('Mode All');
    const res = await t.admin.post(g(`/${group.id}/role/unassign`), { mode: 'remove_from_all' });
    expect(res.json().role).toBeNull();
    for (const m of members) {
      expect(await directRoleIds(m.id)).not.toContain(tech);
      expect(await permissionsOf(m.id)).not.toContain('flows.run');
    }
  });

  it('let members keep it individually: everyone but the named user gets it as a direct role', async () => {
    const { group, members, tech } = await groupWithRole('Mode Keep');
    const [named, ...others] = members;
    const res = await t.admin.post(g(`/${group.id}/role/unassign`), {
      mode: 'keep_individually',
      exceptUserId: named!.id,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await directRoleIds(named!.id)).not.toContain(tech);
    for (const m of others) expect(await directRoleIds(m.id)).toContain(tech);
    const again = await t.admin.post(g(`/${group.id}/role/unassign`), { mode: 'remove_from_all' });
    expect(again.json().code).toBe('group.no_group_role');
  });
});
