import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_POLICY, passwordViolations } from '../../src/modules/auth/password-policy.ts';
import { createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser, signIn, USER_PASSWORD } from '../helpers/fixtures.ts';

let t: TestApp;
let tenant: string;
const u = (path = '') => `/api/v1/tenants/${tenant}/users${path}`;
beforeAll(async () => {
  t = await createTestApp();
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Policy Co', slug: 'policy-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
});

const codes = (password: string, who = {}) =>
  passwordViolations(DEFAULT_PASSWORD_POLICY, password, who).map((e) => e.code);

describe('rule 25: the password policy', () => {
  it('defaults to 16 characters with lower, upper, digit and special (reference 004)', () => {
    expect(codes('Short-1a')).toEqual(['password.too_short']);
    expect(codes('alllowercase-long-enough-1')).toEqual(['password.needs_upper']);
    expect(codes('ALLUPPERCASE-LONG-ENOUGH-1')).toEqual(['password.needs_lower']);
    expect(codes('No-Digits-In-This-One')).toEqual(['password.needs_digit']);
    expect(codes('NoSymbolsInThisOne123')).toEqual(['password.needs_symbol']);
    expect(codes('Granite-Harbor-Lantern-7')).toEqual([]);
  });

  it('refuses common passwords, dressed up or not, and passwords built from the user’s own name or address', () => {
    expect(codes('Password1234567!')).toContain('password.common');
    expect(codes('Sunshine!2024xxx'.replace('xxx', ''))).toEqual(
      expect.arrayContaining(['password.too_short']),
    );
    expect(codes('Qwertyuiop1234!!')).toContain('password.common');
    expect(codes('Marta-Schmidt-2024!', { firstName: 'Marta', lastName: 'Schmidt' })).toContain(
      'password.personal_info',
    );
    expect(codes('Xx-mschmidt-2024-yY', { email: 'mschmidt@example.com' })).toContain(
      'password.personal_info',
    );
  });

  it('applies to passwords set through the API, with one field error per broken rule', async () => {
    const res = await t.admin.post(u(), {
      firstName: 'Weak',
      lastName: 'Password',
      email: 'weak@policy.test',
      password: 'weakweakweak',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('password.policy');
    expect(
      res
        .json()
        .errors.map((e: { code: string }) => e.code)
        .sort(),
    ).toEqual([
      'password.needs_digit',
      'password.needs_symbol',
      'password.needs_upper',
      'password.personal_info',
      'password.too_short',
    ]);
  });

  it('a tenant changes its policy; the change applies at the next password change, or at next sign-in when forced', async () => {
    const put = await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
      password: { minLength: 24, historyCount: 3 },
    });
    try {
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json().password).toMatchObject({ minLength: 24, historyCount: 3, requireSymbol: true });
      // an existing user with a 22-character password still signs in
      const user = await apiCreateUser(t.admin, tenant, {
        email: 'keeps@policy.test',
        password: 'Granite-Harbor-Lantern-7-Maple',
      });
      const client = new TestClient(t.app);
      await client.login('policy-co', 'keeps@policy.test', 'Granite-Harbor-Lantern-7-Maple');
      const tooShort = await client.post('/api/v1/me/password', {
        currentPassword: 'Granite-Harbor-Lantern-7-Maple',
        newPassword: 'Granite-Harbor-Lant-8',
      });
      expect(tooShort.json()).toMatchObject({
        code: 'password.policy',
        errors: [{ code: 'password.too_short' }],
      });
      const forced = await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
        forcePasswordChange: true,
      });
      expect(forced.statusCode).toBe(200);
      const next = new TestClient(t.app);
      const login = await next.login('policy-co', 'keeps@policy.test', 'Granite-Harbor-Lantern-7-Maple');
      expect(login.json().passwordChangeRequired).toBe(true);
      expect(user.id).toBeTruthy();
    } finally {
      await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
        password: { minLength: 16, historyCount: 5 },
      });
    }
  });

  it('validates the policy itself', async () => {
    const bad = await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
      password: { minLength: 4 },
    });
    expect(bad.statusCode).toBe(400);
    const unknown = await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
      lockout: { maxFailures: 5, forever: true },
    });
    expect(unknown.statusCode).toBe(400);
    const helpDesk = await apiCreateUser(t.admin, tenant, {
      email: 'hd@policy.test',
      roleIds: [
        (await t.admin.get(`/api/v1/tenants/${tenant}/roles`))
          .json()
          .items.find((r: { key: string }) => r.key === 'help_desk').id,
      ],
    });
    const hd = await signIn(t.app, 'policy-co', helpDesk.email!);
    expect((await hd.get(`/api/v1/tenants/${tenant}/security-policy`)).json().code).toBe('auth.forbidden');
  });
});

describe('password change and admin reset', () => {
  it('changing my password needs the current one, keeps this session and ends the others', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'changer@policy.test' });
    const here = await signIn(t.app, 'policy-co', 'changer@policy.test');
    const there = await signIn(t.app, 'policy-co', 'changer@policy.test');
    const wrong = await here.post('/api/v1/me/password', {
      currentPassword: 'nope',
      newPassword: 'Granite-Harbor-Lantern-7',
    });
    expect(wrong.json().code).toBe('auth.current_password_wrong');
    expect(
      (
        await here.post('/api/v1/me/password', {
          currentPassword: USER_PASSWORD,
          newPassword: 'Granite-Harbor-Lantern-7',
        })
      ).statusCode,
    ).toBe(204);
    expect((await here.get('/api/v1/me')).statusCode).toBe(200);
    expect((await there.get('/api/v1/me')).statusCode).toBe(401);
    const fresh = new TestClient(t.app);
    await fresh.login('policy-co', 'changer@policy.test', 'Granite-Harbor-Lantern-7');
  });

  it('refuses reusing one of the last N passwords', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'history@policy.test' });
    const c = await signIn(t.app, 'policy-co', 'history@policy.test');
    const sequence = ['Granite-Harbor-Lantern-1', 'Granite-Harbor-Lantern-2', 'Granite-Harbor-Lantern-3'];
    let current = USER_PASSWORD;
    for (const next of sequence) {
      expect(
        (await c.post('/api/v1/me/password', { currentPassword: current, newPassword: next })).statusCode,
      ).toBe(204);
      current = next;
    }
    for (const old of [USER_PASSWORD, ...sequence]) {
      const res = await c.post('/api/v1/me/password', { currentPassword: current, newPassword: old });
      expect(res.json().code, old).toBe('password.reused');
    }
    const stored = await t.ownerQuery(
      `select count(*)::int as n from password_history h join users u on u.id = h.user_id where u.email = 'history@policy.test'`,
    );
    expect(stored.rows[0].n).toBe(3);
  });

  it('an admin-forced change: the user may do nothing but change the password, then everything', async () => {
    const user = await apiCreateUser(t.admin, tenant, { email: 'forced@policy.test' });
    const before = await signIn(t.app, 'policy-co', 'forced@policy.test');
    const reset = await t.admin.post(u(`/${user.id}/password-reset`), { mode: 'force_change' });
    expect(reset.json()).toMatchObject({ temporaryPassword: null, endedSessions: 1 });
    expect((await before.get('/api/v1/me')).statusCode).toBe(401);
    const c = new TestClient(t.app);
    const login = await c.login('policy-co', 'forced@policy.test', USER_PASSWORD);
    expect(login.json().passwordChangeRequired).toBe(true);
    expect((await c.get('/api/v1/me')).json().passwordChangeRequired).toBe(true);
    const blocked = await c.get(u());
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('auth.password_change_required');
    expect(
      (
        await c.post('/api/v1/me/password', {
          currentPassword: USER_PASSWORD,
          newPassword: 'Granite-Harbor-Lantern-9',
        })
      ).statusCode,
    ).toBe(204);
    expect((await c.get('/api/v1/me')).json().passwordChangeRequired).toBe(false);
  });

  it('an admin sets a temporary password, shown once, that must be changed', async () => {
    const user = await apiCreateUser(t.admin, tenant, { email: 'temp@policy.test' });
    const reset = (await t.admin.post(u(`/${user.id}/password-reset`), { mode: 'temporary' })).json();
    expect(reset.temporaryPassword).toMatch(/.{20,}/);
    const c = new TestClient(t.app);
    expect(
      (await c.login('policy-co', 'temp@policy.test', reset.temporaryPassword)).json().passwordChangeRequired,
    ).toBe(true);
    const row = await t.ownerQuery('select password_hash from users where id = $1', [user.id]);
    expect(row.rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.rows[0].password_hash).not.toContain(reset.temporaryPassword);
  });

  it('passwords expire after the policy’s maximum age', async () => {
    await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, { password: { maxAgeDays: 90 } });
    await apiCreateUser(t.admin, tenant, { email: 'ages@policy.test' });
    expect(
      (await (await signIn(t.app, 'policy-co', 'ages@policy.test')).get('/api/v1/me')).json()
        .passwordChangeRequired,
    ).toBe(false);
    t.clock.advance(91 * 86_400_000);
    try {
      const c = new TestClient(t.app);
      expect(
        (await c.login('policy-co', 'ages@policy.test', USER_PASSWORD)).json().passwordChangeRequired,
      ).toBe(true);
    } finally {
      t.clock.advance(-91 * 86_400_000);
      await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, { password: { maxAgeDays: 0 } });
    }
  });
});

describe('argon2id parameters', () => {
  it('re-hashes on sign-in a password stored with older, weaker parameters', async () => {
    const { hash } = await import('@node-rs/argon2');
    const user = await apiCreateUser(t.admin, tenant, { email: 'oldhash@policy.test' });
    const weak = await hash(USER_PASSWORD, { algorithm: 2, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    await t.ownerQuery('update users set password_hash = $1 where id = $2', [weak, user.id]);
    await signIn(t.app, 'policy-co', 'oldhash@policy.test');
    const row = await t.ownerQuery('select password_hash from users where id = $1', [user.id]);
    expect(row.rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await signIn(t.app, 'policy-co', 'oldhash@policy.test');
  });
});
