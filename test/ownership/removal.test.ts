import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../src/platform/clock.ts';
import { createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser, roleId, USER_PASSWORD } from '../helpers/fixtures.ts';
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
let T: string;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestApp({ clock: new TestClock(new Date('2031-06-02T07:40:00Z')) });
  o = await ownershipTenant(t, 'own-removal');
  T = `/api/v1/tenants/${o.tenant}`;
});
afterAll(async () => {
  await t?.close();
});

const remove = (userId: string, body: Record<string, unknown> = {}) =>
  o.admin.post(`${T}/users/${userId}/remove`, body);
const audits = async (action: string, targetId: string) =>
  (await o.admin.get(`${T}/audit?action=${action}&targetId=${targetId}`)).json().items as Array<{
    after: any;
  }>;

describe('rule 19: removal, immediate', () => {
  it('needs a recipient when the user owns anything; the preview lists what moves and warns about workflows shared with nobody', async () => {
    const s = await scenario(t, o);
    const other = (
      await o.admin.post(`${T}/resources`, {
        type: 'workflow',
        externalId: `shared-${s.alice.id}`,
        name: 'Shared flow',
        ownerId: s.alice.id,
      })
    ).json();
    await o.admin.put(`${T}/resources/${other.id}/shares/${s.bob.id}`, { level: 'view' });
    const refused = await remove(s.alice.id);
    expect(refused.statusCode).toBe(412);
    expect(refused.json()).toMatchObject({ code: 'user.transfer_recipient_required', details: { owned: 6 } });
    const preview = await remove(s.alice.id, { preview: true });
    expect(preview.statusCode, preview.body).toBe(200);
    const { plan } = preview.json();
    expect(preview.json()).toMatchObject({ status: 'active', changed: false });
    expect(plan.recipientRequired).toBe(true);
    expect(plan.owned.map((k: { type: string }) => k.type)).toEqual([
      'group',
      'license',
      'default_group_member',
      'workflow',
      'job',
      'form',
    ]);
    const warning = plan.warnings.find((w: { code: string }) => w.code === 'workflows_shared_with_nobody');
    expect(warning.items).toEqual([{ id: s.workflow.id, name: s.workflow.name }]);
    expect((await o.admin.get(`${T}/users/${s.alice.id}`)).json().status).toBe('active');
  });

  it('moves everything to the recipient, ends sessions and tokens, frees the licence, removes — all at once', async () => {
    const s = await scenario(t, o);
    const n = s.group.name.split(' ')[1]!;
    const session = new TestClient(t.app);
    await session.login('own-removal', s.alice.email!, USER_PASSWORD);
    const token = TestClient.withToken(
      t.app,
      (await session.post('/api/v1/me/tokens', { name: 'cli' })).json().token,
    );
    const dana = await apiCreateUser(o.admin, o.tenant, { firstName: 'Dana', lastName: `Sharer${n}` });
    const danas = (
      await o.admin.post(`${T}/resources`, {
        type: 'form',
        externalId: `dana-${n}`,
        name: `Dana form ${n}`,
        ownerId: dana.id,
      })
    ).json();
    await o.admin.put(`${T}/resources/${danas.id}/shares/${s.alice.id}`, { level: 'edit' });
    const res = await remove(s.alice.id, { transferTo: s.bob.id });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'removed', changed: true, scheduled: null });
    expect(await ownedBy(o, s.bob.id)).toEqual(
      [
        `default_group_member:Support ${n}`,
        `form:form ${n}`,
        `group:Support ${n}`,
        `job:job ${n}`,
        'license:People licence',
        `workflow:workflow ${n}`,
      ].sort(),
    );
    expect((await groupIdsOf(t, o.tenant, s.bob.id)).sort()).toEqual([o.defaultGroup, s.group.id].sort());
    // the access shared with the user goes to the recipient too
    expect((await o.admin.get(`${T}/users/${s.bob.id}/shared`)).json().items[0]).toMatchObject({
      resource: { id: danas.id },
      level: 'edit',
    });
    expect((await session.get('/api/v1/me')).statusCode).toBe(401);
    expect((await token.get('/api/v1/me')).statusCode).toBe(401);
    const [event] = await audits('user.removed', s.alice.id);
    expect(event!.after).toMatchObject({
      status: 'removed',
      transferredTo: s.bob.id,
      endedSessions: 1,
      revokedTokens: 1,
    });
    expect(event!.after.moved.counts).toMatchObject({
      group: 1,
      license: 1,
      workflow: 1,
      membership: 1,
      access: 1,
    });
    const again = await remove(s.alice.id, { transferTo: s.bob.id });
    expect(again.json()).toMatchObject({ status: 'removed', changed: false });
  });

  it('the same user removed twice at once is removed once', async () => {
    const s = await scenario(t, o);
    const [a, b] = await Promise.all([
      remove(s.alice.id, { transferTo: s.bob.id }),
      remove(s.alice.id, { transferTo: s.bob.id }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect([a.json().changed, b.json().changed].sort()).toEqual([false, true]);
    expect(await audits('user.removed', s.alice.id)).toHaveLength(1);
  });

  it('ends the pending changes that involve the user first', async () => {
    const s = await scenario(t, o);
    const n = s.group.name.split(' ')[1]!;
    const carol = await apiCreateUser(o.admin, o.tenant, { firstName: 'Carol', lastName: `Leave${n}` });
    const carolsForm = (
      await o.admin.post(`${T}/resources`, {
        type: 'form',
        externalId: `carol-${n}`,
        name: `Carol form ${n}`,
        ownerId: carol.id,
      })
    ).json();
    // Carol is on leave and Alice covers for her; Alice also has her own transfer scheduled
    const cover = (
      await o.admin.post(`${T}/users/${carol.id}/transfers`, {
        kind: 'duration',
        recipientId: s.alice.id,
        end: berlin(t, 10, 9),
      })
    ).json();
    expect(cover.status).toBe('active');
    const own = (
      await o.admin.post(`${T}/users/${s.alice.id}/transfers`, {
        kind: 'one_time',
        recipientId: s.bob.id,
        at: berlin(t, 5, 9),
      })
    ).json();
    expect((await remove(s.alice.id, { transferTo: s.bob.id })).statusCode).toBe(200);
    expect((await o.admin.get(`${T}/transfers/${own.id}`)).json()).toMatchObject({
      status: 'cancelled',
      outcome: { reason: 'user_removed' },
    });
    expect((await o.admin.get(`${T}/transfers/${cover.id}`)).json()).toMatchObject({
      status: 'cancelled',
      outcome: { reason: 'recipient_removed' },
    });
    // Carol's form came back to her instead of going on to Bob
    expect(await ownedBy(o, carol.id)).toEqual([`form:${carolsForm.name}`]);
  });
});

describe('rule 19: removal, scheduled for a date and hour', () => {
  it('shows the clock marker, can be cancelled before, and runs once at its hour', async () => {
    const s = await scenario(t, o);
    const at = berlin(t, 1, 18);
    const res = await remove(s.alice.id, { when: 'scheduled', at, transferTo: s.bob.id });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'active',
      changed: true,
      scheduled: { kind: 'removal', status: 'scheduled', start: at },
    });
    const first = res.json().scheduled;
    // 18:00 in Berlin in June (CEST) is 16:00 UTC
    expect(first.startsAt).toBe(`${at.date}T16:00:00.000Z`);
    const listed = (await o.admin.get(`${T}/users?q=${s.alice.lastName}`)).json().items[0];
    expect(listed.pendingChange).toMatchObject({ kind: 'removal', recipient: { id: s.bob.id } });
    const twice = await remove(s.alice.id, { when: 'scheduled', at, transferTo: s.bob.id });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('transfer.already_pending');
    expect((await o.admin.post(`${T}/transfers/${first.id}/cancel`)).json().status).toBe('cancelled');
    expect((await o.admin.get(`${T}/users/${s.alice.id}`)).json().pendingChange).toBeNull();
    expect(await audits('user.removal_cancelled', s.alice.id)).toHaveLength(1);

    const again = (await remove(s.alice.id, { when: 'scheduled', at, transferTo: s.bob.id })).json()
      .scheduled;
    t.clock.set(new Date(again.startsAt));
    await runStep(t, o.tenant, again.id, 'removal');
    await runStep(t, o.tenant, again.id, 'removal');
    expect((await o.admin.get(`${T}/transfers/${again.id}`)).json()).toMatchObject({
      status: 'completed',
      cancellable: false,
    });
    expect((await o.admin.get(`${T}/users/${s.alice.id}`)).statusCode).toBe(404);
    expect(await ownedBy(o, s.bob.id)).toHaveLength(6);
    const removed = await audits('user.removed', s.alice.id);
    expect(removed).toHaveLength(1);
    expect(removed[0]!.after.scheduledRemovalId).toBe(again.id);
    expect((await o.admin.post(`${T}/transfers/${again.id}/cancel`)).json().code).toBe(
      'transfer.already_run',
    );
  });

  it('refuses what would fail later: no recipient, the last Super Admin, oneself, a past hour', async () => {
    const s = await scenario(t, o);
    const at = berlin(t, 2, 9);
    expect((await remove(s.alice.id, { when: 'scheduled', at })).json().code).toBe(
      'user.transfer_recipient_required',
    );
    expect(
      (await remove(s.alice.id, { when: 'scheduled', at: berlin(t, -1, 9), transferTo: s.bob.id })).json()
        .code,
    ).toBe('transfer.in_the_past');
    expect((await remove(s.alice.id, { when: 'scheduled', transferTo: s.bob.id })).json().code).toBe(
      'request.invalid',
    );
    const boss = await apiCreateUser(o.admin, o.tenant, {
      firstName: 'Only',
      lastName: 'Boss',
      roleIds: [await roleId(o.admin, o.tenant, 'super_admin')],
    });
    const last = await remove(boss.id, { when: 'scheduled', at });
    expect(last.statusCode).toBe(409);
    expect(last.json().code).toBe('tenant.last_super_admin');
    const bossClient = new TestClient(t.app);
    await bossClient.login('own-removal', boss.email!, USER_PASSWORD);
    const self = await bossClient.post(`${T}/users/${boss.id}/remove`, { when: 'scheduled', at });
    expect(self.json().code).toBe('user.self_action');
  });

  it('fails on record, changing nothing, when a rule refuses it at its hour', async () => {
    const s = await scenario(t, o);
    const scheduled = (
      await remove(s.alice.id, { when: 'scheduled', at: berlin(t, 1, 9), transferTo: s.bob.id })
    ).json().scheduled;
    await o.admin.post(`${T}/users/${s.bob.id}/suspend`);
    t.clock.advance(DAY);
    await runStep(t, o.tenant, scheduled.id, 'removal');
    expect((await o.admin.get(`${T}/transfers/${scheduled.id}`)).json()).toMatchObject({
      status: 'failed',
      failure: { code: 'user.invalid_recipient' },
    });
    expect((await o.admin.get(`${T}/users/${s.alice.id}`)).json()).toMatchObject({
      status: 'active',
      pendingChange: null,
    });
    expect(await ownedBy(o, s.alice.id)).toHaveLength(6);
    expect(await audits('user.removal_failed', s.alice.id)).toHaveLength(1);
  });

  it('two schedules at once: one wins, the other is refused', async () => {
    const s = await scenario(t, o);
    const at = berlin(t, 3, 9);
    const results = await Promise.all([
      remove(s.alice.id, { when: 'scheduled', at, transferTo: s.bob.id }),
      remove(s.alice.id, { when: 'scheduled', at, transferTo: s.bob.id }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const open = (await o.admin.get(`${T}/transfers?status=open`))
      .json()
      .items.filter((x: { user: { id: string } }) => x.user.id === s.alice.id);
    expect(open).toHaveLength(1);
  });
});
