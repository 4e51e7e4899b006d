import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser, roleId, signIn, USER_PASSWORD } from '../helpers/fixtures.ts';

let t: TestApp;
let tenant: string;
beforeAll(async () => {
  t = await createTestApp();
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'MFA Co', slug: 'mfa-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
});

const codeAt = (secret: string, at: Date) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: at.getTime(),
  });

const login = (email: string, password = USER_PASSWORD) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { tenant: 'mfa-co', login: email, password },
  });

async function enrolTotp(client: TestClient) {
  const start = await client.post('/api/v1/me/mfa/totp', { name: 'Phone' });
  expect(start.statusCode, start.body).toBe(201);
  const { factorId, secret, otpauthUri, qrCode } = start.json();
  expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/Rollcall:.+\?.*secret=/);
  expect(otpauthUri).toContain('digits=6');
  expect(qrCode).toMatch(/^data:image\/png;base64,/);
  const confirm = await client.post(`/api/v1/me/mfa/totp/${factorId}/confirm`, {
    code: codeAt(secret, t.clock.now()),
  });
  expect(confirm.statusCode, confirm.body).toBe(200);
  return { factorId, secret, recoveryCodes: confirm.json().recoveryCodes as string[] };
}

describe('rule 26: TOTP', () => {
  it('matches the RFC 6238 Appendix B vectors (SHA-1, 8 digits) with the library Rollcall uses', () => {
    const rfc = new TOTP({
      secret: Secret.fromUTF8('12345678901234567890'),
      digits: 8,
      period: 30,
      algorithm: 'SHA1',
    });
    const vectors: Array<[number, string]> = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) expect(rfc.generate({ timestamp: seconds * 1000 })).toBe(code);
  });

  it.skipIf(!existsSync('/usr/bin/oathtool') && process.env.CI !== 'true')(
    'agrees with Debian’s oathtool for a secret Rollcall issued',
    async () => {
      await apiCreateUser(t.admin, tenant, { email: 'oath@mfa.test' });
      const client = await signIn(t.app, 'mfa-co', 'oath@mfa.test');
      const { secret, factorId } = (await client.post('/api/v1/me/mfa/totp')).json();
      const now = t.clock.now();
      const stamp = now.toISOString().replace('T', ' ').slice(0, 19);
      const code = execFileSync('oathtool', [
        '--totp',
        '--base32',
        '--digits=6',
        '--time-step-size=30s',
        `--now=${stamp} UTC`,
        secret,
      ])
        .toString()
        .trim();
      expect(code).toBe(codeAt(secret, now));
      expect((await client.post(`/api/v1/me/mfa/totp/${factorId}/confirm`, { code })).statusCode).toBe(200);
    },
  );

  it('enrolment needs a valid code before the factor is active; a sign-in then asks for the second factor', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'totp@mfa.test' });
    const client = await signIn(t.app, 'mfa-co', 'totp@mfa.test');
    const start = (await client.post('/api/v1/me/mfa/totp')).json();
    const wrong = await client.post(`/api/v1/me/mfa/totp/${start.factorId}/confirm`, { code: '000000' });
    expect(wrong.json().code).toBe('auth.mfa_code_wrong');
    expect((await client.get('/api/v1/me/mfa')).json().factors).toEqual([]);
    // not yet confirmed: password alone still signs in
    expect((await login('totp@mfa.test')).json().mfaRequired).toBe(false);
    const confirm = await client.post(`/api/v1/me/mfa/totp/${start.factorId}/confirm`, {
      code: codeAt(start.secret, t.clock.now()),
    });
    expect(confirm.json().recoveryCodes).toHaveLength(10);

    const first = (await login('totp@mfa.test')).json();
    expect(first).toMatchObject({
      mfaRequired: true,
      methods: expect.arrayContaining(['totp', 'recovery_code']),
    });
    expect((await login('totp@mfa.test')).cookies).toHaveLength(0);
    t.clock.advance(30_000);
    const done = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa',
      payload: { mfaToken: first.mfaToken, method: 'totp', code: codeAt(start.secret, t.clock.now()) },
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.cookies.map((c) => c.name).sort()).toEqual(['rollcall_csrf', 'rollcall_session']);
    // the challenge is single-use
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa',
      payload: { mfaToken: first.mfaToken, method: 'totp', code: codeAt(start.secret, t.clock.now()) },
    });
    expect(again.json().code).toBe('auth.mfa_challenge_invalid');
  });

  it('accepts ±1 step, refuses two steps off, and never accepts a used code twice', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'steps@mfa.test' });
    const client = await signIn(t.app, 'mfa-co', 'steps@mfa.test');
    const { secret } = await enrolTotp(client);
    const tryCode = async (code: string) => {
      const { mfaToken } = (await login('steps@mfa.test')).json();
      return t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/mfa',
        payload: { mfaToken, method: 'totp', code },
      });
    };
    t.clock.advance(120_000);
    const now = t.clock.now();
    expect((await tryCode(codeAt(secret, new Date(now.getTime() - 60_000)))).json().code).toBe(
      'auth.mfa_code_wrong',
    );
    expect((await tryCode(codeAt(secret, new Date(now.getTime() - 30_000)))).statusCode).toBe(200);
    // replay of the same code, and of any older one, is refused
    expect((await tryCode(codeAt(secret, new Date(now.getTime() - 30_000)))).json().code).toBe(
      'auth.mfa_code_wrong',
    );
    expect((await tryCode(codeAt(secret, now))).statusCode).toBe(200);
    expect((await tryCode(codeAt(secret, now))).json().code).toBe('auth.mfa_code_wrong');
    expect((await tryCode(codeAt(secret, new Date(now.getTime() + 30_000)))).statusCode).toBe(200);
  });

  it('stores the TOTP secret sealed, never in clear', async () => {
    const rows = await t.ownerQuery(
      `select secret_enc from mfa_factors where kind = 'totp' and confirmed_at is not null limit 1`,
    );
    expect(rows.rows[0].secret_enc).toMatch(/^v1\./);
  });

  it('gives up a challenge after five wrong codes', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'guess@mfa.test' });
    await enrolTotp(await signIn(t.app, 'mfa-co', 'guess@mfa.test'));
    const { mfaToken } = (await login('guess@mfa.test')).json();
    const codes = [];
    for (let i = 0; i < 6; i++) {
      codes.push(
        (
          await t.app.inject({
            method: 'POST',
            url: '/api/v1/auth/mfa',
            payload: { mfaToken, method: 'totp', code: '111111' },
          })
        ).json().code,
      );
    }
    expect(codes.slice(0, 4)).toEqual(Array(4).fill('auth.mfa_code_wrong'));
    expect(codes.slice(4)).toEqual(['auth.mfa_too_many_attempts', 'auth.mfa_too_many_attempts']);
    const failures = (
      await t.admin.get(`/api/v1/tenants/${tenant}/audit?action=auth.mfa.failed&limit=200`)
    ).json().items;
    expect(failures.length).toBeGreaterThanOrEqual(5);
  });

  it('a challenge expires after a few minutes', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'late@mfa.test' });
    const { secret } = await enrolTotp(await signIn(t.app, 'mfa-co', 'late@mfa.test'));
    const { mfaToken } = (await login('late@mfa.test')).json();
    t.clock.advance(6 * 60_000);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa',
      payload: { mfaToken, method: 'totp', code: codeAt(secret, t.clock.now()) },
    });
    expect(res.json().code).toBe('auth.mfa_challenge_invalid');
  });
});

describe('rule 26: recovery codes', () => {
  it('ten single-use codes, stored hashed, regenerable', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'recover@mfa.test' });
    const client = await signIn(t.app, 'mfa-co', 'recover@mfa.test');
    const { recoveryCodes } = await enrolTotp(client);
    expect(new Set(recoveryCodes).size).toBe(10);
    const hashes = await t.ownerQuery(
      `select code_hash from recovery_codes r join users u on u.id = r.user_id where u.email = 'recover@mfa.test'`,
    );
    for (const row of hashes.rows)
      for (const code of recoveryCodes) expect(row.code_hash).not.toContain(code);
    const use = async (code: string) => {
      const { mfaToken } = (await login('recover@mfa.test')).json();
      return t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/mfa',
        payload: { mfaToken, method: 'recovery_code', code },
      });
    };
    expect((await use(recoveryCodes[0]!.toUpperCase())).statusCode).toBe(200);
    expect((await use(recoveryCodes[0]!)).json().code).toBe('auth.mfa_code_wrong');
    expect((await client.get('/api/v1/me/mfa')).json().recoveryCodesRemaining).toBe(9);
    const fresh = (await client.post('/api/v1/me/mfa/recovery-codes')).json().recoveryCodes;
    expect(fresh).toHaveLength(10);
    expect((await use(recoveryCodes[1]!)).json().code).toBe('auth.mfa_code_wrong');
    expect((await use(fresh[0])).statusCode).toBe(200);
  });
});

describe('rule 26: enforcement per tenant and per role', () => {
  it('an enforced user without a factor must enrol right after the password, and can do nothing else first', async () => {
    const hd = await roleId(t.admin, tenant, 'help_desk');
    await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, { mfa: { requiredRoleIds: [hd] } });
    try {
      await apiCreateUser(t.admin, tenant, { email: 'enforced@mfa.test', roleIds: [hd] });
      await apiCreateUser(t.admin, tenant, { email: 'free@mfa.test' });
      expect((await login('free@mfa.test')).json().mfaEnrolmentRequired).toBe(false);
      const client = new TestClient(t.app);
      const res = await client.login('mfa-co', 'enforced@mfa.test', USER_PASSWORD);
      expect(res.json()).toMatchObject({ mfaRequired: false, mfaEnrolmentRequired: true });
      const blocked = await client.get(`/api/v1/tenants/${tenant}/users`);
      expect(blocked.json().code).toBe('auth.mfa_enrolment_required');
      expect((await client.get('/api/v1/me')).json().mfaEnrolmentRequired).toBe(true);
      const { factorId, secret } = (await client.post('/api/v1/me/mfa/totp')).json();
      await client.post(`/api/v1/me/mfa/totp/${factorId}/confirm`, { code: codeAt(secret, t.clock.now()) });
      expect((await client.get(`/api/v1/tenants/${tenant}/users`)).statusCode).toBe(200);
      // and the last factor of an enforced user cannot be removed
      expect((await client.delete(`/api/v1/me/mfa/factors/${factorId}`)).json().code).toBe(
        'mfa.last_factor_enforced',
      );
    } finally {
      await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, {
        mfa: { required: false, requiredRoleIds: [] },
      });
    }
  });

  it('tenant-wide enforcement applies to everyone', async () => {
    await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, { mfa: { required: true } });
    try {
      await apiCreateUser(t.admin, tenant, { email: 'everyone@mfa.test' });
      expect((await login('everyone@mfa.test')).json().mfaEnrolmentRequired).toBe(true);
    } finally {
      await t.admin.put(`/api/v1/tenants/${tenant}/security-policy`, { mfa: { required: false } });
    }
  });

  it('an administrator resets a user’s factors; the user signs in with the password again', async () => {
    const user = await apiCreateUser(t.admin, tenant, { email: 'lostphone@mfa.test' });
    await enrolTotp(await signIn(t.app, 'mfa-co', 'lostphone@mfa.test'));
    expect((await login('lostphone@mfa.test')).json().mfaRequired).toBe(true);
    expect((await t.admin.post(`/api/v1/tenants/${tenant}/users/${user.id}/mfa/reset`)).statusCode).toBe(204);
    expect((await login('lostphone@mfa.test')).json().mfaRequired).toBe(false);
    const events = (await t.admin.get(`/api/v1/tenants/${tenant}/audit?targetId=${user.id}&limit=50`))
      .json()
      .items.map((e: { action: string }) => e.action);
    expect(events).toEqual(expect.arrayContaining(['user.mfa_factor_added', 'user.mfa_reset']));
  });
});
