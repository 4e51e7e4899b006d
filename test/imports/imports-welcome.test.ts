import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser } from '../helpers/fixtures.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

/**
 * How imported people get in (the welcome option of a run) and rows with several problems: the
 * welcome email arrives at a real SMTP server, its link sets a password that signs in and confirms
 * the address; without the option nothing is sent; a row that breaks two rules reports both.
 */
let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let tenant: string;
const base = () => `/api/v1/tenants/${tenant}/imports`;
const byIndex = (...fields: string[]) => fields.map((field, index) => ({ index, field }));

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await createTestApp({ env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://rollcall.example.test' } });
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Welcome Co', slug: 'welcome-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

async function importFile(csv: string, options: object) {
  const up = await t.admin.request({
    method: 'POST',
    url: `${base()}?fileName=staff.csv`,
    payload: Buffer.from(csv),
    headers: { 'content-type': 'text/csv' },
  });
  expect(up.statusCode, up.body).toBe(201);
  const id = up.json().id;
  const res = await t.admin.post(`${base()}/${id}/run`, options);
  expect(res.statusCode, res.body).toBe(202);
  for (let i = 0; i < 600; i++) {
    const body = (await t.admin.get(`${base()}/${id}`)).json();
    if (body.status !== 'validating' && body.status !== 'running') return { id, ...body };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('import did not settle');
}

const userByEmail = async (email: string) =>
  (await t.admin.get(`/api/v1/tenants/${tenant}/users?q=${encodeURIComponent(email)}&status=all`))
    .json()
    .items.find((u: { email: string }) => u.email === email);

const outboxTo = async (emails: string[]) =>
  (
    await t.ownerQuery(`select to_address, kind from outbox where tenant_id = $1 and to_address = any($2)`, [
      tenant,
      emails,
    ])
  ).rows;

describe('CSV import: how imported people get in', () => {
  it('without the option, nothing is emailed to the users a run creates', async () => {
    const done = await importFile(
      'First,Last,Email\nQuiet,One,quiet1@welcome.test\nQuiet,Two,quiet2@welcome.test\n',
      {
        hasHeader: true,
        columns: byIndex('firstName', 'lastName', 'email'),
      },
    );
    expect(done).toMatchObject({ status: 'completed', progress: { created: 2 } });
    expect(await outboxTo(['quiet1@welcome.test', 'quiet2@welcome.test'])).toEqual([]);
    const tokens = await t.ownerQuery(
      `select count(*)::int as n from password_reset_tokens where user_id = $1`,
      [(await userByEmail('quiet1@welcome.test')).id],
    );
    expect(tokens.rows[0].n).toBe(0);
  });

  it('with set_password_link, each new user with an email gets a welcome link that sets a password, signs in and confirms the address', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'kept@welcome.test', firstName: 'Kept' });
    const before = smtp.messages.length;
    const done = await importFile(
      [
        'First,Last,Email,Username,Title',
        'Nia,Okafor,nia@welcome.test,nia.okafor,Buyer',
        'Theo,Brandt,,theo.b,Driver',
        'Kept,Person,kept@welcome.test,,Updated title',
      ].join('\n'),
      {
        hasHeader: true,
        columns: byIndex('firstName', 'lastName', 'email', 'username', 'jobTitle'),
        existing: 'update',
        welcome: 'set_password_link',
      },
    );
    expect(done).toMatchObject({ status: 'completed', progress: { created: 2, updated: 1, failed: 0 } });
    expect(done.options.welcome).toBe('set_password_link');

    const mail = await smtp.waitFor((m) => m.to.includes('nia@welcome.test'));
    expect(mail.subject).toMatch(/added you to Welcome Co/);
    expect(mail.text).toMatch(/added you to Welcome Co on Rollcall/);
    expect(mail.text).toMatch(
      /organization \S*welcome-co\S* and nia@welcome\.test \(or your username nia\.okafor\)/,
    );
    expect(mail.text).toMatch(/within 7 days/);
    // the user without an email and the updated user get nothing
    await new Promise((r) => setTimeout(r, 300));
    expect(
      smtp.messages
        .slice(before)
        .filter((m) => /added you to/.test(m.subject))
        .flatMap((m) => m.to),
    ).toEqual(['nia@welcome.test']);
    expect((await outboxTo(['kept@welcome.test'])).filter((r) => r.kind === 'import_welcome')).toEqual([]);

    const nia = await userByEmail('nia@welcome.test');
    expect((await t.admin.get(`/api/v1/tenants/${tenant}/users/${nia.id}`)).json().emailVerified).toBe(false);
    const token = decodeURIComponent(
      /https:\/\/rollcall\.example\.test\/reset-password\?token=([A-Za-z0-9_%-]+)/.exec(mail.text)![1]!,
    );
    const stored = await t.ownerQuery(
      'select token_hash, expires_at from password_reset_tokens where user_id = $1',
      [nia.id],
    );
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0].token_hash).not.toContain(token);

    const set = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset/complete',
      payload: { token, newPassword: 'Orchard-Copper-Falcon-17' },
    });
    expect(set.statusCode, set.body).toBe(204);
    const client = new TestClient(t.app);
    await client.login('welcome-co', 'nia.okafor', 'Orchard-Copper-Falcon-17');
    expect((await client.get('/api/v1/me')).statusCode).toBe(200);
    // opening the link proved the mailbox: the address counts as confirmed
    expect((await t.admin.get(`/api/v1/tenants/${tenant}/users/${nia.id}`)).json().emailVerified).toBe(true);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset/complete',
      payload: { token, newPassword: 'Orchard-Copper-Falcon-18' },
    });
    expect(again.json().code).toBe('auth.reset_link_invalid');

    const audit = await t.ownerQuery(
      `select action from audit_events where tenant_id = $1 and target_id = $2 order by seq`,
      [tenant, nia.id],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['user.created', 'user.welcome_link_sent', 'user.email_verified']),
    );
    expect((await t.admin.get(`/api/v1/tenants/${tenant}/audit/verify`)).json().ok).toBe(true);
  });

  it('refuses an unknown welcome option', async () => {
    const up = await t.admin.request({
      method: 'POST',
      url: base(),
      payload: Buffer.from('A,B,c@welcome.test\n'),
      headers: { 'content-type': 'text/csv' },
    });
    const res = await t.admin.post(`${base()}/${up.json().id}/run`, {
      hasHeader: false,
      columns: byIndex('firstName', 'lastName', 'email'),
      welcome: 'invitation',
    });
    expect([res.statusCode, res.json().code]).toEqual([400, 'request.invalid']);
  });
});

describe('CSV import: a row with several problems', () => {
  it('the dry run and the report list every problem of the row', async () => {
    const up = await t.admin.request({
      method: 'POST',
      url: `${base()}?fileName=messy.csv`,
      payload: Buffer.from(
        'First,Last,Email,Type,Groups\nAda,,not-an-email,robot,Nowhere\nFine,Row,fine@welcome.test,,\n',
      ),
      headers: { 'content-type': 'text/csv' },
    });
    const id = up.json().id;
    const options = {
      hasHeader: true,
      columns: byIndex('firstName', 'lastName', 'email', 'kind', 'groups'),
    };
    expect((await t.admin.post(`${base()}/${id}/dry-run`, options)).statusCode).toBe(202);
    for (let i = 0; i < 200; i++) {
      if ((await t.admin.get(`${base()}/${id}`)).json().status === 'validated') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const [row] = (await t.admin.get(`${base()}/${id}/rows`)).json().items;
    expect(row).toMatchObject({ row: 2, outcome: 'failed', code: 'import.invalid_value' });
    expect(row.problems.map((p: { code: string }) => p.code)).toEqual([
      'import.invalid_value',
      'import.unknown_group',
      'import.missing_required',
      'import.invalid_email',
    ]);
    expect(row.message).toBe(
      'User type: must be internal or external; No group named “Nowhere” in this tenant; Last name is required; “not-an-email” is not an email address.',
    );
    const csv = (await t.admin.get(`${base()}/${id}/report`)).body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(csv[1]).toBe(
      '2,failed,,not-an-email,import.invalid_value; import.unknown_group; import.missing_required; import.invalid_email,' +
        'User type: must be internal or external; No group named “Nowhere” in this tenant; Last name is required; “not-an-email” is not an email address.',
    );
  });
});
