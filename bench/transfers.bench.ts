import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { type BenchDatabase, benchRollcall, fmt } from './harness.ts';

/**
 * Transfers of a user who owns a lot: 5,000 jobs, 1,000 forms and 500 workflows registered by an
 * integration (and 100 resources shared with them), through the API — a one-time transfer now, a
 * duration transfer started now, and its cancellation (everything but jobs moves back). Baseline:
 * the same three requests for a user who owns 10 jobs, in the same run.
 */
export async function run(db: BenchDatabase): Promise<void> {
  const { url, rollcall, admin } = await benchRollcall(db, 'rollcall_bench_transfers');
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  try {
    const tenant = (
      await admin.post('/api/v1/tenants', { name: 'Transfer Bench', slug: 'transfer-bench' })
    ).json().id as string;
    const T = `/api/v1/tenants/${tenant}`;
    const user = async (name: string) =>
      (
        await admin.post(`${T}/users`, { firstName: name, lastName: 'Bench', email: `${name}@bench.test` })
      ).json().id as string;
    const seed = async (
      ownerId: string,
      prefix: string,
      counts: Record<string, number>,
      sharedWith?: string,
    ) => {
      for (const [type, n] of Object.entries(counts)) {
        await owner.query(
          `insert into resources (tenant_id, id, type, external_id, name, owner_id, created_at, updated_at)
           select $1, gen_random_uuid(), $2, $3 || i, $2 || ' ' || i, $4, now(), now() from generate_series(1, $5) i`,
          [tenant, type, `${prefix}-${type}-`, ownerId, n],
        );
      }
      if (sharedWith) {
        const other = await user(`${prefix}sharer`);
        await owner.query(
          `insert into resources (tenant_id, id, type, external_id, name, owner_id, created_at, updated_at)
           select $1, gen_random_uuid(), 'workflow', $2 || i, 'shared ' || i, $3, now(), now() from generate_series(1, 100) i`,
          [tenant, `${prefix}-shared-`, other],
        );
        await owner.query(
          `insert into resource_shares (tenant_id, resource_id, user_id, level, created_at, updated_at)
           select tenant_id, id, $2, 'view', now(), now() from resources where tenant_id = $1 and external_id like $3`,
          [tenant, sharedWith, `${prefix}-shared-%`],
        );
      }
    };
    const timed = async (fn: () => Promise<{ statusCode: number; body: string }>, expect: number) => {
      const t0 = performance.now();
      const res = await fn();
      const ms = performance.now() - t0;
      if (res.statusCode !== expect) throw new Error(`${res.statusCode} ${res.body.slice(0, 300)}`);
      return ms;
    };
    const measure = async (prefix: string, counts: Record<string, number>, shared: boolean) => {
      const [a, b, c] = [await user(`${prefix}a`), await user(`${prefix}b`), await user(`${prefix}c`)];
      await seed(a, prefix, counts, shared ? a : undefined);
      const items = Object.values(counts).reduce((x, y) => x + y, 0);
      const oneTime = await timed(
        () => admin.post(`${T}/users/${a}/transfers`, { kind: 'one_time', recipientId: b }),
        201,
      );
      const end = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
      let transferId = '';
      const duration = await timed(async () => {
        const res = await admin.post(`${T}/users/${b}/transfers`, {
          kind: 'duration',
          recipientId: c,
          end: { date: end, hour: 9 },
        });
        transferId = res.json().id;
        return res;
      }, 201);
      const cancel = await timed(() => admin.post(`${T}/transfers/${transferId}/cancel`), 200);
      return { items, oneTime, duration, cancel };
    };
    const small = await measure('s', { job: 10 }, false);
    const big = await measure('b', { job: 5000, form: 1000, workflow: 500 }, true);
    console.log(
      `${big.items.toLocaleString('en')} items: one-time transfer ${fmt(big.oneTime, 0)} ms, duration start ${fmt(big.duration, 0)} ms, cancel (moves back) ${fmt(big.cancel, 0)} ms`,
    );
    console.log(
      `baseline, ${small.items} items: one-time ${fmt(small.oneTime, 0)} ms, duration start ${fmt(small.duration, 0)} ms, cancel ${fmt(small.cancel, 0)} ms`,
    );
    console.log(
      `ratio (${big.items.toLocaleString('en')} vs ${small.items} items, ${fmt(big.items / small.items, 0)}× as many): one-time ${fmt(big.oneTime / small.oneTime, 1)}×, duration ${fmt(big.duration / small.duration, 1)}×, cancel ${fmt(big.cancel / small.cancel, 1)}×`,
    );
  } finally {
    await owner.end();
    await rollcall.stop();
  }
}
