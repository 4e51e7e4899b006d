import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadConfig } from '../src/platform/config.ts';
import { startRollcall } from '../src/server.ts';
import { TestClient } from '../test/helpers/app.ts';
import { type BenchDatabase, fmt, percentile } from './harness.ts';
import { seed } from './users.bench.ts';

/**
 * SCIM at scale. BENCH_USERS (default 100 000) users in one customer tenant, as in the users bench.
 * 1. `POST /scim/v2/Users` per second, against `POST /api/v1/tenants/{id}/users` with the same
 *    people in the same run (both through the same service; SCIM also renders the SCIM resource).
 * 2. `GET /scim/v2/Users?filter=userName eq "…"` p50/p95, against the users list search for the same
 *    address (`?q=…`) and against the same SCIM lookup in a tenant of 1 000 users.
 */
const CONCURRENCY = 4;

async function timed(n: number, fn: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) await fn(next++);
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

async function latency(n: number, fn: (i: number) => Promise<void>) {
  const times: number[] = [];
  for (let i = 0; i < n + 10; i++) {
    const start = performance.now();
    await fn(i);
    if (i >= 10) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

export async function run(db: BenchDatabase): Promise<void> {
  const total = Number(process.env.BENCH_USERS ?? 100_000);
  const creates = Number(process.env.BENCH_CREATES ?? 400);
  const url = await db.createDatabase('rollcall_bench_scim');
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
    await client.end();
    console.log(
      `seeded ${total.toLocaleString('en')} + 1,000 users in ${fmt((performance.now() - t0) / 1000)} s`,
    );
    const token = async (tenantId: string) =>
      (await admin.post(`/api/v1/tenants/${tenantId}/scim-tokens`, { name: 'bench' })).json().token as string;
    const bigToken = await token(big);
    const smallToken = await token(small);
    const scim = (tok: string, method: 'GET' | 'POST', path: string, body?: unknown) =>
      rollcall.app.inject({
        method,
        url: `/scim/v2${path}`,
        headers: {
          authorization: `Bearer ${tok}`,
          ...(body ? { 'content-type': 'application/scim+json' } : {}),
        },
        payload: body ? JSON.stringify(body) : undefined,
      });
    const ok = (res: { statusCode: number; body: string }, status: number, what: string) => {
      if (res.statusCode !== status) throw new Error(`${what}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    };

    // 1. creates per second, each run on a fresh set of people
    const apiRps = await timed(creates, async (i) => {
      const res = await admin.post(`/api/v1/tenants/${big}/users`, {
        firstName: 'Api',
        lastName: `Person${i}`,
        email: `api${i}@new.bench.test`,
        username: `api${i}@new.bench.test`,
      });
      ok(res, 201, 'api create');
    });
    const scimRps = await timed(creates, async (i) => {
      const res = await scim(bigToken, 'POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `scim${i}@new.bench.test`,
        name: { givenName: 'Scim', familyName: `Person${i}` },
        emails: [{ value: `scim${i}@new.bench.test`, type: 'work', primary: true }],
        externalId: `ext-${i}`,
      });
      ok(res, 201, 'scim create');
    });
    console.log(
      `create, ${creates} users, ${CONCURRENCY} at a time, ${total.toLocaleString('en')} in the tenant: SCIM POST /Users ${fmt(scimRps)}/s | API POST /users ${fmt(apiRps)}/s | ratio ${fmt(scimRps / apiRps, 2)}×`,
    );

    // 2. lookups by userName: the first thing Entra and Okta do for every user
    const rounds = 200;
    // one seeded user in ten is archived, and so gone from SCIM's view: look up the others
    const pick = (i: number, of: number) => {
      const n = 1 + ((i * 7919) % of);
      return `user${n % 10 === 9 ? n + 1 : n}@bench.test`;
    };
    const filter = (name: string) => `/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`;
    const scimBig = await latency(rounds, async (i) => {
      const res = await scim(bigToken, 'GET', filter(pick(i, total)));
      ok(res, 200, 'scim lookup');
      if (JSON.parse(res.body).totalResults !== 1) throw new Error(`no match for ${pick(i, total)}`);
    });
    const searchBig = await latency(rounds, async (i) => {
      ok(
        await admin.get(`/api/v1/tenants/${big}/users?q=${encodeURIComponent(pick(i, total))}&limit=50`),
        200,
        'search',
      );
    });
    const scimSmall = await latency(rounds, async (i) => {
      ok(await scim(smallToken, 'GET', filter(pick(i, 1_000))), 200, 'scim small');
    });
    const emailBig = await latency(rounds, async (i) => {
      const f = `emails[type eq "work" and value eq "${pick(i, total)}"]`;
      ok(await scim(bigToken, 'GET', `/Users?filter=${encodeURIComponent(f)}`), 200, 'scim email');
    });
    const line = (label: string, r: { p50: number; p95: number }) =>
      `${label.padEnd(58)} p50 ${fmt(r.p50)} ms p95 ${fmt(r.p95)} ms`;
    console.log(line(`SCIM userName eq, ${total.toLocaleString('en')} users`, scimBig));
    console.log(
      line(`SCIM emails[type eq "work" and value eq], ${total.toLocaleString('en')} users`, emailBig),
    );
    console.log(line(`users list search q=<address>, ${total.toLocaleString('en')} users`, searchBig));
    console.log(line('SCIM userName eq, 1,000 users', scimSmall));
    console.log(
      `ratio p95: SCIM lookup / list search ${fmt(scimBig.p95 / searchBig.p95, 2)}× | SCIM lookup at ${total.toLocaleString('en')} / at 1,000 ${fmt(scimBig.p95 / scimSmall.p95, 2)}×`,
    );
  } finally {
    await rollcall.stop();
  }
}
