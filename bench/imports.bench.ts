import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type BenchDatabase, benchRollcall, fmt } from './harness.ts';

/**
 * A CSV import of BENCH_IMPORT_ROWS (default 100 000) new users without passwords, end to end
 * through the API: upload, run, every row checked by the user rules, written with its role, group
 * membership, audit event and report row, until the import reads completed. The baseline, in the
 * same run: a raw `COPY` of the same rows into a scratch copy of the users table (same indexes),
 * which is the fastest PostgreSQL can take them.
 */
const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const DEPARTMENTS = ['Sales', 'Support', 'Finance', 'Engineering', 'Operations', 'Legal'];

function people(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    firstName: `Given${i % 1600}`,
    lastName: `Family${(i * 7919) % 64000}`,
    email: `person${i}@import-bench.test`,
    username: `person${i}`,
    department: DEPARTMENTS[i % DEPARTMENTS.length]!,
    jobTitle: i % 3 === 0 ? 'Analyst, senior' : 'Associate',
  }));
}

const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export async function run(db: BenchDatabase): Promise<void> {
  const { url, rollcall, admin } = await benchRollcall(db, 'rollcall_bench_imports');
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  try {
    const tenant = (
      await admin.post('/api/v1/tenants', { name: 'Import Bench', slug: 'import-bench' })
    ).json().id;
    const rows = people(ROWS);
    const csv = Buffer.from(
      `First name,Last name,Email,Username,Department,Title\n${rows
        .map((r) =>
          [r.firstName, r.lastName, r.email, r.username, r.department, r.jobTitle].map(quote).join(','),
        )
        .join('\n')}\n`,
    );

    // baseline: COPY into a scratch copy of users, with every index the real table has; once before
    // and once after the import, because on a shared machine the load drifts over a minute
    const copyRows = async (table: string) => {
      await owner.query(`create table ${table} (like users including all)`);
      const t0 = performance.now();
      await pipeline(
        Readable.from(
          (function* () {
            for (let i = 0; i < rows.length; i += 5000) {
              yield rows
                .slice(i, i + 5000)
                .map(
                  (r) =>
                    `${tenant}\t${randomUUID()}\t${r.firstName}\t${r.lastName}\t${r.email}\t${r.username}\tactive\tinternal\t${r.department}\t${r.jobTitle}\n`,
                )
                .join('');
            }
          })(),
        ),
        owner.query(
          copyFrom(
            `copy ${table} (tenant_id, id, first_name, last_name, email, username, status, kind, department, job_title) from stdin`,
          ),
        ),
      );
      return performance.now() - t0;
    };
    const copyBefore = await copyRows('scratch_users_before');

    const t1 = performance.now();
    const up = await admin.request({
      method: 'POST',
      url: `/api/v1/tenants/${tenant}/imports?fileName=bench.csv`,
      payload: csv,
      headers: { 'content-type': 'text/csv' },
    });
    if (up.statusCode !== 201) throw new Error(`upload failed: ${up.body.slice(0, 300)}`);
    const uploadMs = performance.now() - t1;
    const id = up.json().id;
    const options = {
      hasHeader: true,
      columns: ['firstName', 'lastName', 'email', 'username', 'department', 'jobTitle'].map(
        (field, index) => ({
          index,
          field,
        }),
      ),
    };
    const started = await admin.post(`/api/v1/tenants/${tenant}/imports/${id}/run`, options);
    if (started.statusCode !== 202) throw new Error(`run failed: ${started.body.slice(0, 300)}`);
    let last: { status: string; progress: { created: number; failed: number } };
    for (;;) {
      last = (await admin.get(`/api/v1/tenants/${tenant}/imports/${id}`)).json();
      if (last.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const importMs = performance.now() - t1;
    if (last.status !== 'completed' || last.progress.created !== ROWS)
      throw new Error(`import ended ${last.status}: ${JSON.stringify(last.progress)}`);
    const copyAfter = await copyRows('scratch_users_after');
    const copyMs = (copyBefore + copyAfter) / 2;
    const verify = (await admin.get(`/api/v1/tenants/${tenant}/audit/verify`)).json();
    console.log(
      `import of ${ROWS.toLocaleString('en')} users end to end: ${fmt(importMs / 1000, 2)} s (upload ${fmt(uploadMs / 1000, 2)} s), ${fmt(ROWS / (importMs / 1000), 0)} rows/s; audit chain ${verify.ok ? 'intact' : 'BROKEN'} (${verify.checked} events)`,
    );
    console.log(
      `baseline, raw COPY of the same rows into a copy of users: ${fmt(copyMs / 1000, 2)} s (${fmt(copyBefore / 1000, 2)} s before, ${fmt(copyAfter / 1000, 2)} s after), ${fmt(ROWS / (copyMs / 1000), 0)} rows/s`,
    );
    console.log(`ratio (COPY time / import time): ${fmt(copyMs / importMs, 2)}`);
  } finally {
    await owner.end();
    await rollcall.stop();
  }
}
