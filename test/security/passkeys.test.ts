import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { apiCreateUser, signIn } from '../helpers/fixtures.ts';
import { SoftAuthenticator } from '../helpers/webauthn.ts';

const ORIGIN = 'https://rollcall.example.test';
const RP_ID = 'rollcall.example.test';
let t: TestApp;
let tenant: string;
beforeAll(async () => {
  t = await createTestApp({ env: { PUBLIC_URL: ORIGIN } });
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Key Co', slug: 'key-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
});

async function register(email: string, name = 'Laptop') {
  const client = await signIn(t.app, 'key-co', email);
  const authenticator = new SoftAuthenticator();
  const { factorId, options } = (await client.post('/api/v1/me/mfa/passkeys/options')).json();
  expect(options.rp.id).toBe(RP_ID);
  const res = await client.post(`/api/v1/me/mfa/passkeys/${factorId}/verify`, {
    response: authenticator.create(options, ORIGIN),
    name,
  });
  expect(res.statusCode, res.body).toBe(200);
  return { client, authenticator, factorId, recoveryCodes: res.json().recoveryCodes as string[] | null };
}

describe('rule 26: passkeys', () => {
  it('registers several named passkeys; the first comes with recovery codes', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'keys@key.test' });
    const first = await register('keys@key.test', 'Laptop');
    expect(first.recoveryCodes).toHaveLength(10);
    const client = first.client;
    const second = new SoftAuthenticator();
    const { factorId, options } = (await client.post('/api/v1/me/mfa/passkeys/options')).json();
    expect(options.excludeCredentials).toHaveLength(1);
    const res = await client.post(`/api/v1/me/mfa/passkeys/${factorId}/verify`, {
      response: second.create(options, ORIGIN),
      name: 'Phone',
    });
    expect(res.json().recoveryCodes).toBeNull();
    const factors = (await client.get('/api/v1/me/mfa')).json().factors;
    expect(factors.map((f: { name: string; kind: string }) => `${f.kind}:${f.name}`)).toEqual([
      'passkey:Laptop',
      'passkey:Phone',
    ]);
    expect((await client.delete(`/api/v1/me/mfa/factors/${factorId}`)).statusCode).toBe(204);
    expect((await client.get('/api/v1/me/mfa')).json().factors).toHaveLength(1);
  });

  it('refuses a registration answered for another origin or challenge', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'phish@key.test' });
    const client = await signIn(t.app, 'key-co', 'phish@key.test');
    const { factorId, options } = (await client.post('/api/v1/me/mfa/passkeys/options')).json();
    const res = await client.post(`/api/v1/me/mfa/passkeys/${factorId}/verify`, {
      response: new SoftAuthenticator().create(options, 'https://evil.example'),
    });
    expect(res.json().code).toBe('auth.passkey_failed');
  });

  it('proves the second factor of a password sign-in', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'second@key.test' });
    const { authenticator } = await register('second@key.test');
    const login = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { tenant: 'key-co', login: 'second@key.test', password: 'Directory-Password-42!' },
      })
    ).json();
    expect(login.methods).toContain('passkey');
    const options = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/mfa/passkey-options',
        payload: { mfaToken: login.mfaToken },
      })
    ).json();
    expect(options.allowCredentials).toHaveLength(1);
    const forged = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa',
      payload: {
        mfaToken: login.mfaToken,
        method: 'passkey',
        credential: authenticator.get(options, ORIGIN, RP_ID, { tamper: true }),
      },
    });
    expect(forged.json().code).toBe('auth.mfa_code_wrong');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa',
      payload: {
        mfaToken: login.mfaToken,
        method: 'passkey',
        credential: authenticator.get(options, ORIGIN, RP_ID),
      },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.cookies.map((c) => c.name)).toContain('rollcall_session');
  });

  it('signs in without a password, once per challenge', async () => {
    await apiCreateUser(t.admin, tenant, { email: 'nopass@key.test', firstName: 'Nova' });
    const { authenticator } = await register('nopass@key.test');
    const start = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/passkey/options',
        payload: { tenant: 'key-co' },
      })
    ).json();
    expect(start.options.allowCredentials).toEqual([]);
    const credential = authenticator.get(start.options, ORIGIN, RP_ID);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/passkey',
      payload: { tenant: 'key-co', challengeId: start.challengeId, credential },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().user.firstName).toBe('Nova');
    const replay = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/passkey',
      payload: { tenant: 'key-co', challengeId: start.challengeId, credential },
    });
    expect(replay.json().code).toBe('auth.passkey_challenge_invalid');
    const events = (
      await t.admin.get(`/api/v1/tenants/${tenant}/audit?action=auth.login.succeeded&limit=5`)
    ).json().items;
    expect(events[0].after.method).toBe('passkey');
  });

  it('a suspended user’s passkey no longer signs in', async () => {
    const user = await apiCreateUser(t.admin, tenant, { email: 'gone@key.test' });
    const { authenticator } = await register('gone@key.test');
    await t.admin.post(`/api/v1/tenants/${tenant}/users/${user.id}/suspend`);
    const start = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/passkey/options',
        payload: { tenant: 'key-co' },
      })
    ).json();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/passkey',
      payload: {
        tenant: 'key-co',
        challengeId: start.challengeId,
        credential: authenticator.get(start.options, ORIGIN, RP_ID),
      },
    });
    expect(res.json().code).toBe('auth.passkey_failed');
  });
});
