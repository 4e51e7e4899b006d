import { afterAll, describe, expect, it } from 'vitest';
import { withTenantTx } from '../../src/platform/db.ts';
import type { Jobs } from '../../src/platform/jobs.ts';
import { createTestApp, createTestDatabase, type TestApp } from '../helpers/app.ts';

const ran: string[] = [];
const defineTestJob = (jobs: Jobs) =>
  jobs.define<{ marker: string }>({
    name: 'test.record',
    retryLimit: 0,
    handler: async ({ marker }) => {
      ran.push(marker);
    },
  });

async function waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('durable jobs', () => {
  it('a job enqueued in a rolled-back transaction never runs; one in a committed transaction does', async () => {
    const t: TestApp = await createTestApp({ defineJobs: defineTestJob });
    cleanups.push(() => t.close());
    const { db, jobs } = t.rollcall.platform;
    await expect(
      withTenantTx(db, t.providerId, async (tx) => {
        await jobs.enqueue(tx, 'test.record', { marker: 'rolled-back' });
        throw new Error('abort the change');
      }),
    ).rejects.toThrow('abort the change');
    await withTenantTx(db, t.providerId, (tx) => jobs.enqueue(tx, 'test.record', { marker: 'committed' }));
    await waitFor(() => ran.includes('committed'));
    // the committed job was enqueued after the doomed one and has run, so the doomed one had every chance
    await new Promise((r) => setTimeout(r, 1500));
    expect(ran).not.toContain('rolled-back');
    const rows = await t.ownerQuery(
      `select data->>'marker' as marker from pgboss.job where name = 'test.record'`,
    );
    expect(rows.rows.map((r) => r.marker)).toEqual(['committed']);
  });

  it('a singleton key makes a second enqueue a no-op', async () => {
    const t: TestApp = await createTestApp({ defineJobs: defineTestJob });
    cleanups.push(() => t.close());
    const { db, jobs } = t.rollcall.platform;
    const later = new Date(Date.now() + 3_600_000);
    const first = await withTenantTx(db, t.providerId, (tx) =>
      jobs.enqueue(tx, 'test.record', { marker: 'one' }, { singletonKey: 'only-once', startAfter: later }),
    );
    const second = await withTenantTx(db, t.providerId, (tx) =>
      jobs.enqueue(tx, 'test.record', { marker: 'two' }, { singletonKey: 'only-once', startAfter: later }),
    );
    expect(first).toBeTruthy();
    expect(second).toBeNull();
  });

  it('a job enqueued for later runs after a restart', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const first = await createTestApp({
      databaseUrl: database.url,
      keepDatabase: true,
      defineJobs: defineTestJob,
    });
    const startAfter = new Date(Date.now() + 2_500);
    await withTenantTx(first.rollcall.platform.db, first.providerId, (tx) =>
      first.rollcall.platform.jobs.enqueue(tx, 'test.record', { marker: 'survives-restart' }, { startAfter }),
    );
    await first.close();
    expect(ran).not.toContain('survives-restart');

    const second = await createTestApp({
      databaseUrl: database.url,
      keepDatabase: true,
      defineJobs: defineTestJob,
    });
    cleanups.push(() => second.close());
    await waitFor(() => ran.includes('survives-restart'));
    expect(Date.now()).toBeGreaterThanOrEqual(startAfter.getTime());
    expect(ran.filter((m) => m === 'survives-restart')).toHaveLength(1);
  });
});
