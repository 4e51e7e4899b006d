import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenantTx } from '../../src/platform/db.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createProviderFixture, createUserFixture } from '../helpers/fixtures.ts';

let t: TestApp;
let tenantA: string;
let tenantB: string;
beforeAll(async () => {
  t = await createTestApp();
  tenantA = (await t.admin.post('/api/v1/tenants', { name: 'Tenant A', slug: 'tenant-a' })).json().id;
  tenantB = (await t.admin.post('/api/v1/tenants', { name: 'Tenant B', slug: 'tenant-b' })).json().id;
  await createUserFixture(t, tenantA, { email: 'a@a.test' });
  await createUserFixture(t, tenantB, { email: 'b@b.test' });
});
afterAll(async () => {
  await t?.close();
});

const TENANT_TABLES = [
  'users',
  'roles',
  'user_roles',
  'groups',
  'group_members',
  'sessions',
  'api_tokens',
  'audit_events',
  'audit_chain_heads',
];

describe('row-level security', () => {
  it('with tenant A’s setting, a query for B’s rows returns nothing even without a where tenant_id clause', async () => {
    const db = t.rollcall.platform.db;
    const bUsers = await t.ownerQuery('select count(*)::int as n from users where tenant_id = $1', [tenantB]);
    expect(bUsers.rows[0].n).toBeGreaterThan(0);
    await withTenantTx(db, tenantA, async (tx) => {
      for (const table of TENANT_TABLES) {
        // (the CamelCasePlugin names the column tenantId in results)
        const all = await sql<{ tenantId: string }>`select tenant_id from ${sql.table(table)}`.execute(tx);
        expect(
          all.rows.every((r) => r.tenantId === tenantA),
          table,
        ).toBe(true);
        const forB = await sql<{
          n: number;
        }>`select count(*)::int as n from ${sql.table(table)} where tenant_id = ${tenantB}`.execute(tx);
        expect(forB.rows[0]!.n, table).toBe(0);
      }
      const users = await sql<{ email: string }>`select email from users`.execute(tx);
      expect(users.rows.map((r) => r.email)).toEqual(['a@a.test']);
    });
  });

  it('refuses to write a row into another tenant', async () => {
    const db = t.rollcall.platform.db;
    await expect(
      withTenantTx(db, tenantA, (tx) =>
        sql`insert into groups (tenant_id, id, name) values (${tenantB}, gen_random_uuid(), 'Smuggled')`.execute(
          tx,
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      withTenantTx(db, tenantA, (tx) =>
        sql`update users set first_name = 'X' where tenant_id = ${tenantB}`.execute(tx),
      ),
    ).resolves.toMatchObject({ numAffectedRows: 0n });
  });

  it('shows a provider only itself and its customers, never another provider or its customers', async () => {
    const other = await createProviderFixture(t, 'rls-other');
    const db = t.rollcall.platform.db;
    const ids = await withTenantTx(db, t.providerId, async (tx) =>
      (await sql<{ id: string }>`select id from tenants`.execute(tx)).rows.map((r) => r.id),
    );
    expect(ids).toContain(tenantA);
    expect(ids).toContain(t.providerId);
    expect(ids).not.toContain(other.id);
    const fromCustomer = await withTenantTx(db, tenantA, async (tx) =>
      (await sql<{ id: string }>`select id from tenants`.execute(tx)).rows.map((r) => r.id),
    );
    expect(fromCustomer).toEqual([tenantA]);
  });

  it('the search function (security definer, for the trigram index) answers only for the transaction’s tenant', async () => {
    const db = t.rollcall.platform.db;
    const own = await withTenantTx(
      db,
      tenantA,
      async (tx) =>
        (await sql<{ id: string }>`select search_user_ids(${tenantA}::uuid, '%a.test%') as id`.execute(tx))
          .rows,
    );
    expect(own).toHaveLength(1);
    const foreign = await withTenantTx(
      db,
      tenantA,
      async (tx) =>
        (await sql<{ id: string }>`select search_user_ids(${tenantB}::uuid, '%b.test%') as id`.execute(tx))
          .rows,
    );
    expect(foreign).toEqual([]);
  });

  it('sees nothing at all when no tenant is set', async () => {
    const rows = await t.rollcall.platform.db.transaction().execute(async (tx) => {
      await sql`select set_config('role', 'rollcall_app', true)`.execute(tx);
      return (await sql<{ n: number }>`select count(*)::int as n from users`.execute(tx)).rows[0]!.n;
    });
    expect(rows).toBe(0);
  });

  it('every table with a tenant_id column has RLS enabled and a policy', async () => {
    const res = await t.ownerQuery(`
      select c.relname, c.relrowsecurity, (select count(*) from pg_policy p where p.polrelid = c.oid)::int as policies
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r'
         and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')`);
    expect(res.rows.length).toBeGreaterThanOrEqual(TENANT_TABLES.length);
    for (const row of res.rows) {
      expect(row.relrowsecurity, row.relname).toBe(true);
      expect(row.policies, row.relname).toBeGreaterThan(0);
    }
  });
});
