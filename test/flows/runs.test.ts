import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowEngineOf } from '../../src/modules/flows/engine.ts';
import { TestClock } from '../../src/platform/clock.ts';
import { ADMIN_EMAIL, createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser, roleId, signIn, USER_PASSWORD } from '../helpers/fixtures.ts';
import { startWebhookReceiver } from '../helpers/flow-webhook-receiver.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

/**
 * Rule 23 and the actions of rule 21, executed: runs under an injected clock, each step at its
 * instant, as a chain, exactly as the run (audit), with retries, failures, conditions, cancel,
 * reschedule by leave date, a real SMTP server and a real webhook receiver checking the signature.
 */
let t: TestApp;
let api: TestClient;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let tenant: string;
const SLUG = 'runs-co';
const tpl = (path = '') => `/api/v1/tenants/${tenant}/flow-templates${path}`;
const runs = (path = '') => `/api/v1/tenants/${tenant}/flow-runs${path}`;
const users = (path = '') => `/api/v1/tenants/${tenant}/users${path}`;

/** Moves the injected clock forward and lets the engine do what became due. */
async function at(iso: string) {
  t.clock.set(new Date(iso));
  await flowEngineOf(t.rollcall.platform).settle();
}
const getRun = async (id: string) => (await api.get(runs(`/${id}`))).json();
const statuses = (run: { steps: Array<{ status: string }> }) => run.steps.map((s) => s.status);

async function template(body: Record<string, unknown>) {
  const res = await api.post(tpl(), { name: `T${Math.random().toString(36).slice(2, 7)}`, ...body });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json().id as string;
}
async function start(templateId: string, userId: string, eventDate: string, extra = {}) {
  const res = await api.post(runs(), { templateId, userId, eventDate, ...extra });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json();
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  hook = await startWebhookReceiver();
  t = await createTestApp({
    env: { SMTP_URL: smtp.url },
    clock: new TestClock(new Date('2027-03-01T12:00:00Z')),
  });
  // an API token: it has no idle timeout, so the admin stays signed in while the clock moves by days
  api = TestClient.withToken(
    t.app,
    (await t.admin.post('/api/v1/me/tokens', { name: 'flow tests' })).json().token,
  );
  tenant = (await api.post('/api/v1/tenants', { name: 'Runs Co', slug: SLUG })).json().id;
  await api.put(`/api/v1/tenants/${tenant}/licenses`, { pools: [{ type: 'people', quantity: 10 }] });
  hook.setSecret((await api.get(`/api/v1/tenants/${tenant}/webhooks/secret`)).json().secret);
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
  await hook?.close();
});

describe('rule 23: a run executes its steps as a chain, each at its instant', () => {
  it('does each action at its minute, in order, as the run, and completes', async () => {
    const sales = (await api.post(`/api/v1/tenants/${tenant}/groups`, { name: 'Sales' })).json().id;
    const defaultGroup = (await api.get(`/api/v1/tenants/${tenant}/groups`))
      .json()
      .items.find((g: { isDefault: boolean }) => g.isDefault).id;
    const bob = await apiCreateUser(api, tenant, {
      firstName: 'Bob',
      lastName: 'Baker',
      email: 'bob@runs.test',
      groupIds: [defaultGroup, sales],
      roleIds: [await roleId(api, tenant, 'user'), await roleId(api, tenant, 'help_desk')],
    });
    await api.post(users(`/${bob.id}/license`), {});
    const bobClient = await signIn(t.app, SLUG, 'bob@runs.test');
    const bobToken = TestClient.withToken(
      t.app,
      (await bobClient.post('/api/v1/me/tokens', { name: 'script' })).json().token,
    );
    expect((await bobToken.get('/api/v1/me')).statusCode).toBe(200);

    const id = await template({
      steps: [
        { action: 'revoke_access', when: { offsetDays: -1, timeOfDay: '09:00' } },
        { action: 'suspend', when: { offsetDays: 0, timeOfDay: '09:00' } },
        { action: 'remove_groups', when: { offsetDays: 0, timeOfDay: '09:00' } },
        { action: 'remove_roles', when: { offsetDays: 0, timeOfDay: '09:05' } },
        { action: 'unassign_licenses', when: { offsetDays: 0, timeOfDay: '09:05' } },
        {
          action: 'set_attribute',
          when: { offsetDays: 0, timeOfDay: '09:10' },
          params: { attribute: 'custom.offboarded', value: 'yes' },
        },
        { action: 'reset_password', when: { offsetDays: 0, timeOfDay: '09:10' } },
        {
          action: 'archive',
          when: { offsetDays: 1, timeOfDay: '09:00' },
          condition: { type: 'user_status', statuses: ['suspended'] },
        },
      ],
    });
    const run = await start(id, bob.id, '2027-03-10');
    expect(run).toMatchObject({
      status: 'scheduled',
      stepCount: 8,
      doneCount: 0,
      trigger: 'manual',
      nextStep: { position: 1, dueAt: '2027-03-09T09:00:00.000Z' },
    });
    // starting the run set the leave date: it is the run's event date from now on
    expect((await api.get(users(`/${bob.id}`))).json().leaveDate).toBe('2027-03-10');

    await at('2027-03-09T08:59:59Z');
    expect(statuses(await getRun(run.id))).toEqual(Array(8).fill('pending'));
    await at('2027-03-09T09:00:00Z');
    expect(statuses(await getRun(run.id))).toEqual(['done', ...Array(7).fill('pending')]);
    expect((await bobToken.get('/api/v1/me')).statusCode).toBe(401);
    await at('2027-03-10T09:00:00Z');
    let now = await getRun(run.id);
    expect(statuses(now)).toEqual(['done', 'done', 'done', ...Array(5).fill('pending')]);
    expect(now).toMatchObject({
      status: 'running',
      nextStep: { position: 4, dueAt: '2027-03-10T09:05:00.000Z' },
    });
    await at('2027-03-10T09:10:00Z');
    await at('2027-03-11T09:00:00Z');
    now = await getRun(run.id);
    expect(now.status).toBe('completed');
    expect(statuses(now)).toEqual(Array(8).fill('done'));
    expect(now.steps.map((s: { summary: string }) => s.summary)).toEqual([
      'Sessions and API tokens ended',
      'Suspended; sessions and tokens ended',
      'Removed from 1 group: Sales',
      'Removed 1 role: Help Desk',
      'Freed the people licence',
      'Set the “offboarded” to “yes”',
      'Password replaced by a random one',
      'Archived',
    ]);
    // a chain: every step started after the one before it finished, and not before its instant
    for (const [i, s] of now.steps.entries()) {
      expect(new Date(s.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(s.dueAt).getTime());
      if (i > 0)
        expect(new Date(s.startedAt).getTime()).toBeGreaterThanOrEqual(
          new Date(now.steps[i - 1].finishedAt).getTime(),
        );
    }
    const user = (await api.get(users(`/${bob.id}`))).json();
    expect(user).toMatchObject({
      status: 'archived',
      licensed: false,
      customAttributes: { offboarded: 'yes' },
    });
    expect(user.groups.map((g: { name: string }) => g.name)).toEqual(['Default']);
    expect(user.roles.map((r: { name: string }) => r.name)).toEqual(['User']);

    // every change is in the audit trail, made by the run
    const audit = (await api.get(`/api/v1/tenants/${tenant}/audit?actorId=${run.id}&limit=50`)).json().items;
    expect(audit.map((e: { action: string }) => e.action).reverse()).toEqual([
      // starting the run set the leave date, as the run
      'user.updated',
      'user.access_revoked',
      'user.suspended',
      'user.groups_changed',
      'user.roles_changed',
      'license.unassigned',
      'user.updated',
      'user.password_changed',
      'user.archived',
      'flow_run.completed',
    ]);
    expect(audit[0].actor).toMatchObject({
      type: 'flow_run',
      id: run.id,
      label: expect.stringContaining('started by Super Admin'),
    });
    expect(audit.find((e: { action: string }) => e.action === 'user.suspended').requestId).toBe(
      `flow-run:${run.id}:step-2`,
    );
    const started = (await api.get(`/api/v1/tenants/${tenant}/audit?action=flow_run.started`)).json()
      .items[0];
    expect(started).toMatchObject({
      actor: { type: 'api_token' },
      target: { id: bob.id },
      after: { runId: run.id, templateVersion: 1 },
    });
  });

  it('a step whose instant passed while the one before it ran starts right after it; a run keeps its version', async () => {
    const ivy = await apiCreateUser(api, tenant, { firstName: 'Ivy', lastName: 'Late' });
    const id = await template({
      steps: [
        {
          action: 'set_attribute',
          when: { offsetDays: -3, timeOfDay: '08:00' },
          params: { attribute: 'custom.a', value: '1' },
        },
        {
          action: 'set_attribute',
          when: { offsetDays: -2, timeOfDay: '08:00' },
          params: { attribute: 'custom.b', value: '2' },
        },
        { action: 'revoke_access', when: { offsetDays: 5, timeOfDay: '08:00' } },
      ],
    });
    // the event is near: the first two instants have passed (long enough to need a confirmation), so
    // they run now, one after the other
    const run = await start(id, ivy.id, '2027-03-12', { allowPastSteps: true });
    await api.patch(tpl(`/${id}`), {
      steps: [{ action: 'suspend', when: { offsetDays: 0, timeOfDay: '08:00' } }],
    });
    await flowEngineOf(t.rollcall.platform).settle();
    const now = await getRun(run.id);
    expect(statuses(now)).toEqual(['done', 'done', 'pending']);
    expect(now.templateVersion).toBe(1);
    expect((await api.get(users(`/${ivy.id}`))).json().customAttributes).toEqual({ a: '1', b: '2' });
  });
});

describe('rule 23: failures, retries and the initiator', () => {
  it('a failed step stops the chain and its initiator is emailed; retry goes on from it', async () => {
    const cara = await apiCreateUser(api, tenant, { firstName: 'Cara', lastName: 'Crash' });
    hook.answer({ status: 400 });
    const id = await template({
      steps: [
        {
          action: 'webhook',
          label: 'Tell HR',
          when: { offsetDays: 0, timeOfDay: '10:00' },
          params: { url: `${hook.url}/hr`, payload: { system: 'hr' } },
        },
        { action: 'suspend', when: { offsetDays: 0, timeOfDay: '10:01' } },
      ],
    });
    const run = await start(id, cara.id, '2027-03-12');
    await at('2027-03-12T10:05:00Z');
    let now = await getRun(run.id);
    expect(now).toMatchObject({
      status: 'failed',
      failure: { position: 1, label: 'Tell HR', code: 'flow_step.webhook_refused' },
    });
    expect(statuses(now)).toEqual(['failed', 'pending']);
    expect(now.steps[0].error).toContain('400');
    const mail = await smtp.waitFor(
      (m) => m.to.includes(ADMIN_EMAIL) && m.text.includes('Tell HR') && m.text.includes('for Cara Crash'),
    );
    expect(mail.text).toContain('The steps after it will not run until someone retries it.');
    expect(mail.text).toContain(`/t/${tenant}/flow-runs/${run.id}`);
    expect((await api.get(users(`/${cara.id}`))).json().status).toBe('active');

    hook.answer({ status: 204 });
    const retried = await api.post(runs(`/${run.id}/retry`));
    expect(retried.json().status).toBe('running');
    await flowEngineOf(t.rollcall.platform).settle();
    now = await getRun(run.id);
    expect(now.status).toBe('completed');
    expect(statuses(now)).toEqual(['done', 'done']);
    const calls = hook.calls.filter((c) => c.path === '/hr');
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.signatureValid)).toBe(true);
    expect(new Set(calls.map((c) => c.headers['idempotency-key']))).toEqual(
      new Set([`rollcall-flow-${run.id}-1`]),
    );
    expect(calls[1]!.body).toMatchObject({
      type: 'flow.step',
      tenant: { name: 'Runs Co' },
      user: { firstName: 'Cara' },
      data: { system: 'hr' },
      run: { id: run.id },
    });
    expect((await api.post(runs(`/${run.id}/retry`))).json().code).toBe('flow_run.not_retryable');
  });

  it('continueOnFailure lets the chain go on past a failed step; the audit chain stays whole', async () => {
    const dan = await apiCreateUser(api, tenant, { firstName: 'Dan', lastName: 'Drift' });
    const id = await template({
      steps: [
        {
          action: 'set_attribute',
          when: { offsetDays: -1, timeOfDay: '09:00' },
          params: { attribute: 'custom.notice', value: 'given' },
        },
        {
          action: 'remove',
          when: { offsetDays: -1, timeOfDay: '09:00' },
          params: { recipient: { type: 'user', login: 'ghost@nowhere.test' } },
          continueOnFailure: true,
        },
        { action: 'suspend', when: { offsetDays: -1, timeOfDay: '09:00' } },
      ],
    });
    const run = await start(id, dan.id, '2027-03-12', { allowPastSteps: true });
    await flowEngineOf(t.rollcall.platform).settle();
    const now = await getRun(run.id);
    expect(now.status).toBe('completed');
    expect(statuses(now)).toEqual(['done', 'failed', 'done']);
    expect(now.steps[1]).toMatchObject({ errorCode: 'flow_step.recipient_not_found', attempts: 1 });
    const mail = await smtp.waitFor((m) => m.to.includes(ADMIN_EMAIL) && m.text.includes('for Dan Drift'));
    expect(mail.text).toContain('the steps after it go on');
    // the failed step's batch was done again step by step in savepoints: the chain has no gap
    expect((await api.get(`/api/v1/tenants/${tenant}/audit/verify`)).json()).toMatchObject({ ok: true });
  });

  it('a transient failure is retried with exponential backoff under the same idempotency key', async () => {
    const eve = await apiCreateUser(api, tenant, { firstName: 'Eve', lastName: 'Echo' });
    hook.answer({ status: 503 }, { status: 503 }, { status: 200 });
    const id = await template({
      steps: [
        {
          action: 'webhook',
          when: { offsetDays: 0, timeOfDay: '11:00' },
          params: { url: `${hook.url}/flaky?token=receiver-secret` },
        },
      ],
    });
    const run = await start(id, eve.id, '2027-03-12');
    await at('2027-03-12T11:00:00Z');
    let now = await getRun(run.id);
    expect(now).toMatchObject({
      status: 'running',
      nextStep: { position: 1, attempts: 1, dueAt: '2027-03-12T11:00:10.000Z' },
    });
    expect(now.steps[0]).toMatchObject({ status: 'pending', errorCode: 'flow_step.webhook_unavailable' });
    await at('2027-03-12T11:00:09Z');
    expect(hook.calls.filter((c) => c.path.startsWith('/flaky'))).toHaveLength(1);
    await at('2027-03-12T11:00:10Z');
    expect((await getRun(run.id)).nextStep).toMatchObject({ attempts: 2, dueAt: '2027-03-12T11:00:30.000Z' });
    await at('2027-03-12T11:00:30Z');
    now = await getRun(run.id);
    expect(now.status).toBe('completed');
    expect(now.steps[0]).toMatchObject({ status: 'done', attempts: 3, error: null });
    const calls = hook.calls.filter((c) => c.path.startsWith('/flaky'));
    expect(calls.map((c) => c.body.attempt)).toEqual([1, 2, 3]);
    expect(new Set(calls.map((c) => c.headers['idempotency-key'])).size).toBe(1);
    // the audit trail names where it went, not the receiver's token in the query
    const [called] = (
      await api.get(`/api/v1/tenants/${tenant}/audit?actorId=${run.id}&action=flow.webhook_called`)
    ).json().items;
    expect(called.after.url).toBe(`${hook.url}/flaky?…`);
    expect(JSON.stringify(called)).not.toContain('receiver-secret');
  });
});

describe('rule 21: emails from a template', () => {
  it('emails the managers and an address with the variables filled in, through a real SMTP server', async () => {
    const boss = await apiCreateUser(api, tenant, {
      firstName: 'Mia',
      lastName: 'Manager',
      email: 'mia@runs.test',
    });
    const fay = await apiCreateUser(api, tenant, {
      firstName: 'Fay',
      lastName: 'Farewell',
      email: 'fay@runs.test',
      jobTitle: 'Buyer',
    });
    await api.put(users(`/${fay.id}/managers`), { managerIds: [boss.id] });
    const id = await template({
      steps: [
        {
          action: 'send_email',
          when: { offsetDays: -7, timeOfDay: '09:00' },
          params: {
            to: 'managers',
            subject: '{{fullName}} leaves {{tenantName}} on {{leaveDate}}',
            body: 'Hello {{managerNames}},\n\n{{firstName}} ({{jobTitle}}) leaves on {{eventDate}}.',
          },
        },
        {
          action: 'send_email',
          when: { offsetDays: -7, timeOfDay: '09:00' },
          params: {
            to: 'address',
            address: 'it@runs.test',
            subject: 'Collect the laptop of {{fullName}}',
            body: 'By {{stepDate}}.',
          },
        },
        { action: 'suspend', when: { offsetDays: 0, timeOfDay: '09:00' } },
        {
          action: 'send_email',
          when: { offsetDays: 0, timeOfDay: '09:01' },
          params: { to: 'user', subject: 'Goodbye', body: 'Thanks, {{firstName}}.' },
        },
      ],
    });
    const run = await start(id, fay.id, '2027-03-20');
    await at('2027-03-13T09:00:00Z');
    const toBoss = await smtp.waitFor((m) => m.to.includes('mia@runs.test') && m.subject.includes('leaves'));
    expect(toBoss.subject).toBe('Fay Farewell leaves Runs Co on 2027-03-20');
    expect(toBoss.text).toContain('Hello Mia Manager,');
    expect(toBoss.text).toContain('Fay (Buyer) leaves on 2027-03-20.');
    const toIt = await smtp.waitFor((m) => m.to.includes('it@runs.test'));
    expect(toIt.text).toContain('By 2027-03-13.');
    await at('2027-03-20T09:01:00Z');
    const now = await getRun(run.id);
    expect(now.status).toBe('completed');
    // Fay is suspended by then: suspended users receive no email (rule 3)
    expect(now.steps[3].summary).toBe(
      'Emailed “Goodbye” to Fay Farewell (1 suppressed: not reachable by email)',
    );
    const events = (
      await api.get(`/api/v1/tenants/${tenant}/audit?actorId=${run.id}&action=flow.email_queued`)
    ).json().items;
    expect(events).toHaveLength(3);
  });
});

describe('rule 23: conditions, one active run, cancel, reschedule', () => {
  it('skips a step whose condition no longer holds, so a rehired user is not archived', async () => {
    const gus = await apiCreateUser(api, tenant, { firstName: 'Gus', lastName: 'Back' });
    const id = await template({
      steps: [
        { action: 'suspend', when: { offsetDays: 0, timeOfDay: '12:00' } },
        {
          action: 'archive',
          when: { offsetDays: 2, timeOfDay: '12:00' },
          condition: { type: 'user_status', statuses: ['suspended'] },
        },
        {
          action: 'revoke_access',
          when: { offsetDays: 3, timeOfDay: '12:00' },
          condition: { type: 'event_date_unchanged' },
        },
      ],
    });
    const run = await start(id, gus.id, '2027-03-22');
    await at('2027-03-22T12:00:00Z');
    await api.post(users(`/${gus.id}/reactivate`));
    // someone changes the date behind the run's back (not through Rollcall, so nothing reschedules)
    await t.ownerQuery(`update users set leave_date = '2027-06-30' where id = $1`, [gus.id]);
    await at('2027-03-25T12:00:00Z');
    const now = await getRun(run.id);
    expect(statuses(now)).toEqual(['done', 'skipped', 'skipped']);
    expect(now.steps[1].summary).toBe('Skipped: the user is active, not suspended');
    expect(now.steps[2].summary).toBe('Skipped: the date is now 2027-06-30, not 2027-03-22');
    expect((await api.get(users(`/${gus.id}`))).json().status).toBe('active');
  });

  it('allows one active offboarding run per user, never one for yourself or a removed user; cancel stops the rest', async () => {
    const hal = await apiCreateUser(api, tenant, { firstName: 'Hal', lastName: 'Halt' });
    const id = await template({
      steps: [
        {
          action: 'set_attribute',
          when: { offsetDays: 0, timeOfDay: '08:00' },
          params: { attribute: 'custom.step', value: 'one' },
        },
        { action: 'suspend', when: { offsetDays: 1, timeOfDay: '08:00' } },
      ],
    });
    const run = await start(id, hal.id, '2027-04-01');
    const again = await api.post(runs(), { templateId: id, userId: hal.id, eventDate: '2027-04-02' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'flow_run.already_active', details: { runId: run.id } });
    await at('2027-04-01T08:00:00Z');
    const cancelled = await api.post(runs(`/${run.id}/cancel`), { reason: 'Stays after all' });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', cancelReason: 'Stays after all' });
    expect(statuses(cancelled.json())).toEqual(['done', 'cancelled']);
    await at('2027-04-02T08:00:00Z');
    expect((await api.get(users(`/${hal.id}`))).json().status).toBe('active');
    expect((await api.post(runs(`/${run.id}/cancel`))).json().code).toBe('flow_run.not_active');
    // after the cancel a new run may start
    expect(
      (await api.post(runs(), { templateId: id, userId: hal.id, eventDate: '2027-05-01' })).statusCode,
    ).toBe(201);

    const me = (await api.get('/api/v1/me')).json().user.id;
    const local = (
      await api.post(`/api/v1/tenants/${t.providerId}/flow-templates`, {
        name: 'Self',
        steps: [{ action: 'suspend', when: { offsetDays: 0, timeOfDay: '09:00' } }],
      })
    ).json().id;
    const self = await api.post(`/api/v1/tenants/${t.providerId}/flow-runs`, {
      templateId: local,
      userId: me,
      eventDate: '2027-05-01',
    });
    expect(self.json().code).toBe('flow_run.self');
    const gone = await apiCreateUser(api, tenant, { firstName: 'Gone', lastName: 'Away' });
    await api.post(users(`/${gone.id}/remove`), {});
    expect(
      (await api.post(runs(), { templateId: id, userId: gone.id, eventDate: '2027-05-01' })).json().code,
    ).toBe('flow_run.user_not_eligible');
  });

  it('the tenant’s chosen template starts with a leave date; changing it reschedules, clearing it cancels', async () => {
    const id = await template({
      steps: [
        {
          action: 'set_attribute',
          when: { offsetDays: -1, timeOfDay: '09:00' },
          params: { attribute: 'custom.notice', value: 'given' },
        },
        { action: 'suspend', when: { offsetDays: 0, timeOfDay: '17:00' } },
      ],
    });
    const wrong = await api.put(`/api/v1/tenants/${tenant}/flow-settings`, { autoStart: { onboarding: id } });
    expect(wrong.json().code).toBe('flow_settings.event_mismatch');
    expect(
      (await api.put(`/api/v1/tenants/${tenant}/flow-settings`, { autoStart: { offboarding: id } })).json(),
    ).toEqual({ autoStart: { offboarding: id, onboarding: null } });
    const ida = await apiCreateUser(api, tenant, { firstName: 'Ida', lastName: 'Auto' });
    await api.patch(users(`/${ida.id}`), { leaveDate: '2027-05-10' });
    let run = (await api.get(runs(`?userId=${ida.id}`))).json().items[0];
    expect(run).toMatchObject({
      trigger: 'event_date',
      eventDate: '2027-05-10',
      status: 'scheduled',
      nextStep: { dueAt: '2027-05-09T09:00:00.000Z' },
    });
    await at('2027-05-09T09:00:00Z');
    // the leave date moves: the steps not run move with it, the one done stays done
    await api.patch(users(`/${ida.id}`), { leaveDate: '2027-05-20' });
    run = await getRun(run.id);
    expect(run.eventDate).toBe('2027-05-20');
    expect(run.steps.map((s: { status: string; dueAt: string }) => [s.status, s.dueAt])).toEqual([
      ['done', '2027-05-09T09:00:00.000Z'],
      ['pending', '2027-05-20T17:00:00.000Z'],
    ]);
    await at('2027-05-10T17:00:00Z');
    expect(statuses(await getRun(run.id))).toEqual(['done', 'pending']);
    // the explicit reschedule does the same and moves the leave date with it
    const moved = (await api.post(runs(`/${run.id}/reschedule`), { eventDate: '2027-05-25' })).json();
    expect(moved.steps[1].dueAt).toBe('2027-05-25T17:00:00.000Z');
    expect((await api.get(users(`/${ida.id}`))).json().leaveDate).toBe('2027-05-25');
    await api.patch(users(`/${ida.id}`), { leaveDate: null });
    run = await getRun(run.id);
    expect(run).toMatchObject({ status: 'cancelled', cancelReason: 'The leaveDate was cleared' });
    // the first step ran once: one change of the attribute, by the run
    const changes = (
      await api.get(`/api/v1/tenants/${tenant}/audit?actorId=${run.id}&action=user.updated`)
    ).json().items;
    expect(
      changes.filter((e: { after: Record<string, unknown> }) => 'customAttributes' in e.after),
    ).toHaveLength(1);
    await api.put(`/api/v1/tenants/${tenant}/flow-settings`, { autoStart: { offboarding: null } });
  });
});

describe('the runs monitor', () => {
  it('lists a tenant’s runs, and for the provider those of its customers', async () => {
    const own = (await api.get(`/api/v1/tenants/${t.providerId}/flow-runs`)).json().items;
    expect(own).toEqual([]);
    const across = (
      await api.get(`/api/v1/tenants/${t.providerId}/flow-runs?customers=true&status=completed&limit=3`)
    ).json();
    expect(across.items).toHaveLength(3);
    expect(
      across.items.every(
        (r: { tenantName: string; status: string }) => r.tenantName === 'Runs Co' && r.status === 'completed',
      ),
    ).toBe(true);
    expect(across.nextCursor).not.toBeNull();
    const next = (
      await api.get(
        `/api/v1/tenants/${t.providerId}/flow-runs?customers=true&status=completed&limit=3&cursor=${across.nextCursor}`,
      )
    ).json();
    expect(next.items.map((r: { id: string }) => r.id)).not.toContain(across.items[0].id);
    // a Help Desk user of the customer sees its runs, not the provider's
    await apiCreateUser(api, tenant, {
      email: 'desk@runs.test',
      roleIds: [await roleId(api, tenant, 'help_desk')],
    });
    const desk = new TestClient(t.app);
    await desk.login(SLUG, 'desk@runs.test', USER_PASSWORD);
    expect((await desk.get(runs())).json().items.length).toBeGreaterThan(3);
    expect((await desk.get(`/api/v1/tenants/${t.providerId}/flow-runs`)).json().code).toBe(
      'tenant.not_found',
    );
  });
});

describe('rule 21: the other actions, with their parameters', () => {
  it('removes listed groups and roles, and removes the user handing what they own to their manager', async () => {
    const groups = ['VPN', 'Finance', 'Kept'];
    const ids: Record<string, string> = {};
    for (const name of groups)
      ids[name] = (await api.post(`/api/v1/tenants/${tenant}/groups`, { name })).json().id;
    const boss = await apiCreateUser(api, tenant, {
      firstName: 'Olga',
      lastName: 'Owner',
      email: 'olga@runs.test',
    });
    const leo = await apiCreateUser(api, tenant, {
      firstName: 'Leo',
      lastName: 'Leaver',
      groupIds: groups.map((g) => ids[g]),
      roleIds: [
        await roleId(api, tenant, 'user'),
        await roleId(api, tenant, 'technician'),
        await roleId(api, tenant, 'help_desk'),
      ],
    });
    await api.put(users(`/${leo.id}/managers`), { managerIds: [boss.id] });
    // Leo owns a group: removal needs a recipient, his manager here
    const owned = (await api.post(`/api/v1/tenants/${tenant}/groups`, { name: 'Leo’s team' })).json();
    await t.ownerQuery('update groups set owner_id = $1 where id = $2', [leo.id, owned.id]);
    const id = await template({
      steps: [
        {
          action: 'remove_groups',
          when: { offsetDays: -1, timeOfDay: '09:00' },
          params: { scope: 'listed', groups: ['vpn', 'Finance'] },
        },
        {
          action: 'remove_roles',
          when: { offsetDays: -1, timeOfDay: '09:00' },
          params: { scope: 'listed', roles: ['Technician'] },
        },
        {
          action: 'remove',
          when: { offsetDays: 0, timeOfDay: '09:00' },
          params: { recipient: { type: 'manager' } },
        },
      ],
    });
    const preview = (
      await api.post(runs(), { templateId: id, userId: leo.id, eventDate: '2027-06-12', dryRun: true })
    ).json();
    expect(preview.timeline.map((s: { description: string }) => s.description)).toEqual([
      'Remove from 2 groups: Finance and VPN',
      'Remove 1 role: Technician',
      'Remove Leo Leaver from the tenant for good; 1 owned item go to their manager Olga Owner',
    ]);
    const run = await start(id, leo.id, '2027-06-12');
    await at('2027-06-11T09:00:00Z');
    let user = (await api.get(users(`/${leo.id}`))).json();
    expect(user.groups.map((g: { name: string }) => g.name)).toEqual(['Kept']);
    expect(user.roles.map((r: { name: string }) => r.name).sort()).toEqual(['Help Desk', 'User']);
    await at('2027-06-12T09:00:00Z');
    expect((await getRun(run.id)).status).toBe('completed');
    expect((await api.get(`/api/v1/tenants/${tenant}/groups/${owned.id}`)).json().owner.id).toBe(boss.id);
    user = await api.get(users(`/${leo.id}`));
    expect(user.json().code).toBe('user.not_found');
    const removed = (
      await api.get(`/api/v1/tenants/${tenant}/audit?actorId=${run.id}&action=user.removed`)
    ).json().items[0];
    expect(removed.after).toMatchObject({ status: 'removed', transferredTo: boss.id });
  });

  it('transfers ownerships to a named user, who joins the user’s groups', async () => {
    const heir = await apiCreateUser(api, tenant, {
      firstName: 'Hugo',
      lastName: 'Heir',
      email: 'hugo@runs.test',
    });
    const team = (await api.post(`/api/v1/tenants/${tenant}/groups`, { name: 'Ada’s team' })).json();
    const ada = await apiCreateUser(api, tenant, {
      firstName: 'Ada',
      lastName: 'Owner',
      groupIds: [team.id],
    });
    await t.ownerQuery('update groups set owner_id = $1 where id = $2', [ada.id, team.id]);
    const id = await template({
      steps: [
        {
          action: 'transfer_ownerships',
          when: { offsetDays: 0, timeOfDay: '08:00' },
          params: { recipient: { type: 'user', login: 'hugo@runs.test' } },
        },
      ],
    });
    const preview = (
      await api.post(runs(), { templateId: id, userId: ada.id, eventDate: '2027-06-20', dryRun: true })
    ).json();
    expect(preview.timeline[0].description).toBe('Transfer 1 owned item (Groups: Ada’s team) to Hugo Heir');
    const run = await start(id, ada.id, '2027-06-20');
    await at('2027-06-20T08:00:00Z');
    expect((await getRun(run.id)).steps[0].summary).toBe(
      'Moved 1 owned item to Hugo Heir, who joined 1 group',
    );
    expect((await api.get(`/api/v1/tenants/${tenant}/groups/${team.id}`)).json().owner.id).toBe(heir.id);
    const heirGroups = (await api.get(users(`/${heir.id}`)))
      .json()
      .groups.map((g: { name: string }) => g.name);
    expect(heirGroups).toContain('Ada’s team');
    // nothing left to move: the same action now finds nothing to do
    const again = await template({
      steps: [
        {
          action: 'transfer_ownerships',
          when: { offsetDays: 0, timeOfDay: '09:00' },
          params: { recipient: { type: 'manager' } },
        },
      ],
    });
    const second = await start(again, ada.id, '2027-06-21');
    await at('2027-06-21T09:00:00Z');
    expect((await getRun(second.id)).steps[0].summary).toBe('Owned nothing');
  });

  it('answers a clear error for runs that do not exist and dates that are not dates', async () => {
    expect((await api.get(runs('/0190c8a0-0000-7000-8000-000000000000'))).json().code).toBe(
      'flow_run.not_found',
    );
    expect((await api.post(runs('/0190c8a0-0000-7000-8000-000000000000/cancel'), {})).json().code).toBe(
      'flow_run.not_found',
    );
    const run = (await api.get(runs('?status=completed&limit=1'))).json().items[0];
    expect((await api.post(runs(`/${run.id}/reschedule`), { eventDate: '2027-13-01' })).json().code).toBe(
      'flow_run.invalid_event_date',
    );
    expect((await api.post(runs(`/${run.id}/reschedule`), { eventDate: '2027-06-01' })).json().code).toBe(
      'flow_run.not_active',
    );
    expect((await api.get(runs('?status=sideways'))).json().code).toBe('request.invalid');
  });
});
