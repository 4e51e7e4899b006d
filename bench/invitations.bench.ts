import { performance } from 'node:perf_hooks';
import { systemActor } from '../src/platform/context.ts';
import { withTenantTx } from '../src/platform/db.ts';
import { queueMail } from '../src/platform/mail.ts';
import { startSmtpServer } from '../test/helpers/smtp.ts';
import { type BenchDatabase, benchRollcall, fmt } from './harness.ts';

/**
 * 1,000 addresses in one invitation request, delivered to a local SMTP server: the time to answer
 * the request (1,000 pending users, links, outbox rows and jobs, each address its own transaction),
 * the time until every email arrived, and emails per second. Baseline: the same request for 10.
 */
export async function run(db: BenchDatabase): Promise<void> {
  const smtp = await startSmtpServer();
  const { rollcall, admin } = await benchRollcall(db, 'rollcall_bench_invitations', {
    SMTP_URL: smtp.url,
  });
  try {
    const tenant = (
      await admin.post('/api/v1/tenants', { name: 'Invite Bench', slug: 'invite-bench' })
    ).json().id;
    const measure = async (count: number, prefix: string) => {
      const before = smtp.messages.length;
      const emails = Array.from({ length: count }, (_, i) => `${prefix}${i}@bench.test`).join(', ');
      const t0 = performance.now();
      const res = await admin.post(`/api/v1/tenants/${tenant}/invitations`, { entries: [{ emails }] });
      const answered = performance.now() - t0;
      if (res.statusCode !== 200 || res.json().sent !== count)
        throw new Error(`invite failed: ${res.body.slice(0, 300)}`);
      await smtp.waitFor(() => smtp.messages.length - before >= count, 600_000);
      const delivered = performance.now() - t0;
      return { answered, delivered, rate: count / (delivered / 1000) };
    };
    const small = await measure(10, 'warm');
    const big = await measure(1000, 'person');
    console.log(
      `invite 1,000 in one request: answered in ${fmt(big.answered / 1000, 2)} s, all delivered in ${fmt(big.delivered / 1000, 2)} s, ${fmt(big.rate, 1)} emails/s`,
    );
    console.log(
      `baseline, 10 in one request: answered in ${fmt(small.answered, 0)} ms, delivered in ${fmt(small.delivered, 0)} ms`,
    );
    console.log(
      `ratio per address (1,000 vs 10): answer ${fmt(big.answered / 1000 / (small.answered / 10), 2)}×`,
    );
    // delivery alone: 1,000 messages committed at once, then the time for the mail queue to drain them
    const platform = rollcall.platform;
    const ctx = { tenantId: tenant, actor: systemActor('bench'), clock: platform.clock };
    const before = smtp.messages.length;
    const t0 = performance.now();
    await withTenantTx(platform.db, tenant, async (tx) => {
      for (let i = 0; i < 1000; i++)
        await queueMail(platform, tx, ctx, {
          to: `drain${i}@bench.test`,
          kind: 'bench',
          subject: `Message ${i}`,
          text: 'Hello',
          html: '<p>Hello</p>',
        });
    });
    const committed = performance.now() - t0;
    await smtp.waitFor(() => smtp.messages.length - before >= 1000, 600_000);
    const drained = performance.now() - t0 - committed;
    console.log(
      `delivery alone: 1,000 queued messages drained in ${fmt(drained / 1000, 2)} s after commit, ${fmt(1000 / (drained / 1000), 1)} emails/s`,
    );
  } finally {
    await rollcall.stop();
    await smtp.close();
  }
}
