import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemCaller } from '../../src/modules/access/system-caller.ts';
import { registerOwnableKind } from '../../src/modules/ownership/ownable-kinds.ts';
import { transferOwnershipsNowInTx } from '../../src/modules/ownership/ownership.service.ts';
import { TestClock } from '../../src/platform/clock.ts';
import { withTenantTx } from '../../src/platform/db.ts';
import { createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser, roleId, signIn, USER_PASSWORD } from '../helpers/fixtures.ts';
import {
  berlin,
  groupIdsOf,
  type OwnershipTenant,
  ownedBy,
  ownershipTenant,
  runStep,
  scenario,
} from './helpers.ts';

let t: TestApp;
let o: OwnershipTenant;
const DAY = 86_400_000;

beforeAll(async () => {
  // a fixed winter morning, 09:15 in Berlin (CET, UTC+1)
  t = await createTestApp({ clock: new TestClock(new Date('2031-01-13T08:15:00Z')) });
  o = await ownershipTenant(t, 'own-transfers');
});
afterAll(async () => {
  await t?.close();
});

const ALL_OF_ALICE = (n: string) =>
  [
    `default_group_member:Support ${n}`,
    `form:form ${n}`,
    `group:Support ${n}`,
    `job:job ${n}`,
    'license:People licence',
    `workflow:workflow ${n}`,
  ].sort();

describe('rule 17: one model for everything with an owner', () => {
  it('lists the kinds: Rollcall’s own and the integration types, with what a duration does to each', async () => {
    const kinds = (await o.admin.get(`/api/v1/tenants/${o.tenant}/ownership/kinds`)).json().items;
    const byType = Object.fromEntries(kinds.map((k: { type: string }) => [k.type, k]));
    expect(Object.keys(byType)).toEqual(
      expect.arrayContaining([
        'group',
        'license',
        'default_group_member',
        'workflow',
        'job',
        'form',
        'node-config',
        'device-license',
      ]),
    );
    expect(byType.job).toMatchObject({ revertsAtDurationEnd: false, oneTimeOnly: false, integration: true });
    expect(byType.workflow).toMatchObject({ oneTimeOnly: true, integration: true, listable: true });
    expect(byType.form).toMatchObject({ revertsAtDurationEnd: true, oneTimeOnly: false });
    expect(byType.license).toMatchObject({ oneTimeOnly: true, listable: false });
  });

  it('a module adds a kind with one register call, and every transfer moves it from then on', async () => {
    const s = await scenario(t, o);
    const owners = new Map<string, string>([['note-1', s.alice.id]]);
    registerOwnableKind({
      type: 'test_note',
      label: 'Notes',
      revertsAtDurationEnd: true,
      listOwnedBy: async (_tx, _tenant, userId) =>
        [...owners].filter(([, owner]) => owner === userId).map(([id]) => ({ id, name: id })),
      setOwner: async (_tx, _tenant, id, ownerId) => {
        owners.set(id, ownerId);
      },
    });
    expect(await ownedBy(o, s.alice.id)).toContain('test_note:note-1');
    // transferOwnershipsNowInTx is what the flows action "transfer ownerships" calls
    const caller = await systemCaller(t.rollcall.platform, o.tenant, 'flow step');
    const result = await withTenantTx(t.rollcall.platform.db, o.tenant, (tx) =>
      transferOwnershipsNowInTx(tx, t.rollcall.platform, caller, s.alice.id, s.bob.id),
    );
    expect(owners.get('note-1')).toBe(s.bob.id);
    expect(result.moved.filter((m) => m.action === 'owner').map((m) => m.type)).toEqual(
      expect.arrayContaining([
        'group',
        'license',
        'default_group_member',
        'workflow',
        'job',
        'form',
        'test_note',
      ]),
    );
    owners.clear();
    expect(await ownedBy(o, s.alice.id)).toEqual([]);
    expect(await ownedBy(o, s.bob.id)).toEqual(ALL_OF_ALICE(s.group.name.split(' ')[1]!));
    // rule 18: the recipient joins every group of the user; roles never move
    expect((await groupIdsOf(t, o.tenant, s.bob.id)).sort()).toEqual([o.defaultGroup, s.group.id].sort());
    const bob = (await o.admin.get(`${s.T}/users/${s.bob.id}`)).json();
    expect(bob.roles.map((r: { key: string }) => r.key)).toEqual(['user']);
    const audit = (
      await o.admin.get(`${s.T}/audit?action=ownership.transferred&targetId=${s.alice.id}`)
    ).json();
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0].after).toMatchObject({ recipientId: s.bob.id, transferId: result.transferId });
  });
});

describe('flow templates are ownable too', () => {
  it('the template a member made moves with their ownerships and is listed with its owner', async () => {
    const s = await scenario(t, o);
    const alice = await signIn(t.app, 'own-transfers', s.alice.email!);
    const made = await alice.post(`${s.T}/flow-templates`, {
      name: `Leaver ${s.alice.lastName}`,
      steps: [{ action: 'suspend', when: { offsetDays: 0, timeOfDay: '18:00' } }],
    });
    expect(made.statusCode, made.body).toBe(201);
    expect(await ownedBy(o, s.alice.id)).toContain(`flow_template:Leaver ${s.alice.lastName}`);
    const listed = (await o.admin.get(`${s.T}/ownerships?type=flow_template&ownerId=${s.alice.id}`)).json();
    expect(listed.items.map((i: { name: string }) => i.name)).toEqual([`Leaver ${s.alice.lastName}`]);
    const now = await o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
      kind: 'one_time',
      recipientId: s.bob.id,
    });
    expect(now.json()).toMatchObject({ status: 'completed' });
    expect((await o.admin.get(`${s.T}/flow-templates/${made.json().id}`)).json().owner).toMatchObject({
      id: s.bob.id,
    });
  });
});

describe('rule 18: one-time transfers at a date and hour', () => {
  it('the preview answers which groups the recipient will join before anything is confirmed', async () => {
    const s = await scenario(t, o);
    const res = await o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
      kind: 'one_time',
      recipientId: s.bob.id,
      at: berlin(t, 1, 9),
      preview: true,
    });
    expect(res.statusCode, res.body).toBe(200);
    const { plan } = res.json();
    expect(plan.recipientJoinsGroups.map((g: { name: string }) => g.name)).toEqual([s.group.name]);
    expect(plan.owned.every((k: { moves: boolean; freed: number }) => k.moves && k.freed === 0)).toBe(true);
    expect(await ownedBy(o, s.bob.id)).toEqual([]);
    expect((await o.admin.get(`${s.T}/users/${s.alice.id}/transfers`)).json().items).toEqual([]);
  });

  it('a recipient who already holds a licence gets no second one: the preview says the user’s seat is freed, and it is', async () => {
    const s = await scenario(t, o);
    await o.admin.post(`${s.T}/users/${s.bob.id}/license`, {});
    const used = async () =>
      (await o.admin.get(`${s.T}/licenses`)).json().items.find((p: { type: string }) => p.type === 'people')
        .used;
    const before = await used();
    const preview = await o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
      kind: 'one_time',
      recipientId: s.bob.id,
      preview: true,
    });
    const byType = Object.fromEntries(
      preview.json().plan.owned.map((k: { type: string; freed: number }) => [k.type, k.freed]),
    );
    expect(byType).toMatchObject({ license: 1, workflow: 0, group: 0 });
    // and without a recipient a removal frees the seat rather than moving it
    const removal = await o.admin.post(`${s.T}/users/${s.alice.id}/remove`, { preview: true });
    expect(removal.json().plan.owned.find((k: { type: string }) => k.type === 'license')).toMatchObject({
      count: 1,
      freed: 1,
    });
    const done = await o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
      kind: 'one_time',
      recipientId: s.bob.id,
    });
    expect(done.json()).toMatchObject({ status: 'completed' });
    expect(await used()).toBe(before - 1);
    expect((await ownedBy(o, s.alice.id)).filter((x) => x.startsWith('license:'))).toEqual([]);
    expect((await ownedBy(o, s.bob.id)).filter((x) => x.startsWith('license:'))).toEqual([
      'license:People licence',
    ]);
  });

  it('is scheduled in the tenant’s time zone as a durable job, shows the clock marker, and can be cancelled before it runs', async () => {
    const s = await scenario(t, o);
    const res = await o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
      kind: 'one_time',
      recipientId: s.bob.id,
      at: { date: '2031-01-15', hour: 9 },
    });
    expect(res.statusCode, res.body).toBe(201);
    const transfer = res.json();
    // 09:00 in Berlin in January is 08:00 UTC
    expect(transfer).toMatchObject({
      status: 'scheduled',
      startsAt: '2031-01-15T08:00:00.000Z',
      timeZone: 'Europe/Berlin',
      start: { date: '2031-01-15', hour: 9 },
      cancellable: true,
    });
    const job = await t.ownerQuery(
      `select singleton_key, start_after, state from pgboss.job where name = 'ownership.transfer_step' and data->>'transferId' = $1`,
      [transfer.id],
    );
    expect(job.rows).toHaveLength(1);
    expect(job.rows[0].singleton_key).toBe(`transfer:${transfer.id}:start`);
    // due in the 2 days minus 15 minutes the app's clock says
    const due = new Date(job.rows[0].start_after).getTime() - Date.now();
    expect(Math.abs(due - (2 * DAY - 15 * 60_000))).toBeLessThan(60_000);
    const listed = (
      await o.admin.get(`${s.T}/users?q=${encodeURIComponent(s.alice.lastName as string)}`)
    ).json();
    expect(listed.items[0].pendingChange).toMatchObject({
      id: transfer.id,
      kind: 'one_time',
      status: 'scheduled',
    });
    expect((await o.admin.get(`${s.T}/users/${s.alice.id}`)).json().pendingChange.id).toBe(transfer.id);

    const second = await o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
      kind: 'one_time',
      recipientId: s.bob.id,
      at: { date: '2031-01-16', hour: 9 },
    });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({
      code: 'transfer.already_pending',
      details: { transferId: transfer.id },
    });

    const cancel = await o.admin.post(`${s.T}/transfers/${transfer.id}/cancel`);
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json()).toMatchObject({ status: 'cancelled', cancellable: false });
    expect((await o.admin.get(`${s.T}/users/${s.alice.id}`)).json().pendingChange).toBeNull();
    // its job may still fire: it finds the transfer cancelled and changes nothing
    t.clock.advance(2 * DAY);
    await runStep(t, o.tenant, transfer.id, 'start');
    expect(await ownedBy(o, s.bob.id)).toEqual([]);
    expect((await o.admin.post(`${s.T}/transfers/${transfer.id}/cancel`)).json().status).toBe('cancelled');
  });

  it('at its instant every ownership moves and stays; it runs once and cannot be cancelled afterwards', async () => {
    const s = await scenario(t, o);
    const transfer = (
      await o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
        kind: 'one_time',
        recipientId: s.bob.id,
        at: berlin(t, 1, 7),
      })
    ).json();
    // not yet: the job refuses to run early by Rollcall's clock, and nothing moves
    await expect(runStep(t, o.tenant, transfer.id, 'start')).rejects.toThrow(/not due/);
    expect(await ownedBy(o, s.bob.id)).toEqual([]);
    t.clock.set(new Date(transfer.startsAt));
    await runStep(t, o.tenant, transfer.id, 'start');
    await runStep(t, o.tenant, transfer.id, 'start');
    const done = (await o.admin.get(`${s.T}/transfers/${transfer.id}`)).json();
    expect(done).toMatchObject({ status: 'completed', cancellable: false });
    expect(await ownedBy(o, s.alice.id)).toEqual([]);
    expect(await ownedBy(o, s.bob.id)).toHaveLength(6);
    const events = (
      await o.admin.get(`${s.T}/audit?action=ownership.transferred&targetId=${s.alice.id}`)
    ).json();
    expect(events.items).toHaveLength(1);
    const cancel = await o.admin.post(`${s.T}/transfers/${transfer.id}/cancel`);
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json().code).toBe('transfer.already_run');
  });

  it('refuses bad instants and recipients with clear codes', async () => {
    const s = await scenario(t, o);
    const post = (body: Record<string, unknown>) =>
      o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
        kind: 'one_time',
        recipientId: s.bob.id,
        ...body,
      });
    const past = await post({ at: berlin(t, -1, 9) });
    expect(past.statusCode).toBe(400);
    expect(past.json().code).toBe('transfer.in_the_past');
    expect((await post({ at: { date: '2031-02-30', hour: 9 } })).json().code).toBe('request.invalid');
    expect((await post({ at: { date: '2031-02-03', hour: 24 } })).json().code).toBe('request.invalid');
    expect((await post({ recipientId: s.alice.id })).json().code).toBe('user.invalid_recipient');
    await o.admin.post(`${s.T}/users/${s.bob.id}/suspend`);
    expect((await post({ at: berlin(t, 1, 9) })).json().code).toBe('user.invalid_recipient');
    const noEnd = await o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
      kind: 'duration',
      recipientId: s.bob.id,
    });
    expect(noEnd.json().code).toBe('request.invalid');
    await o.admin.post(`${s.T}/users/${s.bob.id}/reactivate`);
    const backwards = await o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
      kind: 'duration',
      recipientId: s.bob.id,
      start: berlin(t, 3, 9),
      end: berlin(t, 2, 9),
    });
    expect(backwards.json().code).toBe('transfer.end_before_start');
  });
});

describe('who may transfer', () => {
  it('needs ownership.transfer, and the groups the recipient joins stay within the caller’s ceiling (rule 13)', async () => {
    const s = await scenario(t, o);
    const helpDesk = await apiCreateUser(o.admin, o.tenant, {
      firstName: 'Hal',
      lastName: 'Desk',
      roleIds: [await roleId(o.admin, o.tenant, 'help_desk')],
    });
    const desk = await signIn(t.app, 'own-transfers', helpDesk.email!);
    const body = { kind: 'one_time', recipientId: s.bob.id, at: berlin(t, 1, 9) };
    const forbidden = await desk.post(`${s.T}/users/${s.alice.id}/transfers`, body);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({
      code: 'auth.forbidden',
      details: { permission: 'ownership.transfer' },
    });
    // a tenant admin moving Alice out of a group whose role is Super Admin would hand Bob that role
    const admins = (
      await o.admin.post(`${s.T}/groups`, {
        name: `Admins ${s.alice.lastName}`,
        roleId: await roleId(o.admin, o.tenant, 'super_admin'),
      })
    ).json();
    await o.admin.put(`${s.T}/users/${s.alice.id}/groups`, {
      groupIds: [o.defaultGroup, s.group.id, admins.id],
    });
    const tina = await apiCreateUser(o.admin, o.tenant, {
      firstName: 'Tina',
      lastName: 'Admin',
      roleIds: [await roleId(o.admin, o.tenant, 'tenant_admin')],
    });
    const tenantAdmin = await signIn(t.app, 'own-transfers', tina.email!);
    const preview = (
      await tenantAdmin.post(`${s.T}/users/${s.alice.id}/transfers`, { ...body, preview: true })
    ).json();
    expect(preview.plan.warnings.map((w: { code: string }) => w.code)).toContain('group_roles_gained');
    const ceiling = await tenantAdmin.post(`${s.T}/users/${s.alice.id}/transfers`, body);
    expect(ceiling.statusCode).toBe(403);
    expect(ceiling.json().code).toBe('role.ceiling');
    expect((await o.admin.get(`${s.T}/users/${s.alice.id}`)).json().pendingChange).toBeNull();
  });
});

describe('rule 18: transfers for a duration', () => {
  it('moves at the start, blocks sign-in, and at the end everything but jobs moves back', async () => {
    const s = await scenario(t, o);
    const n = s.group.name.split(' ')[1]!;
    const token = (
      await (async () => {
        const c = new TestClient(t.app);
        await c.login(`own-transfers`, s.alice.email!, USER_PASSWORD);
        return c.post('/api/v1/me/tokens', { name: 'script' });
      })()
    ).json().token;
    const res = await o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
      kind: 'duration',
      recipientId: s.bob.id,
      end: berlin(t, 7, 9),
      blockSignIn: true,
    });
    expect(res.statusCode, res.body).toBe(201);
    const transfer = res.json();
    expect(transfer).toMatchObject({ status: 'active', blockSignIn: true, cancellable: true });
    // "Transferred Items": groups, forms and jobs move; workflows, licences and default-member slots
    // are one-time only — the recipient gets edit access to the workflow instead
    expect(await ownedBy(o, s.bob.id)).toEqual([`form:form ${n}`, `group:Support ${n}`, `job:job ${n}`]);
    const access = (await o.admin.get(`${s.T}/users/${s.bob.id}/shared`)).json().items;
    expect(
      access.map((a: { resource: { name: string }; level: string }) => [a.resource.name, a.level]),
    ).toEqual([[`workflow ${n}`, 'edit']]);
    expect((await groupIdsOf(t, o.tenant, s.bob.id)).sort()).toEqual([o.defaultGroup, s.group.id].sort());
    // the user cannot sign in, and their token is refused, until the end
    const signIn = await new TestClient(t.app).request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: 'own-transfers', login: s.alice.email, password: USER_PASSWORD },
    });
    expect(signIn.statusCode).toBe(401);
    expect(signIn.json().code).toBe('auth.invalid_credentials');
    expect((await TestClient.withToken(t.app, token).get('/api/v1/me')).statusCode).toBe(401);
    const failed = (await o.admin.get(`${s.T}/audit?action=auth.login.failed&targetId=${s.alice.id}`)).json();
    expect(failed.items[0].after.reason).toBe('sign_in_blocked_by_transfer');
    expect((await o.admin.get(`${s.T}/users/${s.alice.id}`)).json().signInBlockedUntil).toBe(transfer.endsAt);

    t.clock.set(new Date(new Date(transfer.endsAt).getTime() + 60_000));
    await runStep(t, o.tenant, transfer.id, 'end');
    await runStep(t, o.tenant, transfer.id, 'end');
    expect((await o.admin.get(`${s.T}/transfers/${transfer.id}`)).json().status).toBe('completed');
    expect(await ownedBy(o, s.bob.id)).toEqual([`job:job ${n}`]);
    expect(await ownedBy(o, s.alice.id)).toEqual(ALL_OF_ALICE(n).filter((x) => !x.startsWith('job:')));
    expect((await o.admin.get(`${s.T}/users/${s.bob.id}/shared`)).json().items).toEqual([]);
    expect(await groupIdsOf(t, o.tenant, s.bob.id)).toEqual([o.defaultGroup]);
    expect((await TestClient.withToken(t.app, token).get('/api/v1/me')).statusCode).toBe(200);
    const ended = (
      await o.admin.get(`${s.T}/audit?action=ownership.transfer_ended&targetId=${s.alice.id}`)
    ).json();
    expect(ended.items).toHaveLength(1);
  });

  it('cancelled before its start, nothing moves; cancelled during it, it moves back as at the end', async () => {
    const s = await scenario(t, o);
    const n = s.group.name.split(' ')[1]!;
    const later = (
      await o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
        kind: 'duration',
        recipientId: s.bob.id,
        start: berlin(t, 2, 9),
        end: berlin(t, 4, 9),
      })
    ).json();
    expect(later.status).toBe('scheduled');
    expect((await o.admin.post(`${s.T}/transfers/${later.id}/cancel`)).json().status).toBe('cancelled');
    t.clock.advance(5 * DAY);
    await runStep(t, o.tenant, later.id, 'start');
    await runStep(t, o.tenant, later.id, 'end');
    expect(await ownedBy(o, s.bob.id)).toEqual([]);

    const now = (
      await o.admin.post(`${s.T}/users/${s.alice.id}/transfers`, {
        kind: 'duration',
        recipientId: s.bob.id,
        end: berlin(t, 3, 9),
        blockSignIn: true,
      })
    ).json();
    expect(await ownedBy(o, s.bob.id)).toHaveLength(3);
    // someone hands the form to a third person meanwhile: the end leaves that alone
    const carol = (
      await o.admin.post(`${s.T}/users`, {
        firstName: 'Carol',
        lastName: `Third${n}`,
        email: `carol${n}@own.test`,
      })
    ).json();
    const moved = await o.admin.post(`${s.T}/ownerships/form/${s.form.id}/owner`, { ownerId: carol.id });
    expect(moved.statusCode, moved.body).toBe(200);
    t.clock.advance(DAY);
    const cancelled = await o.admin.post(`${s.T}/transfers/${now.id}/cancel`);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    expect(cancelled.json().outcome.kept).toEqual([
      { type: 'form', id: s.form.id, name: `form ${n}`, why: 'owner_changed_since' },
    ]);
    expect(await ownedBy(o, s.bob.id)).toEqual([`job:job ${n}`]);
    expect(await ownedBy(o, carol.id)).toEqual([`form:form ${n}`]);
    expect((await o.admin.get(`${s.T}/users/${s.alice.id}`)).json()).toMatchObject({
      signInBlockedUntil: null,
      pendingChange: null,
    });
    // and its end job, firing later, finds it cancelled
    t.clock.advance(3 * DAY);
    await runStep(t, o.tenant, now.id, 'end');
    expect((await o.admin.get(`${s.T}/transfers/${now.id}`)).json().status).toBe('cancelled');
  });
});
