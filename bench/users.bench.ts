import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadConfig } from '../src/platform/config.ts';
import { startRollcall } from '../src/server.ts';
import { TestClient } from '../test/helpers/app.ts';
import { type BenchDatabase, fmt, percentile } from './harness.ts';

/**
 * The users list at scale: BENCH_USERS (default 100 000) users seeded into one customer tenant, then
 * p50/p95 of a last-name prefix search sorted by last name, of a deliberately broad search, of the
 * status-tab counts and of the first page. The baseline is the same requests against a tenant of
 * 1 000 users in the same database and run.
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
  'sto',
  'bra',
  'kel',
  'fu',
  'dan',
  'wik',
  'or',
  'tes',
  'lu',
  'gan',
  'pet',
  'sar',
  'vo',
  'quin',
  'hal',
  'nes',
  'tro',
  'bel',
  'am',
  'jo',
];

/**
 * Names from syllables: about 64 000 distinct last names and 1 600 first names, so a four-letter
 * prefix of a last name matches a small share of users, as it does in a real directory.
 */
export async function seed(client: pg.Client, tenantId: string, count: number) {
  const syl = `array[${SYLLABLES.map((s) => `'${s}'`).join(',')}]`;
  const n = SYLLABLES.length;
  await client.query(
    `insert into users (tenant_id, id, first_name, last_name, email, username, status, kind, created_at, updated_at)
     select $1::uuid, gen_random_uuid(),
            initcap((${syl})[1 + (i * 7) % ${n}] || (${syl})[1 + (i * 11) % ${n}]),
            initcap((${syl})[1 + (i * 13) % ${n}] || (${syl})[1 + (i / ${n}) % ${n}] || (${syl})[1 + (i / ${n * n}) % ${n}]),
            'user' || i || '@bench.test', null,
            (array['active','active','active','active','active','active','active','suspended','pending','archived'])[1 + i % 10],
            'internal', now() - (i || ' seconds')::interval, now()
       from generate_series(1, $2::int) as i`,
    [tenantId, count],
  );
  await client.query(
    `insert into user_roles (tenant_id, user_id, role_id)
     select u.tenant_id, u.id, r.id from users u join roles r on r.tenant_id = u.tenant_id and r.key = 'user'
      where u.tenant_id = $1`,
    [tenantId],
  );
  await client.query(
    `insert into group_members (tenant_id, group_id, user_id)
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
  const total = Number(process.env.BENCH_USERS ?? 100_000);
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
    await seed(client, big, total);
    await seed(client, small, 1_000);
    console.log(`seeded ${total.toLocaleString('en')} users in ${fmt((performance.now() - t0) / 1000)} s`);
    const sample = await client.query<{ p: string }>(
      'select lower(substr(last_name, 1, 4)) as p from users where tenant_id = $1 order by id limit 1 offset 777',
      [big],
    );
    const prefix = sample.rows[0]!.p;
    const matching = async (q: string) =>
      (
        await client.query<{ n: number }>(
          `select count(*)::int as n from users where tenant_id = $1 and user_search_text(first_name, last_name, email, username) like $2`,
          [big, `%${q}%`],
        )
      ).rows[0]!.n;
    const broad = 'ka';
    const prefixMatches = await matching(prefix);
    const broadMatches = await matching(broad);
    await client.end();

    const rounds = 60;
    const base = (t: string) => `/api/v1/tenants/${t}/users`;
    const cases: Array<[string, (t: string) => string]> = [
      [
        `search q=${prefix} (${prefixMatches} matches), sort lastName, 50`,
        (t) => `${base(t)}?q=${prefix}&sort=lastName:asc&limit=50`,
      ],
      [
        `broad search q=${broad} (${broadMatches} matches), 50`,
        (t) => `${base(t)}?q=${broad}&sort=lastName:asc&limit=50`,
      ],
      ['status counts (+ first row)', (t) => `${base(t)}?status=active&sort=lastName:asc&limit=1`],
      ['first page, all statuses, 50', (t) => `${base(t)}?status=all&sort=lastName:asc&limit=50`],
    ];
    for (const [label, path] of cases) {
      const baseline = await measure(admin, path(small), rounds);
      const scaled = await measure(admin, path(big), rounds);
      console.log(
        `${label.padEnd(50)} ${total.toLocaleString('en')}: p50 ${fmt(scaled.p50)} ms p95 ${fmt(scaled.p95)} ms | 1,000: p50 ${fmt(baseline.p50)} ms p95 ${fmt(baseline.p95)} ms | ratio p95 ${fmt(scaled.p95 / baseline.p95, 2)}×`,
      );
    }
  } finally {
    await rollcall.stop();
  }
}
