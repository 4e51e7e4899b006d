import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let customerId: string;
beforeAll(async () => {
  t = await createTestApp();
  customerId = (await t.admin.post('/api/v1/tenants', { name: 'Target', slug: 'target' })).json().id;
});
afterAll(async () => {
  await t?.close();
});

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  url: string | (() => string);
  payload?: unknown;
  rawBody?: string;
  contentType?: string;
  status: number;
  code: string;
  anonymous?: boolean;
}

const long = 'x'.repeat(5000);
const cases: Case[] = [
  {
    name: 'malformed JSON',
    method: 'POST',
    url: '/api/v1/tenants',
    rawBody: '{"name": "A",',
    contentType: 'application/json',
    status: 400,
    code: 'request.malformed_json',
  },
  {
    name: 'empty JSON body',
    method: 'POST',
    url: '/api/v1/tenants',
    rawBody: '',
    contentType: 'application/json',
    status: 400,
    code: 'request.empty_body',
  },
  {
    name: 'not JSON at all',
    method: 'POST',
    url: '/api/v1/tenants',
    rawBody: 'name=A',
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
    code: 'request.unsupported_media_type',
  },
  {
    name: 'body too large',
    method: 'POST',
    url: '/api/v1/tenants',
    rawBody: JSON.stringify({ name: 'x'.repeat(1_100_000), slug: 'big' }),
    contentType: 'application/json',
    status: 413,
    code: 'request.too_large',
  },
  {
    name: 'array instead of object',
    method: 'POST',
    url: '/api/v1/tenants',
    payload: [1, 2],
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'missing required field',
    method: 'POST',
    url: '/api/v1/tenants',
    payload: { name: 'No slug' },
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'wrong type',
    method: 'POST',
    url: '/api/v1/tenants',
    payload: { name: 42, slug: 'n' },
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'over-long string',
    method: 'POST',
    url: '/api/v1/tenants',
    payload: { name: long, slug: 'long' },
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'blank name',
    method: 'POST',
    url: '/api/v1/tenants',
    payload: { name: '   ', slug: 'blank' },
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'bad slug',
    method: 'POST',
    url: '/api/v1/tenants',
    payload: { name: 'Bad', slug: 'Not A Slug!' },
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'unknown property',
    method: 'POST',
    url: '/api/v1/tenants',
    payload: { name: 'A', slug: 'a-co', kind: 'provider' },
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'bad time zone',
    method: 'POST',
    url: '/api/v1/tenants',
    payload: { name: 'A', slug: 'a-co', settings: { timeZone: 'Nowhere/City' } },
    status: 400,
    code: 'tenant.invalid_settings',
  },
  {
    name: 'empty patch',
    method: 'PATCH',
    url: () => `/api/v1/tenants/${customerId}`,
    payload: {},
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'bad status value',
    method: 'PATCH',
    url: () => `/api/v1/tenants/${customerId}`,
    payload: { status: 'deleted' },
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'tenant id not a uuid',
    method: 'GET',
    url: '/api/v1/tenants/not-a-uuid',
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'SQL in a path id',
    method: 'GET',
    url: "/api/v1/tenants/1'%20or%201=1--",
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'unknown tenant id',
    method: 'GET',
    url: '/api/v1/tenants/01900000-0000-7000-8000-000000000000',
    status: 404,
    code: 'tenant.not_found',
  },
  {
    name: 'limit out of range',
    method: 'GET',
    url: '/api/v1/tenants?limit=100000',
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'limit not a number',
    method: 'GET',
    url: '/api/v1/tenants?limit=many',
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'forged cursor',
    method: 'GET',
    url: '/api/v1/tenants?cursor=bm90LWEtY3Vyc29y',
    status: 400,
    code: 'request.invalid_cursor',
  },
  {
    name: 'unknown query parameter',
    method: 'GET',
    url: '/api/v1/tenants?colour=red',
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'audit: bad actor id',
    method: 'GET',
    url: () => `/api/v1/tenants/${customerId}/audit?actorId=me`,
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'audit: bad date',
    method: 'GET',
    url: () => `/api/v1/tenants/${customerId}/audit?from=yesterday`,
    status: 400,
    code: 'request.invalid',
  },
  { name: 'unknown route', method: 'GET', url: '/api/v1/nothing-here', status: 404, code: 'route.not_found' },
  { name: 'wrong method', method: 'DELETE', url: '/api/v1/tenants', status: 404, code: 'route.not_found' },
  {
    name: 'token: empty name',
    method: 'POST',
    url: '/api/v1/me/tokens',
    payload: { name: '' },
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'token: absurd expiry',
    method: 'POST',
    url: '/api/v1/me/tokens',
    payload: { name: 'x', expiresInDays: -1 },
    status: 400,
    code: 'request.invalid',
  },
  {
    name: 'token: revoke unknown',
    method: 'DELETE',
    url: '/api/v1/me/tokens/01900000-0000-7000-8000-000000000000',
    status: 404,
    code: 'auth.token_not_found',
  },
  {
    name: 'login: missing password',
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { tenant: 'msp', login: 'a' },
    status: 400,
    code: 'request.invalid',
    anonymous: true,
  },
  {
    name: 'login: number as login',
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { tenant: 'msp', login: 5, password: 'x' },
    status: 400,
    code: 'request.invalid',
    anonymous: true,
  },
  {
    name: 'no credentials',
    method: 'GET',
    url: '/api/v1/me',
    status: 401,
    code: 'auth.unauthenticated',
    anonymous: true,
  },
  {
    name: 'no credentials on a tenant route',
    method: 'GET',
    url: () => `/api/v1/tenants/${customerId}/audit`,
    status: 401,
    code: 'auth.unauthenticated',
    anonymous: true,
  },
];

describe('bad input gets a clear problem+json 4xx, never a 500 and never a change', () => {
  it.each(cases)('$name → $status $code', async (c) => {
    const url = typeof c.url === 'function' ? c.url() : c.url;
    const headers: Record<string, string> = {};
    if (c.contentType) headers['content-type'] = c.contentType;
    const options = {
      method: c.method,
      url,
      headers,
      ...(c.rawBody !== undefined
        ? { payload: c.rawBody }
        : c.payload !== undefined
          ? { payload: c.payload as object }
          : {}),
    };
    const res = c.anonymous ? await t.app.inject(options) : await t.admin.request(options);
    expect(res.statusCode, res.body).toBe(c.status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = res.json();
    expect(body).toMatchObject({ status: c.status, code: c.code });
    expect(typeof body.title).toBe('string');
    expect(typeof body.detail).toBe('string');
    expect(typeof body.type).toBe('string');
    expect(res.body).not.toMatch(/\bat .*\.ts:\d+|stack|syntax error at or near|select |insert into/i);
    if (body.code === 'request.invalid' && c.status === 400 && c.payload !== undefined) {
      expect(Array.isArray(body.errors)).toBe(true);
      expect(body.errors[0]).toHaveProperty('field');
    }
  });

  it('left no half-done change behind', async () => {
    const res = await t.ownerQuery(
      `select slug from tenants where slug in ('big', 'long', 'blank', 'a-co', 'n')`,
    );
    expect(res.rows).toEqual([]);
    const target = await t.ownerQuery('select name, status from tenants where id = $1', [customerId]);
    expect(target.rows[0]).toEqual({ name: 'Target', status: 'active' });
  });

  it('field errors name the field', async () => {
    const res = await t.admin.post('/api/v1/tenants', { name: 'A' });
    expect(res.json().errors).toEqual([expect.objectContaining({ field: 'body/slug' })]);
  });

  it('say in plain words what the field needs, once per field', async () => {
    const slug = await t.admin.post('/api/v1/tenants', { name: 'A', slug: 'Has Spaces' });
    expect(slug.json().errors).toEqual([
      {
        field: 'body/slug',
        code: 'pattern',
        message: 'must be lowercase letters, digits and dashes, not starting or ending with a dash',
      },
    ]);
    const blank = await t.admin.post('/api/v1/tenants', { name: '   ', slug: 'blank-name' });
    expect(blank.json().errors).toEqual([
      { field: 'body/name', code: 'pattern', message: 'must not be blank' },
    ]);
    const users = `/api/v1/tenants/${t.providerId}/users`;
    const many = await t.admin.post(users, {
      firstName: '',
      lastName: 'Ok',
      email: 'not-an-email',
      hireDate: '2026-13-45x',
      surprise: true,
    });
    const byField = Object.fromEntries(
      (many.json().errors as Array<{ field: string; message: string }>).map((e) => [e.field, e.message]),
    );
    expect(byField).toMatchObject({
      'body/firstName': 'must not be empty',
      'body/email': 'must be an email address',
      body: 'is not something this request takes (surprise)',
    });
    // a nullable field reports one reason, not one per branch of its schema
    const fields = (many.json().errors as Array<{ field: string }>).map((e) => e.field);
    expect(new Set(fields).size).toBe(fields.length);
  });
});
