import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadConfig } from '../src/platform/config.ts';
import { startRollcall } from '../src/server.ts';
import { TestClient } from '../test/helpers/app.ts';
import { type BenchDatabase, fmt, percentile } from './harness.ts';

/**
 * The users list at scale: BENCH_USERS (default 100 000) users seeded into one customer tenant, then
 * p50/p95 of a last-name prefix search sorted by last name, and of the status-tab counts. The
 * baseline is the same requests against a tenant of 1 000 users in the same database and run.
 */
const SYLLABLES = [
  'ka',
  'mi',
  'ro',
  'sen',
  'tal',
  'ber',
  'lin',
  'do',
  'var',
  'mer',
  'shi',
  'gu',
  'ten',
  'ha',
  'zel',
  'po',
  'rin',
  'ma',
  'nov',
  'el',
];

async function seed(client: pg.Client, tenantId: string, count: number) {
  // names from syllables: ~8 000 distinct last names, so a 3-letter prefix matches a realistic slice
  const syl = `array[${SYLLABLES.map((s) => `'${s}'`).join(',')}]`;
  await client.query(
    `
    insert into users (tenant_id, id, first_name, last_name, email, username, status, kind, created_at, updated_at)
    select $1::uuid, gen_random_uuid(),
           initcap((${syl})[1 + (i * 7) % 20] || (${syl})[1 + (i * 3) % 20]),
           initcap((${syl})[1 + (i * 13) % 20] || (${syl})[1 + (i / 20) % 20] || (${syl})[1 + (i / 400) % 20]),
           'user' || i || '@bench.test', null,
           (array['active','active','active','active','active','active','active','suspended','pending','archived'])[1 + i % 10],
           'internal', now() - (i || ' seconds')::interval, now()
      from generate_series(1, $2::int) as i`,
    [tenantId, count],
  );
  await client.query(
    `
    insert into user_roles (tenant_id, user_id, role_id)
    select u.tenant_id, u.id, r.id from users u join roles r on r.tenant_id = u.tenant_id and r.key = 'user'
     where u.tenant_id = $1`,
    [tenantId],
  );
  await client.query(
    `
    insert into group_members (tenant_id, group_id, user_id)
    select u.tenant_id, g.id, u.id from users u join groups g on g.tenant_id = u.tenant_id and g.is_default
     where u.tenant_id = $1`,
    [tenantId],
  );
  await client.query('analyze users; analyze user_roles; analyze group_members');
}

async function measure(admin: TestClient, url: string, n: number): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < n + 5; i++) {
    const start = performance.now();
    const res = await admin.get(url);
    const took = performance.now() - start;
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    if (i >= 5) times.push(took);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

export async function run(db: BenchDatabase): Promise<void> {
  const count = Number(process.env.BENCH_USERS ?? 100_000);
  const url = await db.createDatabase('rollcall_bench_users');
  const password = 'Bench-Password-123!';
  const rollcall = await startRollcall(
    loadConfig({
      DATABASE_URL: url,
      LOG_LEVEL: 'silent',
      ROLLCALL_ADMIN_EMAIL: 'bench@msp.test',
      ROLLCALL_ADMIN_PASSWORD: password,
    }),
    { logger: false, skipConsoleBuild: true, listen: false },
  );
  try {
    const admin = new TestClient(rollcall.app);
    await admin.login('msp', 'bench@msp.test', password);
    const big = (await admin.post('/api/v1/tenants', { name: 'Big Customer', slug: 'big' })).json().id;
    const small = (await admin.post('/api/v1/tenants', { name: 'Small Customer', slug: 'small' })).json().id;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const t0 = performance.now();
    await seed(client, big, count);
    await seed(client, small, 1_000);
    console.log(`seeded ${count.toLocaleString('en')} users in ${fmt((performance.now() - t0) / 1000)} s`);
    const sample = await client.query<{ p: string }>(
      `select lower(substr(last_name, 1, 3)) as p from users where tenant_id = $1 limit 1 offset 777`,
      [big],
    );
    const prefix = sample.rows[0]!.p;
    const matches = await client.query<{ n: number }>(
      `select count(*)::int as n from users where tenant_id = $1 and lower(last_name) like $2`,
      [big, `${prefix}%`],
    );
    await client.end();

    const rounds = 60;
    const searchPath = (t: string) => `/api/v1/tenants/${t}/users?q=${prefix}&sort=lastName:asc&limit=50`;
    const countsPath = (t: string) => `/api/v1/tenants/${t}/users?status=active&sort=lastName:asc&limit=1`;
    const firstPagePath = (t: string) => `/api/v1/tenants/${t}/users?status=all&sort=lastName:asc&limit=50`;
    const rows: Array<[string, { p50: number; p95: number }, { p50: number; p95: number }]> = [];
    for (const [label, path] of [
      [`search q=${prefix} (${matches.rows[0]!.n} matches), sort lastName, 50`, searchPath],
      ['status counts (+ first row)', countsPath],
      ['first page, all statuses, 50', firstPagePath],
    ] as const) {
      const baseline = await measure(admin, path(small), rounds);
      const scaled = await measure(admin, path(big), rounds);
      rows.push([label, scaled, baseline]);
    }
    for (const [label, scaled, baseline] of rows) {
      console.log(
        `${label.padEnd(52)} ${count.toLocaleString('en')}: p50 ${fmt(scaled.p50)} ms p95 ${fmt(scaled.p95)} ms | 1,000: p50 ${fmt(baseline.p50)} ms p95 ${fmt(baseline.p95)} ms | ratio p95 ${fmt(scaled.p95 / baseline.p95, 2)}×`,
      );
    }
  } finally {
    await rollcall.stop();
  }
}
