import { afterAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../src/platform/clock.ts';
import { createTestApp, createTestDatabase, type TestApp } from '../helpers/app.ts';
import { ownershipTenant, scenario } from './helpers.ts';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('rule 19: a scheduled removal is a durable job', () => {
  it('survives a restart of the application and runs once, at its hour', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    // 17:59:52 in Berlin: the removal is scheduled for 18:00, eight seconds ahead on Rollcall's clock
    // (enough for the first process to stop before it is due, even on a loaded machine)
    const first: TestApp = await createTestApp({
      databaseUrl: database.url,
      keepDatabase: true,
      clock: new TestClock(new Date('2031-06-02T15:59:52Z')),
    });
    const o = await ownershipTenant(first, 'own-restart');
    const s = await scenario(first, o);
    first.clock.set(new Date('2031-06-02T15:59:52Z'));
    const res = await o.admin.post(`${s.T}/users/${s.alice.id}/remove`, {
      when: 'scheduled',
      at: { date: '2031-06-02', hour: 18 },
      transferTo: s.bob.id,
    });
    expect(res.statusCode, res.body).toBe(200);
    const scheduled = res.json().scheduled;
    expect(scheduled.startsAt).toBe('2031-06-02T16:00:00.000Z');
    const [job] = (
      await first.ownerQuery(`select id, start_after from pgboss.job where data->>'transferId' = $1`, [
        scheduled.id,
      ])
    ).rows;
    await first.close();
    // the first process stopped before the job was due, so only the second can run it
    expect(Date.now()).toBeLessThan(new Date(job.start_after).getTime());

    const second: TestApp = await createTestApp({
      databaseUrl: database.url,
      keepDatabase: true,
      clock: new TestClock(new Date('2031-06-02T16:00:02Z')),
    });
    cleanups.push(() => second.close());
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { rows } = await second.ownerQuery('select status from users where id = $1', [s.alice.id]);
      if (rows[0].status === 'removed') break;
      if (Date.now() > deadline) throw new Error('the scheduled removal did not run');
      await new Promise((r) => setTimeout(r, 100));
    }
    const { rows: transfer } = await second.ownerQuery(
      'select status from ownership_transfers where id = $1',
      [scheduled.id],
    );
    expect(transfer[0].status).toBe('completed');
    const { rows: removed } = await second.ownerQuery(
      `select count(*)::int as n from audit_events where action = 'user.removed' and target_id = $1`,
      [s.alice.id],
    );
    expect(removed[0].n).toBe(1);
    const { rows: jobs } = await second.ownerQuery(
      `select state from pgboss.job where data->>'transferId' = $1 and data->>'step' = 'removal'`,
      [scheduled.id],
    );
    expect(jobs).toHaveLength(1);
    const { rows: owned } = await second.ownerQuery(
      `select count(*)::int as n from resources where owner_id = $1`,
      [s.bob.id],
    );
    expect(owned[0].n).toBe(3);
  });
});
