import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/platform/context.ts';
import { withTenantTx } from '../../src/platform/db.ts';
import { queueMail } from '../../src/platform/mail.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
beforeAll(async () => {
  smtp = await startSmtpServer({ reject: (address) => address.startsWith('bounce') });
  t = await createTestApp({ env: { SMTP_URL: smtp.url } });
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const waitForRow = async (address: string, pred: (row: any) => boolean) => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await t.ownerQuery('select * from outbox where to_address = $1', [address]);
    if (rows[0] && pred(rows[0])) return rows[0];
    if (Date.now() > deadline) throw new Error(`outbox row for ${address}: ${JSON.stringify(rows[0])}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('email delivery through the outbox', () => {
  it('delivers a batch side by side; a refused recipient fails alone and is retried, the rest are sent once', async () => {
    const platform = t.rollcall.platform;
    const ctx = { tenantId: t.providerId, actor: systemActor('test'), clock: platform.clock };
    const addresses = [...Array.from({ length: 30 }, (_, i) => `batch${i}@mail.test`), 'bounce@mail.test'];
    await withTenantTx(platform.db, t.providerId, async (tx) => {
      for (const to of addresses)
        await queueMail(platform, tx, ctx, {
          to,
          kind: 'test',
          subject: `To ${to}`,
          text: 'Hi',
          html: '<p>Hi</p>',
        });
    });
    await smtp.waitFor(() => smtp.messages.filter((m) => m.to[0]?.startsWith('batch')).length === 30, 60_000);
    const refused = await waitForRow('bounce@mail.test', (r) => r.attempts >= 1);
    expect(refused.status).toBe('queued'); // still retrying with backoff, not given up yet
    expect(refused.last_error).toMatch(/550|mailbox unavailable/);
    const { rows } = await t.ownerQuery(`select status, attempts from outbox where to_address like 'batch%'`);
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
    // every message arrived exactly once: a failure in the batch did not resend the others
    const received = smtp.messages.filter((m) => m.to[0]?.startsWith('batch')).map((m) => m.to[0]);
    expect(new Set(received).size).toBe(30);
    expect(received).toHaveLength(30);
  });
});
