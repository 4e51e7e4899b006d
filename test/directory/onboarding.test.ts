import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser, signIn } from '../helpers/fixtures.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let tenant: string;
const users = (path = '') => `/api/v1/tenants/${tenant}/users${path}`;
const STRONG = 'Granite-Harbor-Lantern-Setup-7';

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await createTestApp({ env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://rollcall.example.test' } });
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Onboard Ltd', slug: 'onboard' })).json().id;
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const verificationMails = (email: string) =>
  smtp.messages.filter((m) => m.to.includes(email) && /Confirm your email/.test(m.subject));
/** The token of the nth verification email to `email`, once it has arrived. */
const verificationToken = async (email: string, nth = 0) => {
  await smtp.waitFor(() => verificationMails(email).length > nth);
  const mail = verificationMails(email)[nth]!;
  return decodeURIComponent(/verify-email\?token=([A-Za-z0-9_%-]+)/.exec(mail.text)![1]!);
};
const confirm = (token: string) =>
  t.app.inject({ method: 'POST', url: '/api/v1/email-verification/confirm', payload: { token } });

describe('email verification for addresses an administrator typed', () => {
  it('a created user with an email is sent a single-use link that confirms the address', async () => {
    const u = await apiCreateUser(t.admin, tenant, { email: 'vera@onboard.test', firstName: 'Vera' });
    expect((await t.admin.get(users(`/${u.id}`))).json().emailVerified).toBe(false);
    const token = await verificationToken('vera@onboard.test');
    expect(verificationMails('vera@onboard.test')[0]!.text).toContain('Hello Vera');

    const ok = await confirm(token);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ email: 'vera@onboard.test' });
    expect((await t.admin.get(users(`/${u.id}`))).json().emailVerified).toBe(true);
    const again = await confirm(token);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({
      code: 'user.email_verification_link_invalid',
      details: { reason: 'used' },
    });

    const audit = (await t.admin.get(`/api/v1/tenants/${tenant}/audit?action=user.email_verified`)).json();
    expect(audit.items.some((e: { target: { id: string } }) => e.target.id === u.id)).toBe(true);
    // resending to a confirmed address sends nothing
    const resend = await t.admin.post(users(`/${u.id}/email-verification`));
    expect(resend.json()).toEqual({ sent: false, alreadyVerified: true });
  });

  it('resending kills the previous link; links expire', async () => {
    const u = await apiCreateUser(t.admin, tenant, { email: 'rex@onboard.test' });
    const first = await verificationToken('rex@onboard.test');
    const resend = await t.admin.post(users(`/${u.id}/email-verification`));
    expect(resend.json()).toEqual({ sent: true, alreadyVerified: false });
    const second = await verificationToken('rex@onboard.test', 1);
    expect((await confirm(first)).json().details).toEqual({ reason: 'replaced' });

    t.clock.advance(73 * 3_600_000);
    try {
      const late = await confirm(second);
      expect(late.json()).toMatchObject({
        code: 'user.email_verification_link_invalid',
        details: { reason: 'expired' },
      });
    } finally {
      t.clock.advance(-73 * 3_600_000);
    }
    expect((await confirm('rc_ver_not-a-real-token-at-all')).json().details).toEqual({ reason: 'unknown' });
  });

  it('changing the address un-confirms it and asks the new address; a link to the old one no longer works', async () => {
    const u = await apiCreateUser(t.admin, tenant, { email: 'old@onboard.test' });
    const oldLink = await verificationToken('old@onboard.test');
    await confirm(oldLink);
    const patched = await t.admin.patch(users(`/${u.id}`), { email: 'new@onboard.test' });
    expect(patched.json().emailVerified).toBe(false);
    const newLink = await verificationToken('new@onboard.test');
    expect((await confirm(newLink)).statusCode).toBe(200);
    expect((await t.admin.get(users(`/${u.id}`))).json().emailVerified).toBe(true);

    // a link still open when the address changes: the address it was for is no longer the user's
    const w = await apiCreateUser(t.admin, tenant, { email: 'wren@onboard.test' });
    const stale = await verificationToken('wren@onboard.test');
    await t.ownerQuery(`update users set email = 'wren2@onboard.test' where id = $1`, [w.id]);
    expect((await confirm(stale)).json().details).toEqual({ reason: 'email_changed' });
  });

  it('a user without an email cannot be sent one; a suspended user receives nothing (rule 3)', async () => {
    const nameOnly = await apiCreateUser(t.admin, tenant, { email: null, username: 'no.mail' });
    const none = await t.admin.post(users(`/${nameOnly.id}/email-verification`));
    expect(none.statusCode).toBe(412);
    expect(none.json().code).toBe('user.no_email');

    const s = await apiCreateUser(t.admin, tenant, { email: 'sus@onboard.test' });
    await t.admin.post(users(`/${s.id}/suspend`));
    const resend = await t.admin.post(users(`/${s.id}/email-verification`));
    expect(resend.json().sent).toBe(true);
    const { rows } = await t.ownerQuery(
      `select status from outbox where to_address = 'sus@onboard.test' and kind = 'email_verification' order by created_at`,
    );
    expect(rows.map((r) => r.status)).toEqual([expect.any(String), 'suppressed']);
  });

  it('sending to someone else needs users.update; anyone may ask for a link to their own address', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'plain@onboard.test' });
    const client = await signIn(t.app, 'onboard', 'plain@onboard.test');
    const target = await apiCreateUser(t.admin, tenant, { email: 'target@onboard.test' });
    const denied = await client.post(users(`/${target.id}/email-verification`));
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('auth.forbidden');
    const own = await client.post('/api/v1/me/email-verification');
    expect(own.json()).toEqual({ sent: true, alreadyVerified: false });
    await verificationToken('plain@onboard.test', 1);
  });
});

describe('asking for confirmation links is throttled', () => {
  it('five an hour for one person: the sixth is refused, nothing more is sent', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'eager@onboard.test' });
    const client = await signIn(t.app, 'onboard', 'eager@onboard.test');
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await client.post('/api/v1/me/email-verification')).statusCode);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await client.post('/api/v1/me/email-verification');
    expect(limited.json().code).toBe('request.rate_limited');
    const { rows } = await t.ownerQuery(
      `select count(*)::int as n from outbox where to_address = 'eager@onboard.test' and kind = 'email_verification'`,
    );
    expect(rows[0].n).toBe(6); // the one sent at creation and five asked for
  });

  it('links in request logs are written without their secret', async () => {
    const { redactSecrets } = await import('../../src/app.ts');
    expect(redactSecrets('/verify-email?token=rc_ver_abc&x=1')).toBe('/verify-email?token=[redacted]&x=1');
    expect(redactSecrets('/invitation?token=rc_inv_abc')).toBe('/invitation?token=[redacted]');
    expect(redactSecrets('/api/v1/users?q=token')).toBe('/api/v1/users?q=token');
  });
});

describe('first-sign-in setup after accepting an invitation', () => {
  let member: TestClient;
  it('an invited person who accepted is verified and asked to set up; the setup saves profile, time zone and preferences', async () => {
    await t.admin.post(`/api/v1/tenants/${tenant}/invitations`, {
      entries: [{ emails: 'nia@onboard.test' }],
    });
    await smtp.waitFor((m) => m.to.includes('nia@onboard.test') && /invited you/.test(m.subject));
    const mail = smtp.messages.find(
      (m) => m.to.includes('nia@onboard.test') && /invited you/.test(m.subject),
    )!;
    const token = decodeURIComponent(/invitation\?token=([A-Za-z0-9_%-]+)/.exec(mail.text)![1]!);
    const accepted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      payload: { token, firstName: 'Nia', lastName: 'Okafor', password: STRONG },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    member = new TestClient(t.app);
    await member.login('onboard', 'nia@onboard.test', STRONG);
    const me = (await member.get('/api/v1/me')).json();
    expect(me.setupRequired).toBe(true);
    expect(me.user.emailVerified).toBe(true);

    // with no zone of her own yet, the profile carries the tenant's for the setup to offer
    await t.admin.patch(`/api/v1/tenants/${tenant}`, { settings: { timeZone: 'Europe/Vienna' } });
    expect((await member.get('/api/v1/me/profile')).json()).toMatchObject({
      timeZone: null,
      tenantTimeZone: 'Europe/Vienna',
    });
    const bad = await member.patch('/api/v1/me/profile', { timeZone: 'Mars/Olympus' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('user.invalid_time_zone');
    const notMine = await member.patch('/api/v1/me/profile', { department: 'Finance' });
    expect(notMine.statusCode).toBe(400);
    expect(notMine.json().code).toBe('request.invalid');

    const saved = await member.patch('/api/v1/me/profile', {
      firstName: 'Nia',
      phoneNumbers: [{ type: 'mobile', number: '+44 7700 900123' }],
      locale: 'en-GB',
      timeZone: 'Europe/London',
      notificationPreferences: { email: true, flowTasks: true, securityAlerts: true, digest: 'weekly' },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ timeZone: 'Europe/London', locale: 'en-GB', setupPending: true });
    const done = await member.post('/api/v1/me/setup/complete', {});
    expect(done.json().setupPending).toBe(false);
    expect((await member.get('/api/v1/me')).json().setupRequired).toBe(false);

    const audit = (await t.admin.get(`/api/v1/tenants/${tenant}/audit?targetId=${me.user.id}`)).json();
    const actions = audit.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.profile_updated', 'user.setup_completed']));
  });

  it('a person cannot change what a directory masters about them (rule 4a)', async () => {
    const me = (await member.get('/api/v1/me')).json();
    await t.ownerQuery(
      `update users set source = 'scim', source_attributes = '{firstName,lastName}' where id = $1`,
      [me.user.id],
    );
    const refused = await member.patch('/api/v1/me/profile', { lastName: 'Changed' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('user.attribute_mastered_by_source');
    const allowed = await member.patch('/api/v1/me/profile', { timeZone: 'Europe/Berlin' });
    expect(allowed.json().timeZone).toBe('Europe/Berlin');
  });

  it('people an administrator created are not sent through the setup', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'made.by.admin@onboard.test' });
    const client = await signIn(t.app, 'onboard', 'made.by.admin@onboard.test');
    expect((await client.get('/api/v1/me')).json().setupRequired).toBe(false);
  });
});
