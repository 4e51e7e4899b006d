import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { flowEngineOf } from '../src/modules/flows/engine.ts';
import type { Clock } from '../src/platform/clock.ts';
import { loadConfig } from '../src/platform/config.ts';
import { startRollcall } from '../src/server.ts';
import { TestClient } from '../test/helpers/app.ts';
import { type RollcallProcess, spawnRollcall } from '../test/helpers/process.ts';
import { type BenchDatabase, fmt, percentile } from './harness.ts';

/**
 * The flow engine on time: BENCH_FLOW_RUNS (default 10 000) runs of a 5-step offboarding template
 * (suspend, end sessions and tokens, remove from groups, free licences, set an attribute), every
 * step falling due within the same minute — 833 steps a second, each second's steps due at the same
 * instant — across 10 customer tenants. Reported: steps executed per second from the first
 * instant to the last step and in the busiest five seconds, the lag from each step's instant to its
 * start (p50, p99, max), and the CPU a step costs. Baseline in the same run: no-op pg-boss jobs, one
 * per step — what an engine that makes each step a pg-boss job could reach at best.
 * `BENCH_FLOW_BURST=1` puts every step at the minute's first instant instead: the pace over a backlog.
 */
const TENANTS = 10;
const SLOTS = 60;
const STEPS = 5;

/** The clock the engine reads: real time, shifted so the minute of the bench starts when we say. */
class ShiftedClock implements Clock {
  shift = 0;
  now(): Date {
    return new Date(Date.now() + this.shift);
  }
}

export async function run(db: BenchDatabase): Promise<void> {
  const runsWanted = Number(process.env.BENCH_FLOW_RUNS ?? 10_000);
  // BENCH_FLOW_WORKERS > 0: that many separate worker processes run the steps (ROLLCALL_ROLE=worker),
  // this one only serves the API; 0 (default): this process does both, as `npm start` does
  const workerCount = Number(process.env.BENCH_FLOW_WORKERS ?? 0);
  // BENCH_FLOW_BURST=1: every step of every run due at the same instant, so "executed per second" is
  // the engine's own pace over the whole backlog (lag then only says how long the backlog took)
  const burst = process.env.BENCH_FLOW_BURST === '1';
  const workers: RollcallProcess[] = [];
  const url = await db.createDatabase('rollcall_bench_flows');
  const password = 'Bench-Password-123!';
  const clock = new ShiftedClock();
  const rollcall = await startRollcall(
    loadConfig({
      DATABASE_URL: url,
      LOG_LEVEL: 'silent',
      ROLLCALL_ADMIN_EMAIL: 'bench@msp.test',
      ROLLCALL_ADMIN_PASSWORD: password,
      ROLLCALL_ROLE: workerCount > 0 ? 'http' : 'all',
      // the number of dispatcher loops can be tried from outside: ROLLCALL_FLOW_LOOPS=4 npm run bench flows
      ROLLCALL_FLOW_LOOPS: process.env.ROLLCALL_FLOW_LOOPS ?? '',
    }),
    { logger: false, skipConsoleBuild: true, listen: false, clock },
  );
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  try {
    const boss = rollcall.platform.jobs.boss;
    const repoStyle = await pgBossBaseline(boss, 'bench.noop_repo', 160, {
      batchSize: 1,
      localConcurrency: 8,
      pollingIntervalSeconds: 0.5,
    });
    const baseline = await pgBossBaseline(boss, 'bench.noop_tuned', 20_000, {
      batchSize: 100,
      localConcurrency: 4,
      pollingIntervalSeconds: 0.5,
      burstWhenBatchFull: true,
    });
    const admin = new TestClient(rollcall.app);
    await admin.login('msp', 'bench@msp.test', password);
    // the minute everything falls due in: an hour from now, on the engine's clock
    const t0 = Math.ceil((Date.now() + 3_600_000) / 60_000) * 60_000;
    const perTenant = Math.ceil(runsWanted / TENANTS);
    const tenants: Array<{ id: string; templates: string[]; users: string[] }> = [];
    for (let i = 0; i < TENANTS; i++) {
      const id = (await admin.post('/api/v1/tenants', { name: `Bench ${i}`, slug: `bench-${i}` })).json().id;
      const sales = (await admin.post(`/api/v1/tenants/${id}/groups`, { name: 'Sales' })).json().id;
      await admin.put(`/api/v1/tenants/${id}/licenses`, { pools: [{ type: 'people', quantity: perTenant }] });
      const users = await seedUsers(owner, id, sales, perTenant);
      // 12 templates per tenant, each with its 5 steps one second apart: together every second of the minute
      const templates: string[] = [];
      for (let j = 0; j < SLOTS / STEPS; j++) {
        const at = (k: number) => new Date(burst ? t0 : t0 + (j * STEPS + k) * 1000).toISOString();
        const res = await admin.post(`/api/v1/tenants/${id}/flow-templates`, {
          name: `Leaver ${j}`,
          steps: [
            { action: 'suspend', when: { at: at(0) } },
            { action: 'revoke_access', when: { at: at(1) } },
            { action: 'remove_groups', when: { at: at(2) } },
            { action: 'unassign_licenses', when: { at: at(3) } },
            {
              action: 'set_attribute',
              when: { at: at(4) },
              params: { attribute: 'custom.offboarded', value: 'yes' },
            },
          ],
        });
        if (res.statusCode !== 201) throw new Error(res.body);
        templates.push(res.json().id);
      }
      tenants.push({ id, templates, users });
    }

    // start the runs through the API, sixteen at a time
    const jobs: Array<() => Promise<void>> = [];
    let n = 0;
    for (const t of tenants)
      t.users.forEach((userId, i) => {
        if (n++ >= runsWanted) return;
        jobs.push(async () => {
          const res = await admin.post(`/api/v1/tenants/${t.id}/flow-runs`, {
            templateId: t.templates[i % t.templates.length],
            userId,
            eventDate: new Date(t0).toISOString().slice(0, 10),
          });
          if (res.statusCode !== 201) throw new Error(res.body);
        });
      });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let job = jobs.shift(); job; job = jobs.shift()) await job();
      }),
    );
    const creation = (performance.now() - started) / 1000;
    const total = n * STEPS;
    console.log(
      `setup: ${n} runs started through the API in ${fmt(creation, 1)} s (${fmt(n / creation, 0)} runs/s)`,
    );

    let loops = rollcall.platform.config.flowLoops;
    for (let i = 0; i < workerCount; i++) {
      const w = spawnRollcall(url, {
        ROLLCALL_ROLE: 'worker',
        ROLLCALL_ADMIN_EMAIL: 'bench@msp.test',
        ROLLCALL_ADMIN_PASSWORD: password,
        LOG_LEVEL: 'error',
      });
      workers.push(w);
      await w.ready;
    }
    const load = os.loadavg()[0]!;
    const pgCpuNow = await postgresCpu(owner);
    const pg0 = pgCpuNow?.() ?? null;
    const node0 = process.cpuUsage();
    const workers0 = workers.map((w) => processCpuMs(w.child.pid!));
    if (workerCount === 0) {
      // jump the engine's clock to two seconds before the minute and let it work
      clock.shift = t0 - 2_000 - Date.now();
      flowEngineOf(rollcall.platform).wake();
    } else {
      // the workers keep real time: bring the minute to two seconds from now instead
      const delta = `${t0 - (Date.now() + 2_000)} milliseconds`;
      await owner.query('update flow_run_steps set due_at = due_at - $1::interval', [delta]);
      await owner.query(
        `update flow_runs set next_due_at = next_due_at - $1::interval where next_due_at is not null`,
        [delta],
      );
      await owner.query(`select pg_notify('rollcall_flows', '')`);
      loops = loops * workerCount;
    }
    const done = await waitForCompletion(owner, n, 600_000);
    if (!done) throw new Error('the runs did not complete in 10 minutes');
    const nodeCpu =
      (() => {
        const u = process.cpuUsage(node0);
        return (u.user + u.system) / 1000;
      })() + workers.reduce((sum, w, i) => sum + processCpuMs(w.child.pid!) - workers0[i]!, 0);
    const pgCpu = pg0 === null || !pgCpuNow ? null : pgCpuNow() - pg0;
    const rows = (
      await owner.query<{ due: string; started: string; finished: string }>(
        `select extract(epoch from due_at) * 1000 as due, extract(epoch from started_at) * 1000 as started,
                extract(epoch from finished_at) * 1000 as finished
           from flow_run_steps where status = 'done'`,
      )
    ).rows.map((r) => ({ due: Number(r.due), started: Number(r.started), finished: Number(r.finished) }));
    if (rows.length !== total) throw new Error(`${rows.length} of ${total} steps done`);
    const lags = rows.map((r) => r.started - r.due).sort((a, b) => a - b);
    const firstDue = Math.min(...rows.map((r) => r.due));
    const last = Math.max(...rows.map((r) => r.finished));
    const rate = total / ((last - firstDue) / 1000);
    // the busiest five seconds: the engine's pace while it had a backlog (or the arrival rate, if none)
    const windows = new Map<number, number>();
    for (const r of rows)
      windows.set(Math.floor(r.finished / 5000), (windows.get(Math.floor(r.finished / 5000)) ?? 0) + 1);
    const peak = Math.max(...windows.values()) / 5;
    console.log(
      `flows: ${total} steps of ${n} runs ${burst ? 'all due at the same instant' : `due within one minute (${fmt(total / 60, 0)} steps/s arriving)`}, ${workerCount > 0 ? `${workerCount} worker processes` : 'one process'}, ${loops} dispatcher loops`,
    );
    console.log(
      `  executed ${fmt(rate, 0)} steps/s from the first instant to the last step (it keeps up when that is the arrival rate), ${fmt(peak, 0)} steps/s in the busiest five seconds`,
    );
    console.log(
      `  lag from due instant to start: p50 ${fmt(percentile(lags, 50), 0)} ms, p99 ${fmt(percentile(lags, 99), 0)} ms, max ${fmt(lags[lags.length - 1]!, 0)} ms`,
    );
    if (pgCpu !== null) {
      const perStep = (nodeCpu + pgCpu) / total;
      console.log(
        `  CPU per step: ${fmt(perStep, 2)} ms (Node ${fmt(nodeCpu / total, 2)}, PostgreSQL ${fmt(pgCpu / total, 2)}); on 2 cores nothing else uses, at most ${fmt(2000 / perStep, 0)} steps/s`,
      );
    }
    console.log(`  the machine's load average when the minute began: ${fmt(load, 1)} (2 cores)`);
    console.log(
      `baseline, no-op pg-boss jobs: ${fmt(baseline, 0)} jobs/s tuned (batch 100, 4 workers, burst); ${fmt(repoStyle, 0)} jobs/s as the repo's queues run (batch 1, 8 workers, 0.5 s polling)`,
    );
    console.log(
      `ratio: flow steps doing their work ÷ empty pg-boss jobs = ${fmt(rate / baseline, 2)}× tuned, ${fmt(rate / repoStyle, 1)}× repo-style`,
    );
  } finally {
    for (const w of workers) await w.kill('SIGTERM');
    await owner.end();
    await rollcall.stop();
  }
}

function processCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/**
 * CPU time of this PostgreSQL's processes (the postmaster and its children, found from a backend of
 * ours), or null when the server runs elsewhere. Other clusters on the machine are not counted.
 */
async function postgresCpu(owner: pg.Client): Promise<(() => number) | null> {
  const stat = (pid: string) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  try {
    const backend = (await owner.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    const postmaster = stat(String(backend))[1]!;
    return () => {
      let ticks = 0;
      for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        try {
          const f = stat(pid);
          if (pid === postmaster || f[1] === postmaster) ticks += Number(f[11]) + Number(f[12]);
        } catch {
          // the process ended meanwhile
        }
      }
      return ticks * 10; // clock ticks of 10 ms (USER_HZ 100)
    };
  } catch {
    return null;
  }
}

/** Users with a licence and a second group, written straight into the tables (setup, not measured). */
async function seedUsers(
  owner: pg.Client,
  tenantId: string,
  salesId: string,
  count: number,
): Promise<string[]> {
  const ids = (
    await owner.query<{ id: string }>(
      `insert into users (tenant_id, id, first_name, last_name, email, status, kind, created_at, updated_at)
       select $1::uuid, gen_random_uuid(), 'Leaver', 'Number ' || i, 'leaver' || i || '@' || $1 || '.bench', 'active', 'internal', now(), now()
         from generate_series(1, $2::int) as i
       returning id`,
      [tenantId, count],
    )
  ).rows.map((r) => r.id);
  await owner.query(
    `insert into user_roles (tenant_id, user_id, role_id)
     select u.tenant_id, u.id, r.id from users u join roles r on r.tenant_id = u.tenant_id and r.key = 'user'
      where u.tenant_id = $1 and u.first_name = 'Leaver'`,
    [tenantId],
  );
  await owner.query(
    `insert into group_members (tenant_id, group_id, user_id)
     select u.tenant_id, g.id, u.id from users u join groups g on g.tenant_id = u.tenant_id and (g.is_default or g.id = $2)
      where u.tenant_id = $1 and u.first_name = 'Leaver'`,
    [tenantId, salesId],
  );
  await owner.query(
    `insert into license_assignments (tenant_id, type, user_id, assigned_at)
     select tenant_id, 'people', id, now() from users where tenant_id = $1 and first_name = 'Leaver'`,
    [tenantId],
  );
  return ids;
}

async function waitForCompletion(owner: pg.Client, runs: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await owner.query<{ n: number }>(
      `select count(*)::int as n from flow_runs where status = 'completed'`,
    );
    if (rows[0]!.n >= runs) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/**
 * No-op pg-boss jobs, all due at once: what a job-per-step engine could reach at best. Worked two
 * ways: as the repo's other queues are (a batch of one, 8 workers polling twice a second), and tuned
 * (batches of 100, 4 workers, fetching again at once while batches come back full).
 */
async function pgBossBaseline(
  boss: import('pg-boss').PgBoss,
  name: string,
  count: number,
  options: Record<string, unknown>,
): Promise<number> {
  await boss.createQueue(name);
  let worked = 0;
  await boss.insert(
    name,
    Array.from({ length: count }, (_, i) => ({ data: { i } })),
  );
  const t = performance.now();
  await boss.work(
    name,
    options as never,
    (async (jobs: unknown[]) => {
      worked += jobs.length;
    }) as never,
  );
  while (worked < count) await new Promise((r) => setTimeout(r, 50));
  const rate = count / ((performance.now() - t) / 1000);
  await boss.offWork(name);
  return rate;
}
