import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { verify } from '@node-rs/argon2';
import autocannon from 'autocannon';
import pg from 'pg';
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
/**
 * CPU seconds used so far by this process (the server, its argon2 threads and the load generator)
 * and by every process of the PostgreSQL cluster. On a shared machine throughput drifts with the
 * neighbours' load; CPU time per operation does much less, so the ratio is also given in CPU terms.
 */
function cpuSeconds(postmasterPid: number): { node: number; main: number; postgres: number } {
  const tick = 100; // USER_HZ on Linux
  const stat = (pid: number, file = `/proc/${pid}/stat`) => {
    const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
    return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / tick };
  };
  let postgres = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const s = stat(Number(entry));
      if (Number(entry) === postmasterPid || s.ppid === postmasterPid) postgres += s.cpu;
    } catch {
      // the process ended while we looked
    }
  }
  const own = process.cpuUsage();
  // the main thread (JavaScript: HTTP, validation, queries, and the load generator) apart from the
  // others (libuv's pool, where argon2 runs)
  const main = stat(process.pid, `/proc/${process.pid}/task/${process.pid}/stat`).cpu;
  return { node: (own.user + own.system) / 1e6, main, postgres };
}

async function postmasterPidOf(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const pid = (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^PPid:\s+(\d+)/m)![1]);
  } finally {
    await c.end();
  }
}

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
    const postmaster = await postmasterPidOf(url);
    const rawStart = performance.now();
    const rawCpu0 = cpuSeconds(postmaster);
    await Promise.all(Array.from({ length: connections }, worker));
    const rawCpu1 = cpuSeconds(postmaster);
    const rawRate = verifies / ((performance.now() - rawStart) / 1000);
    const cpuPerVerify = (rawCpu1.node - rawCpu0.node) / verifies;
    const mainPerVerify = (rawCpu1.main - rawCpu0.main) / verifies;

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
      // a browser's sign-in carries its user agent, which becomes the session's device
      headers: {
        'content-type': 'application/json',
        'user-agent':
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      },
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
    const cpu0 = cpuSeconds(postmaster);
    const full = await autocannon({ ...request, duration: seconds });
    const cpu1 = cpuSeconds(postmaster);
    const signIns = full.requests.total;
    const nodePerSignIn = (cpu1.node - cpu0.node) / signIns;
    const pgPerSignIn = (cpu1.postgres - cpu0.postgres) / signIns;
    const mainPerSignIn = (cpu1.main - cpu0.main) / signIns;
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
      `CPU per operation: raw verify ${fmt(cpuPerVerify * 1000, 2)} ms (main thread ${fmt(mainPerVerify * 1000, 2)}); sign-in ${fmt((nodePerSignIn + pgPerSignIn) * 1000, 2)} ms (Node ${fmt(nodePerSignIn * 1000, 2)} of which main thread ${fmt(mainPerSignIn * 1000, 2)} incl. the load generator, PostgreSQL ${fmt(pgPerSignIn * 1000, 2)})`,
    );
    console.log(
      `ratio in CPU terms (verify ÷ sign-in)                    ${fmt(cpuPerVerify / (nodePerSignIn + pgPerSignIn), 2)}×   (what throughput converges to on an idle machine)`,
    );
    console.log(
      `at 80% of that rate (${Math.floor(rate * 0.8)}/s)                            p50 ${fmt(paced.latency.p50)} ms   p99 ${fmt(paced.latency.p99)} ms`,
    );
  } finally {
    await rollcall.stop();
  }
}
