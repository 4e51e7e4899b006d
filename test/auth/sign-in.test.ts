import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createTestApp,
  PROVIDER_SLUG,
  type TestApp,
  TestClient,
} from '../helpers/app.ts';
import { createUserFixture, FIXTURE_PASSWORD } from '../helpers/fixtures.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { ROLLCALL_AUTH_RATE_LIMIT: '20' } });
});
afterAll(async () => {
  await t?.close();
});

describe('sign-in', () => {
  it('signs in by email, sets an HttpOnly session cookie and a readable CSRF cookie', async () => {
    const client = new TestClient(t.app);
    const res = await client.login(PROVIDER_SLUG, ADMIN_EMAIL.toUpperCase(), ADMIN_PASSWORD);
    const cookies = res.cookies as Array<{
      name: string;
      httpOnly?: boolean;
      sameSite?: string;
      value: string;
    }>;
    const session = cookies.find((c) => c.name === 'rollcall_session')!;
    const csrf = cookies.find((c) => c.name === 'rollcall_csrf')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
    expect(csrf.httpOnly).toBeFalsy();
    expect(res.json().user).toMatchObject({ email: ADMIN_EMAIL, initials: 'SA' });
    const me = await client.get('/api/v1/me');
    expect(me.statusCode).toBe(200);
    expect(me.json().permissions).toContain('tenants.manage');
  });

  it('signs in by username within the tenant, case-insensitively', async () => {
    await createUserFixture(t, t.providerId, { username: 'Help.Desk', roleKey: 'help_desk' });
    const client = new TestClient(t.app);
    await client.login('MSP', 'help.desk', FIXTURE_PASSWORD);
    expect((await client.get('/api/v1/me')).json().user.username).toBe('Help.Desk');
  });

  it('answers unknown tenant, unknown login, wrong password and unusable accounts the same way', async () => {
    await createUserFixture(t, t.providerId, { email: 'suspended@msp.test', status: 'suspended' });
    await createUserFixture(t, t.providerId, { email: 'pending@msp.test', status: 'pending' });
    const attempts = [
      { tenant: 'no-such-tenant', login: ADMIN_EMAIL, password: ADMIN_PASSWORD },
      { tenant: PROVIDER_SLUG, login: 'nobody@msp.test', password: ADMIN_PASSWORD },
      { tenant: PROVIDER_SLUG, login: ADMIN_EMAIL, password: 'wrong-password' },
      { tenant: PROVIDER_SLUG, login: 'suspended@msp.test', password: FIXTURE_PASSWORD },
      { tenant: PROVIDER_SLUG, login: 'pending@msp.test', password: FIXTURE_PASSWORD },
    ];
    const bodies = [];
    for (const payload of attempts) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const { code, detail, title, status } = res.json();
      bodies.push({ code, detail, title, status });
      expect(res.cookies).toHaveLength(0);
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0]!.code).toBe('auth.invalid_credentials');
  });

  it('records every failed attempt with its real reason in the audit log (rule 29)', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: PROVIDER_SLUG, login: ADMIN_EMAIL, password: 'not-it' },
      headers: { 'user-agent': 'sign-in-test' },
    });
    const res = await t.admin.get(`/api/v1/tenants/${t.providerId}/audit?action=auth.login.failed`);
    const events = res.json().items;
    const mine = events.find((e: { userAgent: string }) => e.userAgent === 'sign-in-test');
    expect(mine).toMatchObject({
      action: 'auth.login.failed',
      after: { reason: 'wrong_password' },
      ip: '127.0.0.1',
    });
    expect(events.some((e: { after: { reason: string } }) => e.after.reason === 'status_suspended')).toBe(
      true,
    );
  });

  it('sign-out ends the session for good', async () => {
    const client = new TestClient(t.app);
    await client.login(PROVIDER_SLUG, ADMIN_EMAIL, ADMIN_PASSWORD);
    const cookieHeader = `rollcall_session=${(client as unknown as { cookies: Map<string, string> }).cookies.get('rollcall_session')}`;
    expect((await client.post('/api/v1/auth/logout')).statusCode).toBe(204);
    expect((await client.get('/api/v1/me')).statusCode).toBe(401);
    // replaying the old cookie does not work either
    const replay = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie: cookieHeader },
    });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('auth.unauthenticated');
  });

  it('refuses a cookie-authenticated unsafe request without the matching CSRF header', async () => {
    const client = new TestClient(t.app);
    await client.login(PROVIDER_SLUG, ADMIN_EMAIL, ADMIN_PASSWORD);
    const missing = await client.request({
      method: 'POST',
      url: '/api/v1/me/tokens',
      payload: { name: 'x' },
      csrf: false,
    });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().code).toBe('auth.csrf_failed');
    const wrong = await client.request({
      method: 'POST',
      url: '/api/v1/me/tokens',
      payload: { name: 'x' },
      headers: { 'x-csrf-token': 'forged' },
    });
    expect(wrong.json().code).toBe('auth.csrf_failed');
    const tokens = await client.get('/api/v1/me/tokens');
    expect(tokens.json().items).toHaveLength(0);
  });

  it('ends a session that has been idle longer than the tenant allows', async () => {
    const client = new TestClient(t.app);
    await client.login(PROVIDER_SLUG, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect((await client.get('/api/v1/me')).statusCode).toBe(200);
    t.clock.advance(61 * 60_000);
    try {
      expect((await client.get('/api/v1/me')).statusCode).toBe(401);
    } finally {
      t.clock.advance(-61 * 60_000);
    }
  });

  it('stores no session token in clear', async () => {
    const client = new TestClient(t.app);
    await client.login(PROVIDER_SLUG, ADMIN_EMAIL, ADMIN_PASSWORD);
    const token = (client as unknown as { cookies: Map<string, string> }).cookies.get('rollcall_session')!;
    const rows = await t.ownerQuery(
      'select token_hash from sessions where token_hash = $1 or token_hash like $2',
      [token, `%${token.slice(5, 20)}%`],
    );
    expect(rows.rowCount).toBe(0);
  });

  it('rate-limits the sign-in route', async () => {
    let limited: { statusCode: number; json(): { code: string } } | null = null;
    for (let i = 0; i < 30 && !limited; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { tenant: 'x', login: 'y', password: 'z' },
        remoteAddress: '10.9.9.9',
      });
      if (res.statusCode === 429) limited = res;
    }
    expect(limited?.json().code).toBe('request.rate_limited');
  });
});

describe('API tokens', () => {
  it('are shown once, stored hashed, work as Bearer without CSRF, and stop working when revoked', async () => {
    const created = await t.admin.post('/api/v1/me/tokens', {
      name: 'provisioning script',
      expiresInDays: 30,
    });
    expect(created.statusCode).toBe(201);
    const { token, id, prefix } = created.json();
    expect(token.startsWith(prefix)).toBe(true);
    const stored = await t.ownerQuery('select token_hash, prefix from api_tokens where id = $1', [id]);
    expect(stored.rows[0].token_hash).not.toContain(token);
    expect(stored.rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);

    const listed = await t.admin.get('/api/v1/me/tokens');
    expect(listed.json().items[0]).not.toHaveProperty('token');

    const bot = TestClient.withToken(t.app, token);
    const me = await bot.get('/api/v1/me');
    expect(me.json().authenticatedBy).toBe('api_token');
    const createdTenant = await bot.post('/api/v1/tenants', { name: 'Scripted Co', slug: 'scripted-co' });
    expect(createdTenant.statusCode).toBe(201);

    expect((await t.admin.delete(`/api/v1/me/tokens/${id}`)).statusCode).toBe(204);
    expect((await bot.get('/api/v1/me')).statusCode).toBe(401);
    const again = await t.admin.delete(`/api/v1/me/tokens/${id}`);
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe('auth.token_not_found');
  });

  it('expire', async () => {
    const { token } = (await t.admin.post('/api/v1/me/tokens', { name: 'short', expiresInDays: 1 })).json();
    const bot = TestClient.withToken(t.app, token);
    expect((await bot.get('/api/v1/me')).statusCode).toBe(200);
    t.clock.advance(2 * 86_400_000);
    try {
      expect((await bot.get('/api/v1/me')).statusCode).toBe(401);
    } finally {
      t.clock.advance(-2 * 86_400_000);
    }
  });

  it('an unknown bearer token is simply unauthenticated', async () => {
    const res = await TestClient.withToken(t.app, 'rc_pat_nope').get('/api/v1/me');
    expect(res.statusCode).toBe(401);
  });
});
