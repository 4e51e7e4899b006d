import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser, roleId, signIn } from '../helpers/fixtures.ts';
import { startSmtpServer } from '../helpers/smtp.ts';

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let tenant: string;
const inv = (path = '') => `/api/v1/tenants/${tenant}/invitations${path}`;
const STRONG = 'Granite-Harbor-Lantern-Invite-7';

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await createTestApp({ env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://rollcall.example.test' } });
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Invite Co', slug: 'invite-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const tokenFrom = async (email: string, nth = 0) => {
  await smtp.waitFor(
    () => smtp.messages.filter((m) => m.to.includes(email) && /invited you/.test(m.subject)).length > nth,
  );
  const mail = smtp.messages.filter((m) => m.to.includes(email) && /invited you/.test(m.subject))[nth]!;
  return decodeURIComponent(/invitation\?token=([A-Za-z0-9_%-]+)/.exec(mail.text)![1]!);
};
const accept = (token: string, password = STRONG) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/invitations/accept',
    payload: { token, firstName: 'Ina', lastName: 'Vited', password },
  });

describe('rule 15: invitations', () => {
  it('one field holds several addresses; each is answered; a pending user gets a link by email', async () => {
    const res = await t.admin.post(inv(), {
      entries: [
        { emails: 'ina@invite.test, ben@invite.test  carl@invite.test' },
        { emails: 'not-an-address ina@invite.test' },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(
      body.results.map(
        (r: { email: string; ok: boolean; code?: string }) => `${r.email}:${r.ok ? 'ok' : r.code}`,
      ),
    ).toEqual([
      'ina@invite.test:ok',
      'ben@invite.test:ok',
      'carl@invite.test:ok',
      'not-an-address:invitation.invalid_email',
      'ina@invite.test:invitation.duplicate',
    ]);
    const users = (await t.admin.get(`/api/v1/tenants/${tenant}/users?status=pending`)).json();
    expect(users.counts.pending).toBe(3);
    const mail = await smtp.waitFor((m) => m.to.includes('ben@invite.test'));
    expect(mail.subject).toBe('Super Admin invited you to Invite Co');
    expect(mail.text).toContain('https://rollcall.example.test/invitation?token=');
    // like the welcome email, it names the organization to sign in to and the login
    expect(mail.text).toMatch(/Then sign in with the organization \W*invite-co\W* and ben@invite\.test\./);
    expect(mail.text).toContain('the organization <b>invite-co</b> and <b>ben@invite.test</b>');
  });

  it('refuses members and already-invited addresses, and roles beyond the inviter’s ceiling', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'member@invite.test' });
    const hd = await roleId(t.admin, tenant, 'help_desk');
    const helper = await apiCreateUser(t.admin, tenant, { email: 'helper@invite.test', roleIds: [hd] });
    const client = await signIn(t.app, 'invite-co', helper.email!);
    const res = await client.post(inv(), {
      entries: [
        { emails: 'member@invite.test ina@invite.test' },
        { emails: 'boss@invite.test', roleIds: [await roleId(t.admin, tenant, 'super_admin')] },
        { emails: 'peer@invite.test', roleIds: [hd] },
      ],
    });
    expect(res.json().results.map((r: { code?: string; ok: boolean }) => r.code ?? 'ok')).toEqual([
      'invitation.already_member',
      'invitation.already_invited',
      'role.ceiling',
      'ok',
    ]);
    expect(res.json().delivery).toBe('smtp');
  });

  it('an address of a suspended or archived member says which, and what the administrator can do', async () => {
    const resting = await apiCreateUser(t.admin, tenant, { email: 'resting@invite.test' });
    const gone = await apiCreateUser(t.admin, tenant, { email: 'gone@invite.test' });
    await t.admin.post(`/api/v1/tenants/${tenant}/users/${resting.id}/suspend`);
    await t.admin.post(`/api/v1/tenants/${tenant}/users/${gone.id}/archive`);
    const res = await t.admin.post(inv(), {
      entries: [{ emails: 'member@invite.test RESTING@invite.test gone@invite.test' }],
    });
    const [active, suspended, archived] = res.json().results;
    expect(active).toMatchObject({
      code: 'invitation.already_member',
      detail: 'member@invite.test is already a member of this tenant.',
    });
    expect(suspended).toMatchObject({
      ok: false,
      code: 'invitation.already_member',
      detail:
        'RESTING@invite.test belongs to a suspended member of this tenant: reactivate them instead of inviting again.',
    });
    expect(archived).toMatchObject({ ok: false, code: 'invitation.already_member' });
    expect(archived.detail).toContain('archived member');
    expect(archived.detail).toContain('remove that user first');
    // removing the archived user frees the address, as the answer says
    expect((await t.admin.post(`/api/v1/tenants/${tenant}/users/${gone.id}/remove`, {})).statusCode).toBe(
      200,
    );
    const again = await t.admin.post(inv(), { entries: [{ emails: 'gone@invite.test' }] });
    expect(again.json().results[0].ok).toBe(true);
  });

  it('accepting sets names and a password under the policy, activates, welcomes; the link works once', async () => {
    await t.admin.post(inv(), { entries: [{ emails: 'dora@invite.test' }] });
    const token = await tokenFrom('dora@invite.test');
    const look = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations/inspect',
      payload: { token },
    });
    expect(look.json()).toMatchObject({
      tenantName: 'Invite Co',
      email: 'dora@invite.test',
      passwordPolicy: { minLength: 16 },
    });
    expect((await accept(token, 'weak')).json().code).toBe('password.policy');
    const ok = await accept(token);
    expect(ok.json()).toEqual({ tenant: 'invite-co', login: 'dora@invite.test' });
    const client = new TestClient(t.app);
    await client.login('invite-co', 'dora@invite.test', STRONG);
    expect((await client.get('/api/v1/me')).json().user).toMatchObject({
      firstName: 'Ina',
      lastName: 'Vited',
      status: 'active',
    });
    await smtp.waitFor((m) => m.to.includes('dora@invite.test') && /Welcome/.test(m.subject));
    expect((await accept(token)).json()).toMatchObject({
      code: 'invitation.link_invalid',
      details: { reason: 'used' },
    });
  });

  it('resend kills the old link; cancel kills the link and keeps the pending user', async () => {
    const sent = (await t.admin.post(inv(), { entries: [{ emails: 'eve@invite.test' }] })).json().results[0];
    const first = await tokenFrom('eve@invite.test');
    const again = (await t.admin.post(inv(`/${sent.invitationId}/resend`))).json();
    const second = await tokenFrom('eve@invite.test', 1);
    expect((await accept(first)).json().details.reason).toBe('cancelled');
    expect((await t.admin.post(inv(`/${again.invitationId}/cancel`))).statusCode).toBe(200);
    expect((await accept(second)).json().details.reason).toBe('cancelled');
    const user = (await t.admin.get(`/api/v1/tenants/${tenant}/users/${sent.userId}`)).json();
    expect(user.status).toBe('pending');
    // a pending user's roles can change before they accept
    const roles = await t.admin.put(`/api/v1/tenants/${tenant}/users/${sent.userId}/roles`, {
      roleIds: [await roleId(t.admin, tenant, 'technician')],
    });
    expect(roles.statusCode).toBe(200);
  });

  it('a pending user’s groups change before they accept; archiving or removing them kills the link', async () => {
    const [a, b] = (
      await t.admin.post(inv(), { entries: [{ emails: 'gail@invite.test hal@invite.test' }] })
    ).json().results;
    const group = (await t.admin.post(`/api/v1/tenants/${tenant}/groups`, { name: 'Night shift' })).json();
    const groups = await t.admin.put(`/api/v1/tenants/${tenant}/users/${a.userId}/groups`, {
      groupIds: [group.id],
    });
    expect(groups.statusCode, groups.body).toBe(200);
    expect(
      (await t.admin.get(`/api/v1/tenants/${tenant}/users/${a.userId}`))
        .json()
        .groups.map((g: { name: string }) => g.name),
    ).toEqual(['Night shift']);

    const gailLink = await tokenFrom('gail@invite.test');
    const halLink = await tokenFrom('hal@invite.test');
    await t.admin.post(`/api/v1/tenants/${tenant}/users/${a.userId}/archive`);
    await t.admin.post(`/api/v1/tenants/${tenant}/users/${b.userId}/remove`, {});
    for (const token of [gailLink, halLink]) {
      const res = await accept(token);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invitation.link_invalid', details: { reason: 'cancelled' } });
      const look = await t.app.inject({
        method: 'POST',
        url: '/api/v1/invitations/inspect',
        payload: { token },
      });
      expect(look.json().details.reason).toBe('cancelled');
    }
    expect((await t.admin.get(`/api/v1/tenants/${tenant}/users/${a.userId}`)).json().status).toBe('archived');
  });

  it('links expire', async () => {
    await t.admin.post(inv(), { entries: [{ emails: 'late@invite.test' }] });
    const token = await tokenFrom('late@invite.test');
    t.clock.advance(8 * 86_400_000);
    try {
      expect((await accept(token)).json().details.reason).toBe('expired');
    } finally {
      t.clock.advance(-8 * 86_400_000);
    }
  });

  it('an unknown token and malformed requests get clear errors', async () => {
    expect((await accept('rc_inv_nonsense-token')).json()).toMatchObject({
      code: 'invitation.link_invalid',
      details: { reason: 'unknown' },
    });
    expect((await t.admin.post(inv(), { entries: [] })).statusCode).toBe(400);
    expect(
      (await t.admin.post(inv(), { entries: [{ emails: 'x@y.test', roleIds: ['not-a-uuid'] }] })).statusCode,
    ).toBe(400);
  });
});
