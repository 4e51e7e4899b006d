import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser, signIn, USER_PASSWORD } from '../helpers/fixtures.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let tenant: string;
beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await createTestApp({ env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://rollcall.example.test' } });
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Mail & Co', slug: 'mail-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const login = (email: string, password = USER_PASSWORD) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { tenant: 'mail-co', login: email, password },
  });

describe('one-time sign-in codes by email (rule 26)', () => {
  it('emails a code through SMTP that completes the sign-in once', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'coded@mail.test', firstName: 'Coda' });
    const client = await signIn(t.app, 'mail-co', 'coded@mail.test');
    const { factorId, secret } = (await client.post('/api/v1/me/mfa/totp')).json();
    const { TOTP, Secret } = await import('otpauth');
    const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate({
      timestamp: t.clock.now().getTime(),
    });
    await client.post(`/api/v1/me/mfa/totp/${factorId}/confirm`, { code });

    const first = (await login('coded@mail.test')).json();
    expect(first.methods).toContain('email');
    const sent = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/email-code',
      payload: { mfaToken: first.mfaToken },
    });
    expect(sent.statusCode).toBe(202);
    const mail = await smtp.waitFor(
      (m) => m.to.includes('coded@mail.test') && /sign-in code/.test(m.subject),
    );
    expect(mail.text).toContain('Hello Coda');
    expect(mail.text).toContain('Mail &amp; Co'); // the tenant's name, escaped in the HTML part
    const emailed = /Your sign-in code is (\d{6})/.exec(mail.text)![1]!;
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa',
      payload: { mfaToken: first.mfaToken, method: 'email', code: '000000' },
    });
    expect(wrong.json().code).toBe('auth.mfa_code_wrong');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa',
      payload: { mfaToken: first.mfaToken, method: 'email', code: emailed },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const status = await t.ownerQuery(
      `select status, attempts from outbox where kind = 'sign_in_code' and to_address = 'coded@mail.test'`,
    );
    expect(status.rows[0]).toMatchObject({ status: 'sent', attempts: 1 });
  });
});

describe('password reset by email link', () => {
  it('sends a single-use link that sets a new password and ends every session', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'forgot@mail.test', firstName: 'Fay' });
    const oldSession = await signIn(t.app, 'mail-co', 'forgot@mail.test');
    const ask = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { tenant: 'mail-co', login: 'FORGOT@mail.test' },
    });
    expect(ask.statusCode).toBe(202);
    const mail = await smtp.waitFor((m) => m.to.includes('forgot@mail.test') && /Reset your/.test(m.subject));
    const link = /https:\/\/rollcall\.example\.test\/reset-password\?token=([A-Za-z0-9_%-]+)/.exec(mail.text);
    expect(link).not.toBeNull();
    const token = decodeURIComponent(link![1]!);
    // the reset page learns whom and which rules the link is for
    const inspect = (tok: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/inspect', payload: { token: tok } });
    const seen = await inspect(token);
    expect(seen.statusCode, seen.body).toBe(200);
    expect(seen.json()).toMatchObject({
      tenantSlug: 'mail-co',
      login: 'forgot@mail.test',
      firstName: 'Fay',
      passwordPolicy: { minLength: expect.any(Number) },
    });
    expect((await inspect('rc_reset_not-a-real-token')).json().code).toBe('auth.reset_link_invalid');
    const weak = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset/complete',
      payload: { token, newPassword: 'short' },
    });
    expect(weak.json().code).toBe('password.policy');
    const done = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset/complete',
      payload: { token, newPassword: 'Granite-Harbor-Lantern-42' },
    });
    expect(done.statusCode, done.body).toBe(204);
    expect((await oldSession.get('/api/v1/me')).statusCode).toBe(401);
    expect((await login('forgot@mail.test', 'Granite-Harbor-Lantern-42')).statusCode).toBe(200);
    const reuse = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset/complete',
      payload: { token, newPassword: 'Granite-Harbor-Lantern-43' },
    });
    expect(reuse.json().code).toBe('auth.reset_link_invalid');
    expect((await inspect(token)).json().code).toBe('auth.reset_link_invalid');
    const stored = await t.ownerQuery('select token_hash from password_reset_tokens');
    for (const row of stored.rows) expect(row.token_hash).not.toContain(token);
  });

  it('expires', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'slowreset@mail.test' });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { tenant: 'mail-co', login: 'slowreset@mail.test' },
    });
    const mail = await smtp.waitFor(
      (m) => m.to.includes('slowreset@mail.test') && /Reset your/.test(m.subject),
    );
    const token = decodeURIComponent(/token=([A-Za-z0-9_%-]+)/.exec(mail.text)![1]!);
    t.clock.advance(61 * 60_000);
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/complete',
        payload: { token, newPassword: 'Granite-Harbor-Lantern-44' },
      });
      expect(res.json().code).toBe('auth.reset_link_invalid');
    } finally {
      t.clock.advance(-61 * 60_000);
    }
  });

  it('answers the same for unknown accounts and sends nothing', async () => {
    const resets = () => smtp.messages.filter((m) => /Reset your/.test(m.subject)).length;
    const before = resets();
    for (const payload of [
      { tenant: 'mail-co', login: 'nobody@mail.test' },
      { tenant: 'no-tenant', login: 'x@y.test' },
    ]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload });
      expect(res.statusCode).toBe(202);
      expect(res.body).toBe('');
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(resets()).toBe(before);
  });

  it('a suspended user receives no email (rule 3): the message is suppressed in the outbox', async () => {
    const user = await apiCreateUser(t.admin, tenant, { email: 'quiet@mail.test' });
    await t.admin.post(`/api/v1/tenants/${tenant}/users/${user.id}/suspend`);
    const bulk = await t.admin.post(`/api/v1/tenants/${tenant}/users/bulk`, {
      action: 'sendResetLink',
      ids: [user.id],
    });
    expect(bulk.json().results[0]).toMatchObject({ ok: false, code: 'user.not_active' });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { tenant: 'mail-co', login: 'quiet@mail.test' },
    });
    await new Promise((r) => setTimeout(r, 1500));
    // (the address-confirmation email sent while the user was still active is the only one)
    expect(smtp.messages.some((m) => m.to.includes('quiet@mail.test') && /Reset your/.test(m.subject))).toBe(
      false,
    );
  });

  it('mass password reset: links to many users and forced changes, with a result per user', async () => {
    const a = await apiCreateUser(t.admin, tenant, { email: 'mass1@mail.test' });
    const b = await apiCreateUser(t.admin, tenant, { email: 'mass2@mail.test' });
    const c = await apiCreateUser(t.admin, tenant, { username: 'no.mail.user', email: null });
    const links = await t.admin.post(`/api/v1/tenants/${tenant}/users/bulk`, {
      action: 'sendResetLink',
      ids: [a.id, b.id, c.id],
    });
    expect(links.json()).toMatchObject({
      succeeded: 2,
      failed: 1,
      results: [{ ok: true }, { ok: true }, { ok: false, code: 'user.no_email' }],
    });
    await smtp.waitFor((m) => m.to.includes('mass1@mail.test') && /Reset your/.test(m.subject));
    await smtp.waitFor((m) => m.to.includes('mass2@mail.test') && /Reset your/.test(m.subject));
    const forced = await t.admin.post(`/api/v1/tenants/${tenant}/users/bulk`, {
      action: 'forcePasswordChange',
      ids: [a.id, b.id],
    });
    expect(forced.json().succeeded).toBe(2);
    const client = new TestClient(t.app);
    expect(
      (await client.login('mail-co', 'mass1@mail.test', USER_PASSWORD)).json().passwordChangeRequired,
    ).toBe(true);
  });
});
