import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { listMigrations } from '../../src/platform/migrate.ts';
import { startRollcall } from '../../src/server.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, PROVIDER_SLUG, TestClient, testConfig } from '../helpers/app.ts';
import { withDatabase } from '../helpers/global-setup.ts';

const dbName = `rollcall_test_empty_${process.pid}`;
const adminUrl = inject('adminDatabaseUrl');
const url = withDatabase(adminUrl, dbName);

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

afterAll(async () => {
  await admin(`drop database if exists "${dbName}" with (force)`);
});

describe('start-up on a shared database', () => {
  it('two servers starting at once on an empty database both come up; migrations and bootstrap run once', async () => {
    await admin(`create database "${dbName}"`);
    const config = testConfig(url);
    const [a, b] = await Promise.all([
      startRollcall(config, { listen: false, logger: false, skipConsoleBuild: true }),
      startRollcall(config, { listen: false, logger: false, skipConsoleBuild: true }),
    ]);
    try {
      expect([a.bootstrap.created, b.bootstrap.created].sort()).toEqual([false, true]);
      for (const server of [a, b]) {
        const ready = await server.app.inject({ method: 'GET', url: '/ready' });
        expect(ready.json()).toEqual({ status: 'ready' });
        const client = new TestClient(server.app);
        await client.login(PROVIDER_SLUG, ADMIN_EMAIL, ADMIN_PASSWORD);
      }
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const migrations = await c.query('select name from schema_migrations order by name');
      expect(migrations.rows.map((r) => r.name)).toEqual(await listMigrations());
      const providers = await c.query(`select count(*)::int as n from tenants where kind = 'provider'`);
      expect(providers.rows[0].n).toBe(1);
      await c.end();
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('a restart keeps all data: tenants, users, sessions and the audit chain', async () => {
    const config = testConfig(url);
    const first = await startRollcall(config, { listen: false, logger: false, skipConsoleBuild: true });
    const client = new TestClient(first.app);
    await client.login(PROVIDER_SLUG, ADMIN_EMAIL, ADMIN_PASSWORD);
    const created = (await client.post('/api/v1/tenants', { name: 'Kept', slug: 'kept' })).json();
    await first.stop();

    const second = await startRollcall(config, { listen: false, logger: false, skipConsoleBuild: true });
    try {
      expect(second.bootstrap.created).toBe(false);
      // the same session cookie still works against the restarted server
      const again = new TestClient(second.app);
      (again as unknown as { cookies: Map<string, string> }).cookies = (
        client as unknown as { cookies: Map<string, string> }
      ).cookies;
      const got = await again.get(`/api/v1/tenants/${created.id}`);
      expect(got.statusCode).toBe(200);
      expect(got.json().name).toBe('Kept');
      const me = (await again.get('/api/v1/me')).json();
      expect((await again.get(`/api/v1/tenants/${me.tenant.id}/audit/verify`)).json().ok).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('/ready reports pending migrations as 503', async () => {
    const config = testConfig(url);
    const server = await startRollcall(config, { listen: false, logger: false, skipConsoleBuild: true });
    try {
      await admin(`select 1`);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const [last] = (await listMigrations()).slice(-1);
      await c.query('delete from schema_migrations where name = $1', [last]);
      const res = await server.app.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json().code).toBe('platform.migrations_pending');
      await c.query('insert into schema_migrations (name) values ($1)', [last]);
      await c.end();
      expect((await server.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
      expect((await server.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    } finally {
      await server.stop();
    }
  });
});
