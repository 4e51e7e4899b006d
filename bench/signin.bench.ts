import { performance } from 'node:perf_hooks';
import { verify } from '@node-rs/argon2';
import autocannon from 'autocannon';
import { hashPassword } from '../src/modules/auth/passwords.ts';
import { loadConfig } from '../src/platform/config.ts';
import { startRollcall } from '../src/server.ts';
import { type BenchDatabase, fmt } from './harness.ts';

/**
 * Password sign-ins per second through the real HTTP route, against raw @node-rs/argon2 verifies per
 * second with the same parameters and the same concurrency, in the same run. The ratio says what
 * share of a sign-in is the hash (the rest is HTTP, session and database work). Then p99 latency at
 * 80% of the measured sign-in rate.
 */
export async function run(db: BenchDatabase, seconds: number): Promise<void> {
  const url = await db.createDatabase('rollcall_bench_signin');
  const password = 'Bench-Password-123!';
  const rollcall = await startRollcall(
    loadConfig({
      DATABASE_URL: url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      ROLLCALL_ADMIN_EMAIL: 'bench@msp.test',
      ROLLCALL_ADMIN_PASSWORD: password,
      ROLLCALL_AUTH_RATE_LIMIT: '100000000',
    }),
    { logger: false, skipConsoleBuild: true },
  );
  const connections = 8;
  try {
    // raw argon2id verifies, same parameters, same number of requests in flight
    const userPassword = 'Granite-Harbor-Lantern-Bench-7';
    const hash = await hashPassword(password);
    const rawUntil = performance.now() + seconds * 1000;
    let verifies = 0;
    const worker = async () => {
      while (performance.now() < rawUntil) {
        if (!(await verify(hash, password))) throw new Error('verify failed');
        verifies += 1;
      }
    };
    const rawStart = performance.now();
    await Promise.all(Array.from({ length: connections }, worker));
    const rawRate = verifies / ((performance.now() - rawStart) / 1000);

    const base = rollcall.url!.replace('localhost', '127.0.0.1');
    // many people sign in at once, not one person many times (one user's sign-ins are serialised)
    const { TestClient } = await import('../test/helpers/app.ts');
    const admin = new TestClient(rollcall.app);
    await admin.login('msp', 'bench@msp.test', password);
    const providerId = (await admin.get('/api/v1/me')).json().tenant.id;
    const logins: string[] = [];
    for (let i = 0; i < 32; i++) {
      const email = `signer${i}@msp.test`;
      const res = await admin.post(`/api/v1/tenants/${providerId}/users`, {
        firstName: 'Signer',
        lastName: `No${i}`,
        email,
        password: userPassword,
      });
      if (res.statusCode !== 201) throw new Error(res.body);
      logins.push(email);
    }
    let next = 0;
    const request = {
      url: `${base}/api/v1/auth/login`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: ((req: Record<string, unknown>) => {
            const login = logins[next++ % logins.length];
            return { ...req, body: JSON.stringify({ tenant: 'msp', login, password: userPassword }) };
          }) as never,
        },
      ],
      connections,
      pipelining: 1,
    };
    await autocannon({ ...request, duration: 2 });
    const full = await autocannon({ ...request, duration: seconds });
    if (full.non2xx > 0) throw new Error(`sign-in failed: ${full.non2xx} non-2xx`);
    const rate = full.requests.average;
    const paced = await autocannon({
      ...request,
      duration: seconds,
      overallRate: Math.max(1, Math.floor(rate * 0.8)),
    });

    console.log(
      `raw argon2id verify (m=19 MiB, t=2, p=1), ${connections} at once   ${fmt(rawRate, 1).padStart(7)} /s`,
    );
    console.log(
      `POST /api/v1/auth/login, ${connections} connections            ${fmt(rate, 1).padStart(7)} /s   p50 ${fmt(full.latency.p50)} ms   p99 ${fmt(full.latency.p99)} ms`,
    );
    console.log(
      `ratio sign-ins ÷ raw verifies                            ${fmt(rate / rawRate, 2)}×   (goal ≥ 0.9)`,
    );
    console.log(
      `at 80% of that rate (${Math.floor(rate * 0.8)}/s)                            p50 ${fmt(paced.latency.p50)} ms   p99 ${fmt(paced.latency.p99)} ms`,
    );
  } finally {
    await rollcall.stop();
  }
}
