import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser, signIn, USER_PASSWORD } from '../helpers/fixtures.ts';

let t: TestApp;
let tenant: string;
const u = (path = '') => `/api/v1/tenants/${tenant}/users${path}`;
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

beforeAll(async () => {
  t = await createTestApp();
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Lock Co', slug: 'lock-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
});

const attempt = (login: string, password: string, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { tenant: 'lock-co', login, password },
    headers,
  });

describe('lockout after repeated failures (a flag with an expiry, not a status)', () => {
  it('locks after N failures within the window, answers the same as a wrong password, and expires', async () => {
    await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
      lockout: { maxFailures: 3, windowMinutes: 10, lockMinutes: 15 },
    });
    const user = await apiCreateUser(t.admin, tenant, { email: 'locky@lock.test' });
    for (let i = 0; i < 3; i++) expect((await attempt('locky@lock.test', 'wrong')).statusCode).toBe(401);
    const locked = await attempt('locky@lock.test', USER_PASSWORD);
    expect(locked.statusCode).toBe(401);
    expect(locked.json().code).toBe('auth.invalid_credentials');
    expect((await t.admin.get(u(`/${user.id}`))).json().status).toBe('active');
    const events = (await t.admin.get(`/api/v1/tenants/${tenant}/audit?targetId=${user.id}&limit=20`))
      .json()
      .items.map(
        (e: { action: string; after: { reason?: string } }) => `${e.action}:${e.after?.reason ?? ''}`,
      );
    expect(events).toContain('auth.account_locked:');
    expect(events).toContain('auth.login.failed:locked');
    t.clock.advance(16 * 60_000);
    try {
      expect((await attempt('locky@lock.test', USER_PASSWORD)).statusCode).toBe(200);
    } finally {
      t.clock.advance(-16 * 60_000);
    }
  });

  it('failures outside the window do not add up', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'slow@lock.test' });
    for (let i = 0; i < 2; i++) await attempt('slow@lock.test', 'wrong');
    t.clock.advance(11 * 60_000);
    try {
      for (let i = 0; i < 2; i++) await attempt('slow@lock.test', 'wrong');
      expect((await attempt('slow@lock.test', USER_PASSWORD)).statusCode).toBe(200);
    } finally {
      t.clock.advance(-11 * 60_000);
    }
  });

  it('holds under parallel attempts: 20 wrong passwords at once lock the account, and the right one then fails', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'burst@lock.test' });
    const results = await Promise.all(Array.from({ length: 20 }, () => attempt('burst@lock.test', 'wrong')));
    expect(results.every((r) => r.statusCode === 401)).toBe(true);
    const row = await t.ownerQuery(
      `select failed_sign_ins, locked_until from users where email = 'burst@lock.test'`,
    );
    expect(row.rows[0].failed_sign_ins).toBeGreaterThanOrEqual(3);
    expect(row.rows[0].locked_until).not.toBeNull();
    expect((await attempt('burst@lock.test', USER_PASSWORD)).statusCode).toBe(401);
    const locks = await t.ownerQuery(
      `select count(*)::int as n from audit_events where action = 'auth.account_locked' and target_label like '%' and tenant_id = $1 and after->>'failures' is not null and target_id = (select id::text from users where email = 'burst@lock.test')`,
      [tenant],
    );
    expect(locks.rows[0].n).toBe(1);
  });

  it('an administrator unlocks', async () => {
    const user = await apiCreateUser(t.admin, tenant, { email: 'unlock@lock.test' });
    for (let i = 0; i < 3; i++) await attempt('unlock@lock.test', 'wrong');
    expect((await attempt('unlock@lock.test', USER_PASSWORD)).statusCode).toBe(401);
    expect((await t.admin.post(u(`/${user.id}/unlock`))).statusCode).toBe(204);
    expect((await attempt('unlock@lock.test', USER_PASSWORD)).statusCode).toBe(200);
  });
});

describe('rule 27: sessions and devices', () => {
  it('records browser, OS, device type and IP; a user lists and ends their own sessions', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'devices@lock.test' });
    const desktop = new TestClient(t.app);
    await desktop.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: 'lock-co', login: 'devices@lock.test', password: USER_PASSWORD },
      headers: { 'user-agent': CHROME },
    });
    const phone = new TestClient(t.app);
    await phone.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: 'lock-co', login: 'devices@lock.test', password: USER_PASSWORD },
      headers: { 'user-agent': IPHONE },
    });
    const list = (await desktop.get('/api/v1/me/sessions')).json().items;
    expect(list).toHaveLength(2);
    const mine = list.find((s: { current: boolean }) => s.current);
    const other = list.find((s: { current: boolean }) => !s.current);
    expect(mine).toMatchObject({
      browser: 'Chrome 131',
      os: 'Windows 10',
      deviceType: 'desktop',
      ip: '127.0.0.1',
    });
    expect(other).toMatchObject({ browser: 'Mobile Safari 17', os: 'iOS 17', deviceType: 'mobile' });
    expect((await desktop.delete(`/api/v1/me/sessions/${other.id}`)).statusCode).toBe(204);
    expect((await phone.get('/api/v1/me')).statusCode).toBe(401);
    expect((await desktop.get('/api/v1/me')).statusCode).toBe(200);
  });

  it('a user cannot end someone else’s session through their own list', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'a1@lock.test' });
    await apiCreateUser(t.admin, tenant, { email: 'b1@lock.test' });
    const a = await signIn(t.app, 'lock-co', 'a1@lock.test');
    const b = await signIn(t.app, 'lock-co', 'b1@lock.test');
    const bSession = (await b.get('/api/v1/me/sessions')).json().items[0].id;
    const res = await a.delete(`/api/v1/me/sessions/${bSession}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('auth.session_not_found');
    expect((await b.get('/api/v1/me')).statusCode).toBe(200);
  });

  it('"sign out everywhere" ends every other session', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'everywhere@lock.test' });
    const clients = [
      await signIn(t.app, 'lock-co', 'everywhere@lock.test'),
      await signIn(t.app, 'lock-co', 'everywhere@lock.test'),
      await signIn(t.app, 'lock-co', 'everywhere@lock.test'),
    ];
    expect((await clients[0]!.post('/api/v1/me/sessions/end-others')).json()).toEqual({ ended: 2 });
    expect((await clients[1]!.get('/api/v1/me')).statusCode).toBe(401);
    expect((await clients[0]!.get('/api/v1/me')).statusCode).toBe(200);
  });

  it('an administrator lists and ends a user’s sessions (remote session termination)', async () => {
    const user = await apiCreateUser(t.admin, tenant, { email: 'remote@lock.test' });
    const c1 = await signIn(t.app, 'lock-co', 'remote@lock.test');
    const c2 = await signIn(t.app, 'lock-co', 'remote@lock.test');
    const sessions = (await t.admin.get(u(`/${user.id}/sessions`))).json().items;
    expect(sessions).toHaveLength(2);
    expect((await t.admin.delete(u(`/${user.id}/sessions/${sessions[0].id}`))).json()).toEqual({ ended: 1 });
    const stillIn = [(await c1.get('/api/v1/me')).statusCode, (await c2.get('/api/v1/me')).statusCode].sort();
    expect(stillIn).toEqual([200, 401]);
    expect((await t.admin.delete(u(`/${user.id}/sessions`))).json()).toEqual({ ended: 1 });
    expect((await c1.get('/api/v1/me')).statusCode).toBe(401);
    expect((await c2.get('/api/v1/me')).statusCode).toBe(401);
    const events = (
      await t.admin.get(`/api/v1/tenants/${tenant}/audit?action=auth.session.ended&targetId=${user.id}`)
    ).json().items;
    expect(events.map((e: { after: { reason: string } }) => e.after.reason)).toEqual([
      'ended_by_admin',
      'ended_by_admin',
    ]);
  });

  it('limits concurrent sessions: ending the oldest, or refusing the new one', async () => {
    await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
      session: { maxConcurrent: 2, onLimit: 'end_oldest' },
    });
    try {
      await apiCreateUser(t.admin, tenant, { email: 'limit@lock.test' });
      const first = await signIn(t.app, 'lock-co', 'limit@lock.test');
      const second = await signIn(t.app, 'lock-co', 'limit@lock.test');
      const third = await signIn(t.app, 'lock-co', 'limit@lock.test');
      expect((await first.get('/api/v1/me')).statusCode).toBe(401);
      expect((await second.get('/api/v1/me')).statusCode).toBe(200);
      expect((await third.get('/api/v1/me')).statusCode).toBe(200);

      await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, { session: { onLimit: 'refuse' } });
      const refused = await attempt('limit@lock.test', USER_PASSWORD);
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'auth.session_limit', details: { maxConcurrent: 2 } });

      // under parallel sign-ins the limit still holds
      await apiCreateUser(t.admin, tenant, { email: 'parallel@lock.test' });
      const burst = await Promise.all(
        Array.from({ length: 6 }, () => attempt('parallel@lock.test', USER_PASSWORD)),
      );
      expect(burst.filter((r) => r.statusCode === 200)).toHaveLength(2);
      expect(burst.filter((r) => r.statusCode === 409)).toHaveLength(4);
    } finally {
      await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
        session: { maxConcurrent: 0, onLimit: 'end_oldest' },
      });
    }
  });

  it('idle sessions and sessions past their absolute lifetime end', async () => {
    await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
      session: { idleMinutes: 30, absoluteHours: 2 },
    });
    try {
      await apiCreateUser(t.admin, tenant, { email: 'idle@lock.test' });
      const idle = await signIn(t.app, 'lock-co', 'idle@lock.test');
      t.clock.advance(31 * 60_000);
      expect((await idle.get('/api/v1/me')).statusCode).toBe(401);
      const active = await signIn(t.app, 'lock-co', 'idle@lock.test');
      for (let i = 0; i < 4; i++) {
        t.clock.advance(25 * 60_000);
        expect((await active.get('/api/v1/me')).statusCode).toBe(200);
      }
      t.clock.advance(25 * 60_000);
      expect((await active.get('/api/v1/me')).statusCode).toBe(401);
    } finally {
      t.clock.set(new Date());
      await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
        session: { idleMinutes: 60, absoluteHours: 12 },
      });
    }
  });
});

describe('security events', () => {
  it('publishes sign-ins, failures, lockouts and session ends in one place for notifications to subscribe', async () => {
    const { securityEvents } = await import('../../src/modules/auth/security-events.ts');
    const seen: string[] = [];
    const unsubscribe = securityEvents.subscribe((e) =>
      seen.push(`${e.type}${'reason' in e ? `:${e.reason}` : ''}`),
    );
    try {
      await apiCreateUser(t.admin, tenant, { email: 'events@lock.test' });
      await attempt('events@lock.test', USER_PASSWORD);
      for (let i = 0; i < 3; i++) await attempt('events@lock.test', 'wrong');
      const c = await signIn(t.app, 'lock-co', 'other-events@lock.test').catch(() => null);
      expect(c).toBeNull();
      expect(seen).toEqual(
        expect.arrayContaining([
          'signed_in',
          'sign_in_failed:wrong_password',
          'account_locked',
          'sign_in_failed:unknown_login',
        ]),
      );
    } finally {
      unsubscribe();
    }
  });
});
