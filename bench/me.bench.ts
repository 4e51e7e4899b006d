import Fastify from 'fastify';
import pg from 'pg';
import { loadConfig } from '../src/platform/config.ts';
import { startRollcall } from '../src/server.ts';
import { type BenchDatabase, fmt, load } from './harness.ts';

/**
 * Authenticated `GET /api/v1/me` (session lookup, permission union, one tenant transaction) against
 * a bare Fastify route doing one `select 1` on the same PostgreSQL: the ratio is what Rollcall's
 * request path costs over the floor of "HTTP + one query".
 */
export async function run(db: BenchDatabase, seconds: number): Promise<void> {
  const url = await db.createDatabase('rollcall_bench_me');
  const password = 'Bench-Password-123!';
  const rollcall = await startRollcall(
    loadConfig({
      DATABASE_URL: url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      ROLLCALL_ADMIN_EMAIL: 'bench@msp.test',
      ROLLCALL_ADMIN_PASSWORD: password,
    }),
    { logger: false, skipConsoleBuild: true },
  );
  const base = rollcall.url!.replace('localhost', '127.0.0.1');
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'msp', login: 'bench@msp.test', password }),
  });
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

  const pool = new pg.Pool({ connectionString: url, max: 20 });
  const bare = Fastify();
  bare.get('/select1', async () => (await pool.query('select 1 as one')).rows[0]);
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

  try {
    // warm both up so neither pays for JIT or connection set-up in the measurement
    await load(`${base}/api/v1/me`, { headers: { cookie }, duration: 2 });
    await load(`${bareUrl}/select1`, { duration: 2 });
    const baseline = await load(`${bareUrl}/select1`, { duration: seconds });
    const me = await load(`${base}/api/v1/me`, { headers: { cookie }, duration: seconds });
    if (me.non2xx > 0 || me.errors > 0)
      throw new Error(`GET /me failed: ${me.non2xx} non-2xx, ${me.errors} errors`);
    console.log(
      `GET /api/v1/me (authenticated)   ${fmt(me.rps, 0).padStart(7)} rps   p50 ${fmt(me.p50)} ms   p99 ${fmt(me.p99)} ms`,
    );
    console.log(
      `baseline: Fastify + select 1     ${fmt(baseline.rps, 0).padStart(7)} rps   p50 ${fmt(baseline.p50)} ms   p99 ${fmt(baseline.p99)} ms`,
    );
    console.log(
      `ratio /me ÷ baseline             throughput ${fmt(me.rps / baseline.rps, 2)}×   p99 ${fmt(me.p99 / Math.max(baseline.p99, 0.001), 2)}×`,
    );
  } finally {
    await bare.close();
    await pool.end();
    await rollcall.stop();
  }
}
