import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowEngineOf } from '../../src/modules/flows/engine.ts';
import { TestClock } from '../../src/platform/clock.ts';
import { createTestApp, createTestDatabase, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser } from '../helpers/fixtures.ts';
import { startWebhookReceiver } from '../helpers/flow-webhook-receiver.ts';
import { type RollcallProcess, spawnRollcall } from '../helpers/process.ts';

/**
 * The engine's promises under stress: a server process killed with SIGKILL mid-run and restarted,
 * two server processes on one queue, and leave-date changes and cancels racing a step that is
 * executing. Each step executes exactly once and in order: checked on its side effects (outbox rows,
 * password history) and on the audit log.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('real server processes', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let t: TestApp;
  const workers: RollcallProcess[] = [];
  let tenant: string;
  const worker = async () => {
    const p = spawnRollcall(database.url, { ROLLCALL_ROLE: 'worker' });
    workers.push(p);
    await p.ready;
    return p;
  };
  const steps = async (runId: string) =>
    (
      await t.ownerQuery(
        'select position, status, attempts, due_at, started_at, finished_at from flow_run_steps where run_id = $1 order by position',
        [runId],
      )
    ).rows;
  const runStatus = async (runId: string) =>
    (await t.ownerQuery('select status from flow_runs where id = $1', [runId])).rows[0]?.status;

  beforeAll(async () => {
    database = await createTestDatabase();
    // this process serves the API only: the spawned workers run the steps
    t = await createTestApp({
      databaseUrl: database.url,
      keepDatabase: true,
      env: { ROLLCALL_ROLE: 'http' },
    });
    tenant = (await t.admin.post('/api/v1/tenants', { name: 'Crash Co', slug: 'crash-co' })).json().id;
  }, 120_000);
  afterAll(async () => {
    for (const w of workers) await w.kill('SIGKILL');
    await t?.close();
    await database?.drop();
  });

  it('a run whose steps fall due a second apart survives SIGKILL: each step once, in order', async () => {
    const first = await worker();
    const user = await apiCreateUser(t.admin, tenant, {
      firstName: 'Kim',
      lastName: 'Killed',
      email: 'kim@crash.test',
    });
    const base = Date.now() + 2_500;
    const at = (k: number) => new Date(base + k * 1_000).toISOString();
    // odd steps queue an email (an outbox row each time they run), even ones hash a new password
    // (a row of password history each time): running one twice would show
    const template = (
      await t.admin.post(`/api/v1/tenants/${tenant}/flow-templates`, {
        name: 'Second by second',
        steps: Array.from({ length: 10 }, (_, k) =>
          k % 2 === 0
            ? {
                action: 'send_email',
                when: { at: at(k) },
                params: {
                  to: 'address',
                  address: `step${k + 1}@crash.test`,
                  subject: `Step ${k + 1}`,
                  body: 'x',
                },
              }
            : { action: 'reset_password', when: { at: at(k) } },
        ),
      })
    ).json();
    const run = (
      await t.admin.post(`/api/v1/tenants/${tenant}/flow-runs`, {
        templateId: template.id,
        userId: user.id,
        eventDate: at(0).slice(0, 10),
      })
    ).json();
    expect(run.status, JSON.stringify(run)).toBe('scheduled');

    // the sixth step hashes a password for tens of milliseconds: kill the process inside it
    await sleep(Math.max(0, base + 5_000 + 20 - Date.now()));
    await first.kill('SIGKILL');
    const doneAtKill = (await steps(run.id)).filter((s) => s.status === 'done').length;
    expect(doneAtKill).toBeGreaterThanOrEqual(4);
    expect(doneAtKill).toBeLessThan(10);
    // steps fall due while nothing runs, then the server comes back
    await sleep(1_500);
    await worker();
    await waitFor('the run to complete', async () => (await runStatus(run.id)) === 'completed');

    const rows = await steps(run.id);
    expect(rows.map((s) => [s.status, s.attempts])).toEqual(Array(10).fill(['done', 1]));
    for (const [i, s] of rows.entries()) {
      expect(s.started_at.getTime()).toBeGreaterThanOrEqual(s.due_at.getTime());
      if (i > 0) expect(s.started_at.getTime()).toBeGreaterThanOrEqual(rows[i - 1].finished_at.getTime());
    }
    const outbox = await t.ownerQuery(
      `select to_address, count(*)::int as n from outbox where tenant_id = $1 and kind = 'flow_step' group by 1 order by 1`,
      [tenant],
    );
    expect(outbox.rows).toEqual(
      [1, 3, 5, 7, 9]
        .map((k) => ({ to_address: `step${k}@crash.test`, n: 1 }))
        .sort((a, b) => a.to_address.localeCompare(b.to_address)),
    );
    const history = await t.ownerQuery('select count(*)::int as n from password_history where user_id = $1', [
      user.id,
    ]);
    expect(history.rows[0].n).toBe(5);
    // the audit log: one event per step, in the order of the steps
    const audit = await t.ownerQuery(
      `select action, after from audit_events where tenant_id = $1 and actor_id = $2 and action in ('flow.email_queued', 'user.password_changed') order by seq`,
      [tenant, run.id],
    );
    expect(audit.rows.map((e) => e.action)).toEqual(
      Array.from({ length: 10 }, (_, k) => (k % 2 === 0 ? 'flow.email_queued' : 'user.password_changed')),
    );
    expect(audit.rows.filter((e) => e.action === 'flow.email_queued').map((e) => e.after.subject)).toEqual([
      'Step 1',
      'Step 3',
      'Step 5',
      'Step 7',
      'Step 9',
    ]);
  }, 90_000);

  it('two server processes on the same runs still execute each step exactly once', async () => {
    await worker();
    const base = Date.now() + 3_000;
    const template = (
      await t.admin.post(`/api/v1/tenants/${tenant}/flow-templates`, {
        name: 'Contended',
        steps: Array.from({ length: 4 }, (_, k) => ({
          action: 'send_email',
          when: { at: new Date(base + k * 250).toISOString() },
          params: {
            to: 'address',
            address: 'two@crash.test',
            subject: `{{fullName}} step ${k + 1}`,
            body: 'x',
          },
        })),
      })
    ).json();
    const people = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        apiCreateUser(t.admin, tenant, { firstName: 'Two', lastName: `Workers${i}` }),
      ),
    );
    const ids: string[] = [];
    for (const p of people)
      ids.push(
        (
          await t.admin.post(`/api/v1/tenants/${tenant}/flow-runs`, {
            templateId: template.id,
            userId: p.id,
            eventDate: '2027-01-01',
          })
        ).json().id,
      );
    await waitFor(
      'every run to complete',
      async () =>
        (
          await t.ownerQuery(
            `select count(*)::int as n from flow_runs where id = any($1) and status = 'completed'`,
            [ids],
          )
        ).rows[0].n === ids.length,
    );
    const subjects = await t.ownerQuery(
      `select subject, count(*)::int as n from outbox where tenant_id = $1 and kind = 'flow_step' and to_address = 'two@crash.test' group by 1`,
      [tenant],
    );
    expect(subjects.rows).toHaveLength(40 * 4);
    expect(subjects.rows.every((r) => r.n === 1)).toBe(true);
    const attempts = await t.ownerQuery(
      `select max(attempts)::int as most, min(attempts)::int as least from flow_run_steps where run_id = any($1)`,
      [ids],
    );
    expect(attempts.rows[0]).toEqual({ most: 1, least: 1 });
  }, 90_000);
});

describe('races with a step that is executing', () => {
  let t: TestApp;
  let api: TestClient;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let tenant: string;
  const engine = () => flowEngineOf(t.rollcall.platform);
  const getRun = async (id: string) => (await api.get(`/api/v1/tenants/${tenant}/flow-runs/${id}`)).json();
  /** Moves the clock in steps until the run is over (a step that gave way to a lock tries again a second later). */
  async function runToEnd(id: string) {
    let run = await getRun(id);
    for (let i = 0; i < 40; i++) {
      await engine().settle();
      run = await getRun(id);
      if (!['scheduled', 'running'].includes(run.status)) return run;
      t.clock.advance(2_000);
    }
    throw new Error(`the run did not finish: ${JSON.stringify(run.steps)}`);
  }

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    t = await createTestApp({ clock: new TestClock(new Date('2027-03-01T08:00:00Z')) });
    api = TestClient.withToken(
      t.app,
      (await t.admin.post('/api/v1/me/tokens', { name: 'races' })).json().token,
    );
    tenant = (await api.post('/api/v1/tenants', { name: 'Race Co', slug: 'race-co' })).json().id;
  });
  afterAll(async () => {
    await t?.close();
    await hook?.close();
  });

  async function startRun(steps: unknown[], eventDate: string, name: string, extra = {}) {
    const user = await apiCreateUser(api, tenant, { firstName: name, lastName: 'Racer' });
    const template = (
      await api.post(`/api/v1/tenants/${tenant}/flow-templates`, { name: `Race ${name}`, steps })
    ).json();
    const run = (
      await api.post(`/api/v1/tenants/${tenant}/flow-runs`, {
        templateId: template.id,
        userId: user.id,
        eventDate,
        ...extra,
      })
    ).json();
    return { user, run };
  }

  it('changing the leave date while a step executes neither repeats it nor skips the ones after', async () => {
    hook.answer({ status: 200, delayMs: 1_200 });
    const { user, run } = await startRun(
      [
        {
          action: 'webhook',
          when: { offsetDays: 0, timeOfDay: '09:00' },
          params: { url: `${hook.url}/slow` },
        },
        {
          action: 'set_attribute',
          when: { offsetDays: 0, timeOfDay: '09:30' },
          params: { attribute: 'custom.after', value: 'yes' },
        },
        { action: 'revoke_access', when: { offsetDays: 1, timeOfDay: '09:00' } },
      ],
      '2027-03-10',
      'Lee',
    );
    t.clock.set(new Date('2027-03-10T09:00:00Z'));
    engine().wake();
    await waitFor('the webhook to be called', async () => hook.calls.some((c) => c.path === '/slow'));
    // the step is executing (the receiver holds its answer): the leave date moves by two days now
    const patched = await api.patch(`/api/v1/tenants/${tenant}/users/${user.id}`, {
      leaveDate: '2027-03-12',
    });
    expect(patched.statusCode).toBe(200);
    await engine().settle();
    let now = await getRun(run.id);
    expect(now.steps.map((s: { status: string; dueAt: string }) => [s.status, s.dueAt])).toEqual([
      ['done', '2027-03-10T09:00:00.000Z'],
      ['pending', '2027-03-12T09:30:00.000Z'],
      ['pending', '2027-03-13T09:00:00.000Z'],
    ]);
    t.clock.set(new Date('2027-03-13T09:00:00Z'));
    now = await runToEnd(run.id);
    expect(now.steps.map((s: { status: string; attempts: number }) => [s.status, s.attempts])).toEqual([
      ['done', 1],
      ['done', 1],
      ['done', 1],
    ]);
    expect(hook.calls.filter((c) => c.path === '/slow')).toHaveLength(1);
  });

  it('cancelling while a step executes lets that step finish once and runs nothing after it', async () => {
    // the receiver takes its time, so the cancel arrives while the step is still executing; the next
    // step is a minute later, so even a cancel slowed by a loaded machine meets it still pending
    hook.answer({ status: 200, delayMs: 2_000 });
    const { run } = await startRun(
      [
        {
          action: 'webhook',
          when: { offsetDays: 0, timeOfDay: '09:00' },
          params: { url: `${hook.url}/cancel` },
        },
        { action: 'suspend', when: { offsetDays: 0, timeOfDay: '09:01' } },
      ],
      '2027-03-14',
      'Cal',
    );
    t.clock.set(new Date('2027-03-14T09:00:00Z'));
    engine().wake();
    await waitFor('the webhook to be called', async () => hook.calls.some((c) => c.path === '/cancel'));
    const cancelled = await api.post(`/api/v1/tenants/${tenant}/flow-runs/${run.id}/cancel`, {});
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json().steps.map((s: { status: string }) => s.status)).toEqual(['done', 'cancelled']);
    t.clock.advance(120_000);
    await engine().settle();
    const now = await getRun(run.id);
    expect(now.status).toBe('cancelled');
    expect(now.user.status).toBe('active');
    expect(hook.calls.filter((c) => c.path === '/cancel')).toHaveLength(1);
  });

  it('a burst of leave-date changes during a chain of overdue steps: every step once, none skipped', async () => {
    t.clock.set(new Date('2027-03-20T08:00:00Z'));
    const keys = Array.from({ length: 8 }, (_, i) => `s${i + 1}`);
    const { user, run } = await startRun(
      keys.map((k, i) => ({
        action: 'set_attribute',
        when: { offsetDays: -10 + i, timeOfDay: '09:00' },
        params: { attribute: `custom.${k}`, value: 'done' },
      })),
      '2027-03-15',
      'Bea',
      { allowPastSteps: true },
    );
    // every step's instant has passed: the engine is working through them while the date keeps moving
    const changes = Array.from({ length: 12 }, (_, i) =>
      api.patch(`/api/v1/tenants/${tenant}/users/${user.id}`, {
        leaveDate: i % 2 === 0 ? '2027-03-16' : '2027-03-15',
      }),
    );
    for (const res of await Promise.all(changes)) expect(res.statusCode).toBe(200);
    const now = await runToEnd(run.id);
    expect(now.status).toBe('completed');
    expect(
      now.steps.every((s: { status: string; attempts: number }) => s.status === 'done' && s.attempts === 1),
    ).toBe(true);
    const edits = await t.ownerQuery(
      `select after from audit_events where tenant_id = $1 and actor_id = $2 and action = 'user.updated' order by seq`,
      [tenant, run.id],
    );
    const changed = edits.rows
      .filter((e) => e.after.customAttributes)
      .map((e) => Object.keys(e.after.customAttributes).length);
    // each execution adds exactly one key: 1, 2, …, 8
    expect(changed).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await api.get(`/api/v1/tenants/${tenant}/users/${user.id}`)).json().customAttributes).toEqual(
      Object.fromEntries(keys.map((k) => [k, 'done'])),
    );
  });
});
