import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowEngineOf } from '../../src/modules/flows/engine.ts';
import { TestClock } from '../../src/platform/clock.ts';
import { createTestApp, PROVIDER_SLUG, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser, roleId, signIn } from '../helpers/fixtures.ts';

/**
 * What a run may do is bounded like a person's request: rule 13 (a run grants and takes away no
 * more than whoever started it could; publishing needs what the steps do), rule 14 (no one puts
 * themselves through a flow that takes their access, directly, by their own leave date, or by
 * moving or stopping such a run), data scope (runs and step parameters are seen as the users are)
 * and dates typed in the past (a run that would do everything at once takes an explicit yes).
 */
let t: TestApp;
let api: TestClient;
let tenant: string;
const SLUG = 'guard-co';
const tpl = (path = '') => `/api/v1/tenants/${tenant}/flow-templates${path}`;
const runs = (path = '') => `/api/v1/tenants/${tenant}/flow-runs${path}`;
const users = (path = '') => `/api/v1/tenants/${tenant}/users${path}`;
const audit = (query: string) => `/api/v1/tenants/${tenant}/audit?${query}`;

async function template(body: Record<string, unknown>, client = api, path = tpl()) {
  const res = await client.post(path, { name: `T${Math.random().toString(36).slice(2, 7)}`, ...body });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().id as string;
}
async function at(iso: string) {
  t.clock.set(new Date(iso));
  await flowEngineOf(t.rollcall.platform).settle();
}
const roleNames = async (userId: string) =>
  ((await api.get(users(`/${userId}`))).json().roles as Array<{ name: string }>).map((r) => r.name).sort();

beforeAll(async () => {
  t = await createTestApp({ clock: new TestClock(new Date('2027-03-01T12:00:00Z')) });
  // a token: no idle timeout while the clock moves by days
  api = TestClient.withToken(
    t.app,
    (await t.admin.post('/api/v1/me/tokens', { name: 'guards' })).json().token,
  );
  tenant = (
    await api.post('/api/v1/tenants', { name: 'Guard Co', slug: SLUG, settings: { timeZone: 'UTC' } })
  ).json().id;
});
afterAll(async () => {
  await t?.close();
});

describe('rule 13: a run grants and takes away no more than its initiator could', () => {
  it('a Help Desk run cannot strip a Tenant Admin’s role; an administrator’s retry carries it on', async () => {
    await apiCreateUser(api, tenant, {
      email: 'hd@guard.test',
      roleIds: [await roleId(api, tenant, 'help_desk')],
    });
    const hd = await signIn(t.app, SLUG, 'hd@guard.test');
    const tess = await apiCreateUser(api, tenant, {
      firstName: 'Tess',
      lastName: 'Admin',
      roleIds: [await roleId(api, tenant, 'user'), await roleId(api, tenant, 'tenant_admin')],
    });
    const id = await template({
      event: 'onboarding',
      steps: [{ action: 'remove_roles', when: { offsetDays: 0, timeOfDay: '09:00' } }],
    });
    // the preview says so before anything starts
    const preview = (
      await hd.post(runs(), { templateId: id, userId: tess.id, eventDate: '2027-03-10', dryRun: true })
    ).json();
    expect(preview.timeline[0].refusal).toMatch(/^Would be refused for you: taking away Tenant Admin/);
    expect(
      (
        await api.post(runs(), { templateId: id, userId: tess.id, eventDate: '2027-03-10', dryRun: true })
      ).json().timeline[0].refusal,
    ).toBeNull();
    const started = await hd.post(runs(), { templateId: id, userId: tess.id, eventDate: '2027-03-10' });
    expect(started.statusCode).toBe(201);
    await at('2027-03-10T09:00:00Z');
    const failed = (await api.get(runs(`/${started.json().id}`))).json();
    expect(failed.status).toBe('failed');
    expect(failed.steps[0]).toMatchObject({ status: 'failed', errorCode: 'role.ceiling' });
    expect(await roleNames(tess.id)).toEqual(['Tenant Admin', 'User']);

    // the Super Admin retries: from now on the run answers to their ceiling
    const retried = await api.post(runs(`/${started.json().id}/retry`), {});
    expect(retried.statusCode).toBe(200);
    await flowEngineOf(t.rollcall.platform).settle();
    expect((await api.get(runs(`/${started.json().id}`))).json().status).toBe('completed');
    expect(await roleNames(tess.id)).toEqual(['User']);
  });

  it('a run a date change starts holds the ceiling of whoever changed the date', async () => {
    t.clock.set(new Date('2027-03-10T12:00:00Z'));
    const hd = await signIn(t.app, SLUG, 'hd@guard.test');
    const id = await template({
      steps: [{ action: 'remove_roles', when: { offsetDays: 0, timeOfDay: '09:00' } }],
    });
    await api.put(`/api/v1/tenants/${tenant}/flow-settings`, { autoStart: { offboarding: id } });
    const tom = await apiCreateUser(api, tenant, {
      firstName: 'Tom',
      lastName: 'Admin',
      roleIds: [await roleId(api, tenant, 'user'), await roleId(api, tenant, 'tenant_admin')],
    });
    expect((await hd.patch(users(`/${tom.id}`), { leaveDate: '2027-03-20' })).statusCode).toBe(200);
    const run = (await api.get(runs(`?userId=${tom.id}`))).json().items[0];
    expect(run).toMatchObject({ trigger: 'event_date', status: 'scheduled' });
    await at('2027-03-20T09:00:00Z');
    expect((await api.get(runs(`/${run.id}`))).json().steps[0]).toMatchObject({
      status: 'failed',
      errorCode: 'role.ceiling',
    });
    expect(await roleNames(tom.id)).toEqual(['Tenant Admin', 'User']);
    await api.put(`/api/v1/tenants/${tenant}/flow-settings`, { autoStart: { offboarding: null } });
  });

  it('publishing needs every permission the template’s steps stand for', async () => {
    const publisher = (
      await api.post(`/api/v1/tenants/${t.providerId}/roles`, {
        name: 'Flow publisher',
        permissions: [
          'console.access',
          'tenants.read',
          'flows.read',
          'flows.templates.manage',
          'users.suspend',
        ],
        customerAccess: 'all',
      })
    ).json();
    expect(publisher).toMatchObject({ name: 'Flow publisher' });
    await apiCreateUser(api, t.providerId, { email: 'pub@provider.test', roleIds: [publisher.id] });
    const pub = await signIn(t.app, PROVIDER_SLUG, 'pub@provider.test');
    const source = await template(
      {
        steps: [
          { action: 'suspend', when: { offsetDays: 0, timeOfDay: '09:00' } },
          { action: 'remove', when: { offsetDays: 30, timeOfDay: '09:00' } },
        ],
      },
      api,
      `/api/v1/tenants/${t.providerId}/flow-templates`,
    );
    const res = await pub.post(`/api/v1/tenants/${t.providerId}/flow-templates/${source}/publish`, {
      tenantIds: [tenant],
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({
      code: 'flow_template.ceiling',
      details: { missing: ['users.remove'] },
    });
    expect(
      (await api.get(tpl()))
        .json()
        .items.some((x: { source: { templateId: string } | null }) => x.source?.templateId === source),
    ).toBe(false);
  });
});

describe('rule 14: no one puts themselves through a flow that takes their access', () => {
  it('refuses a run on oneself with a step that suspends, even outside offboarding; a harmless one is fine', async () => {
    const hd = await apiCreateUser(api, tenant, {
      email: 'hd2@guard.test',
      roleIds: [await roleId(api, tenant, 'help_desk')],
    });
    const client = await signIn(t.app, SLUG, 'hd2@guard.test');
    const harsh = await template({
      event: 'onboarding',
      steps: [
        {
          action: 'set_attribute',
          when: { offsetDays: 0, timeOfDay: '09:00' },
          params: { attribute: 'custom.badge', value: 'returned' },
        },
        { action: 'suspend', when: { offsetDays: 0, timeOfDay: '10:00' } },
      ],
    });
    const res = await client.post(runs(), { templateId: harsh, userId: hd.id, eventDate: '2027-04-01' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'flow_run.self', details: { actions: ['suspend sign-in'] } });
    // the preview is refused too: the run could not be started
    expect(
      (
        await client.post(runs(), { templateId: harsh, userId: hd.id, eventDate: '2027-04-01', dryRun: true })
      ).json().code,
    ).toBe('flow_run.self');
    const mild = await template({
      event: 'onboarding',
      steps: [
        {
          action: 'set_attribute',
          when: { offsetDays: 0, timeOfDay: '09:00' },
          params: { attribute: 'custom.badge', value: 'issued' },
        },
      ],
    });
    expect(
      (await client.post(runs(), { templateId: mild, userId: hd.id, eventDate: '2027-04-01' })).statusCode,
    ).toBe(201);
  });

  it('one’s own leave date does not start the tenant’s offboarding on oneself; it is audited why', async () => {
    const offboarding = await template({
      steps: [{ action: 'suspend', when: { offsetDays: 0, timeOfDay: '17:00' } }],
    });
    await api.put(`/api/v1/tenants/${tenant}/flow-settings`, { autoStart: { offboarding } });
    const tara = await apiCreateUser(api, tenant, {
      email: 'tara@guard.test',
      roleIds: [await roleId(api, tenant, 'tenant_admin')],
    });
    const client = await signIn(t.app, SLUG, 'tara@guard.test');
    const res = await client.patch(users(`/${tara.id}`), { leaveDate: '2027-06-30' });
    expect(res.statusCode).toBe(200);
    expect(res.json().leaveDate).toBe('2027-06-30');
    expect((await api.get(runs(`?userId=${tara.id}`))).json().items).toEqual([]);
    const [event] = (await api.get(audit(`action=flow_run.not_started&targetId=${tara.id}`))).json().items;
    expect(event).toMatchObject({
      action: 'flow_run.not_started',
      after: { reason: 'self', eventDate: '2027-06-30' },
    });
    expect((await api.get(runs(`/held-back?userId=${tara.id}`))).json().items).toEqual([
      expect.objectContaining({ reason: 'self', eventDate: '2027-06-30', by: event.actor.label }),
    ]);

    // another administrator's change does start it; then Tara can neither move nor cancel it
    await api.patch(users(`/${tara.id}`), { leaveDate: '2027-07-01' });
    const run = (await api.get(runs(`?userId=${tara.id}`))).json().items[0];
    expect(run).toMatchObject({ status: 'scheduled', trigger: 'event_date', eventDate: '2027-07-01' });
    expect((await client.post(runs(`/${run.id}/cancel`), {})).json().code).toBe('flow_run.self');
    expect((await client.post(runs(`/${run.id}/reschedule`), { eventDate: '2027-12-31' })).json().code).toBe(
      'flow_run.self',
    );
    const own = await client.patch(users(`/${tara.id}`), { leaveDate: null });
    expect(own.json().code).toBe('flow_run.self');
    // refused whole: the date did not change either
    expect((await api.get(users(`/${tara.id}`))).json().leaveDate).toBe('2027-07-01');
    await api.post(runs(`/${run.id}/cancel`), {});
    await api.put(`/api/v1/tenants/${tenant}/flow-settings`, { autoStart: { offboarding: null } });
  });
});

describe('data scope: runs and step parameters are seen as the users are', () => {
  it('a Technician sees the runs of the users they manage, and no step parameters', async () => {
    const tech = await apiCreateUser(api, tenant, {
      email: 'tech@guard.test',
      roleIds: [await roleId(api, tenant, 'technician')],
    });
    const mine = await apiCreateUser(api, tenant, { firstName: 'Mo', lastName: 'Managed' });
    const other = await apiCreateUser(api, tenant, { firstName: 'Ola', lastName: 'Other' });
    await api.put(users(`/${mine.id}/managers`), { managerIds: [tech.id] });
    const id = await template({
      event: 'onboarding',
      steps: [
        {
          action: 'send_email',
          when: { offsetDays: 0, timeOfDay: '09:00' },
          params: {
            to: 'address',
            address: 'it@guard.test',
            subject: 'Welcome {{firstName}}',
            body: 'Secret plan',
          },
        },
      ],
    });
    const runOfMine = (
      await api.post(runs(), { templateId: id, userId: mine.id, eventDate: '2027-08-01' })
    ).json();
    const runOfOther = (
      await api.post(runs(), { templateId: id, userId: other.id, eventDate: '2027-08-01' })
    ).json();
    const client = await signIn(t.app, SLUG, 'tech@guard.test');

    const listed = (await client.get(runs('?status=all'))).json().items.map((r: { id: string }) => r.id);
    expect(listed).toContain(runOfMine.id);
    expect(listed).not.toContain(runOfOther.id);
    expect((await client.get(runs(`/${runOfMine.id}`))).statusCode).toBe(200);
    const hidden = await client.get(runs(`/${runOfOther.id}`));
    expect(hidden.json().code).toBe('user.out_of_scope');
    expect((await client.post(runs(`/${runOfOther.id}/cancel`), {})).json().code).toBe('user.out_of_scope');
    expect(
      (await client.post(runs(`/${runOfOther.id}/reschedule`), { eventDate: '2027-08-02' })).json().code,
    ).toBe('user.out_of_scope');
    expect((await client.post(runs(`/${runOfOther.id}/retry`), {})).json().code).toBe('user.out_of_scope');
    expect((await client.get(runs(`/held-back?userId=${other.id}`))).json().code).toBe('user.out_of_scope');

    const seen = (await client.get(tpl(`/${id}`))).json();
    expect(seen.steps[0]).toMatchObject({ action: 'send_email', whenLabel: expect.any(String) });
    expect(seen.steps[0]).not.toHaveProperty('params');
    expect((await api.get(tpl(`/${id}`))).json().steps[0].params).toMatchObject({ address: 'it@guard.test' });
  });
});

describe('dates in the past: a run that would do everything at once takes an explicit yes', () => {
  const steps = [
    {
      action: 'set_attribute',
      when: { offsetDays: -7, timeOfDay: '09:00' },
      params: { attribute: 'custom.x', value: '1' },
    },
    { action: 'suspend', when: { offsetDays: 0, timeOfDay: '17:00' } },
  ];

  it('refuses a start whose steps are more than a day past unless allowPastSteps; the preview marks them', async () => {
    t.clock.set(new Date('2027-03-10T12:00:00Z'));
    const id = await template({ steps });
    const pat = await apiCreateUser(api, tenant, { firstName: 'Pat', lastName: 'Past' });
    const preview = (
      await api.post(runs(), { templateId: id, userId: pat.id, eventDate: '2026-03-01', dryRun: true })
    ).json();
    expect(preview.timeline.map((s: { overdue: boolean }) => s.overdue)).toEqual([true, true]);
    const refused = await api.post(runs(), { templateId: id, userId: pat.id, eventDate: '2026-03-01' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      code: 'flow_run.past_steps',
      details: { graceHours: 24, steps: [{ position: 1 }, { position: 2 }] },
    });
    expect((await api.get(runs(`?userId=${pat.id}`))).json().items).toEqual([]);
    // this morning's step is within the grace: it runs at once without asking
    const near = await api.post(runs(), { templateId: id, userId: pat.id, eventDate: '2027-03-17' });
    expect(near.statusCode).toBe(201);
    await api.post(runs(`/${near.json().id}/cancel`), {});
    const confirmed = await api.post(runs(), {
      templateId: id,
      userId: pat.id,
      eventDate: '2026-03-01',
      allowPastSteps: true,
    });
    expect(confirmed.statusCode).toBe(201);
    await flowEngineOf(t.rollcall.platform).settle();
    expect((await api.get(runs(`/${confirmed.json().id}`))).json().status).toBe('completed');
  });

  it('a leave date still to come starts the run even when its early steps are days late', async () => {
    t.clock.set(new Date('2027-03-10T12:00:00Z'));
    const offboarding = await template({ steps });
    await api.put(`/api/v1/tenants/${tenant}/flow-settings`, { autoStart: { offboarding } });
    const sam = await apiCreateUser(api, tenant, { firstName: 'Sam', lastName: 'Soon' });
    // the -7 d step was due on the 8th: two days late, it runs now; the leave itself is on the 15th
    expect((await api.patch(users(`/${sam.id}`), { leaveDate: '2027-03-15' })).statusCode).toBe(200);
    const run = (await api.get(runs(`?userId=${sam.id}`))).json().items[0];
    expect(run.eventDate).toBe('2027-03-15');
    expect(['scheduled', 'running']).toContain(run.status);
    // moving it two days earlier, still ahead, asks nothing either
    expect((await api.patch(users(`/${sam.id}`), { leaveDate: '2027-03-13' })).statusCode).toBe(200);
    expect((await api.get(runs(`/${run.id}`))).json().eventDate).toBe('2027-03-13');
    // yesterday's leave is catching up, not a typo
    const yes = await apiCreateUser(api, tenant, { firstName: 'Yan', lastName: 'Yesterday' });
    expect((await api.patch(users(`/${yes.id}`), { leaveDate: '2027-03-09' })).statusCode).toBe(200);
    expect((await api.get(runs(`?userId=${yes.id}`))).json().items).toHaveLength(1);
    await flowEngineOf(t.rollcall.platform).settle();
    await api.put(`/api/v1/tenants/${tenant}/flow-settings`, { autoStart: { offboarding: null } });
  });

  it('a leave date typed in the past does not auto-run the offboarding; moving an active run there asks first', async () => {
    const offboarding = await template({ steps });
    await api.put(`/api/v1/tenants/${tenant}/flow-settings`, { autoStart: { offboarding } });
    const ray = await apiCreateUser(api, tenant, { firstName: 'Ray', lastName: 'Typo' });
    const typo = await api.patch(users(`/${ray.id}`), { leaveDate: '2020-06-30' });
    expect(typo.statusCode).toBe(200);
    expect((await api.get(runs(`?userId=${ray.id}`))).json().items).toEqual([]);
    expect((await api.get(users(`/${ray.id}`))).json().status).toBe('active');
    const [event] = (await api.get(audit(`action=flow_run.not_started&targetId=${ray.id}`))).json().items;
    expect(event.after).toMatchObject({ reason: 'past_steps', eventDate: '2020-06-30' });
    // the user's page is told, until the date changes or a run of it starts
    expect((await api.get(runs(`/held-back?userId=${ray.id}`))).json().items).toEqual([
      expect.objectContaining({
        event: 'offboarding',
        eventDate: '2020-06-30',
        reason: 'past_steps',
        pastStepCount: 2,
      }),
    ]);

    await api.patch(users(`/${ray.id}`), { leaveDate: '2027-06-30' });
    expect((await api.get(runs(`/held-back?userId=${ray.id}`))).json().items).toEqual([]);
    const run = (await api.get(runs(`?userId=${ray.id}`))).json().items[0];
    expect(run.status).toBe('scheduled');
    // a person moving the date into the past is refused whole, the date stays
    const back = await api.patch(users(`/${ray.id}`), { leaveDate: '2020-06-30' });
    expect(back.statusCode).toBe(409);
    expect(back.json().code).toBe('flow_run.past_steps');
    expect((await api.get(users(`/${ray.id}`))).json().leaveDate).toBe('2027-06-30');
    const moved = await api.post(runs(`/${run.id}/reschedule`), { eventDate: '2020-06-30' });
    expect(moved.json().code).toBe('flow_run.past_steps');
    const yes = await api.post(runs(`/${run.id}/reschedule`), {
      eventDate: '2020-06-30',
      allowPastSteps: true,
    });
    expect(yes.statusCode).toBe(200);
    expect(yes.json().eventDate).toBe('2020-06-30');
    await api.put(`/api/v1/tenants/${tenant}/flow-settings`, { autoStart: { offboarding: null } });
  });
});
