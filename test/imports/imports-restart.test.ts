import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestDatabase, type TestApp } from '../helpers/app.ts';

/**
 * An import survives a restart: the app is stopped in the middle of a run and started again on the
 * same database; the import resumes after the last committed batch and every row is imported once.
 */
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const ROWS = 12_000;
const csv = `first,last,email\n${Array.from({ length: ROWS }, (_, i) => `Given${i},Family${i},r${i}@restart.test`).join('\n')}\n`;

async function importOf(t: TestApp, tenant: string, id: string) {
  return (await t.admin.get(`/api/v1/tenants/${tenant}/imports/${id}`)).json();
}

describe('an import and a restart', () => {
  it('resumes after the last committed batch and imports each row once', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const first = await createTestApp({ databaseUrl: database.url, keepDatabase: true });
    const tenant = (
      await first.admin.post('/api/v1/tenants', { name: 'Restart Co', slug: 'restart-co' })
    ).json().id;
    const up = await first.admin.request({
      method: 'POST',
      url: `/api/v1/tenants/${tenant}/imports`,
      payload: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(up.statusCode, up.body).toBe(201);
    const id = up.json().id;
    const run = await first.admin.post(`/api/v1/tenants/${tenant}/imports/${id}/run`, {
      hasHeader: true,
      columns: ['firstName', 'lastName', 'email'].map((field, index) => ({ index, field })),
    });
    expect(run.statusCode, run.body).toBe(202);
    let seen = await importOf(first, tenant, id);
    while (seen.progress.done === 0) {
      await new Promise((r) => setTimeout(r, 20));
      seen = await importOf(first, tenant, id);
    }
    // stop in the middle: the job finishes the batch it is in and hands the rest over
    await first.close();

    const second = await createTestApp({ databaseUrl: database.url, keepDatabase: true });
    cleanups.push(() => second.close());
    const stopped = await second.ownerQuery(`select status, rows_done from imports where id = $1`, [id]);
    expect(stopped.rows[0].status).toBe('running');
    expect(stopped.rows[0].rows_done).toBeGreaterThan(0);
    expect(stopped.rows[0].rows_done).toBeLessThan(ROWS);

    let done = await importOf(second, tenant, id);
    for (let i = 0; done.status === 'running' && i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      done = await importOf(second, tenant, id);
    }
    expect(done).toMatchObject({
      status: 'completed',
      progress: { total: ROWS, done: ROWS, created: ROWS, failed: 0 },
    });
    const counts = await second.ownerQuery(
      `select (select count(*)::int from users where tenant_id = $1 and email like '%@restart.test') as users,
              (select count(distinct row_number)::int from import_rows where import_id = $2) as rows,
              (select count(*)::int from import_rows where import_id = $2) as results,
              (select count(*)::int from audit_events where tenant_id = $1 and action = 'user.created') as events`,
      [tenant, id],
    );
    expect(counts.rows[0]).toEqual({ users: ROWS, rows: ROWS, results: ROWS, events: ROWS });
    expect((await second.admin.get(`/api/v1/tenants/${tenant}/audit/verify`)).json().ok).toBe(true);
  }, 120_000);
});
