import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createScimToken, ERROR_SCHEMA } from '../helpers/scim.ts';

/**
 * Refused SCIM tokens are braked per client address: after the tenant's auth limit of refusals in a
 * minute, a wrong token gets 429 with Retry-After instead of another 401, while a good token from the
 * same address keeps working (an identity provider behind a shared address is never slowed).
 */
let t: TestApp;
let token: string;
const LIMIT = 5;
beforeAll(async () => {
  t = await createTestApp({ env: { ROLLCALL_AUTH_RATE_LIMIT: String(LIMIT) } });
  const tenant = (await t.admin.post('/api/v1/tenants', { name: 'Brake Co', slug: 'brake-co' })).json().id;
  token = (await createScimToken(t.admin, tenant)).token;
});
afterAll(async () => t?.close());

const scimGet = (bearer: string | null, remoteAddress: string) =>
  t.app.inject({
    method: 'GET',
    url: '/scim/v2/Users?count=1',
    remoteAddress,
    headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
  });

describe('SCIM bearer tokens: refusals are braked per address', () => {
  it('answers 429 once an address has been refused too often; good tokens and other addresses go on', async () => {
    const guesser = '203.0.113.7';
    for (let i = 0; i < LIMIT; i++) {
      const res = await scimGet(i % 2 === 0 ? `rc_scim_guess${i}` : null, guesser);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ schemas: [ERROR_SCHEMA], code: 'scim.unauthenticated' });
    }
    const braked = await scimGet('rc_scim_guess_more', guesser);
    expect(braked.statusCode).toBe(429);
    expect(braked.json()).toMatchObject({
      schemas: [ERROR_SCHEMA],
      status: '429',
      code: 'scim.too_many_failures',
    });
    expect(Number(braked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(braked.headers['retry-after'])).toBeLessThanOrEqual(60);
    // the real identity provider behind the same address is not slowed
    expect((await scimGet(token, guesser)).statusCode).toBe(200);
    // another address is refused the ordinary way
    expect((await scimGet('rc_scim_wrong', '198.51.100.9')).statusCode).toBe(401);
  });
});
