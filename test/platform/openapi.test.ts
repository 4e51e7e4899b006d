import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('OpenAPI document', () => {
  it('describes every API route, with its responses and the permission it needs', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries<Record<string, { responses: Record<string, unknown> }>>(
      doc.paths,
    )) {
      for (const [method, op] of Object.entries(ops)) {
        documented.add(`${method.toUpperCase()} ${path}`);
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
    const expected = [
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/logout',
      'GET /api/v1/me',
      'POST /api/v1/me/tokens',
      'GET /api/v1/me/tokens',
      'DELETE /api/v1/me/tokens/{tokenId}',
      'GET /api/v1/tenants',
      'POST /api/v1/tenants',
      'GET /api/v1/tenants/{tenantId}',
      'PATCH /api/v1/tenants/{tenantId}',
      'GET /api/v1/tenants/{tenantId}/audit',
      'GET /api/v1/tenants/{tenantId}/audit/verify',
      'GET /health',
      'GET /ready',
    ];
    for (const route of expected) expect(documented, route).toContain(route);
    // every route registered (bar the docs UI and hidden internals) is in the document
    expect(t.app.routeCatalog.length).toBeGreaterThanOrEqual(expected.length);
    for (const r of t.app.routeCatalog) expect(documented, r).toContain(r);
    expect(doc.paths['/api/v1/tenants'].post['x-permission']).toBe('tenants.manage');
    // each operation names its permission once (a GET's HEAD twin shares its schema)
    for (const [path, ops] of Object.entries(
      doc.paths as Record<string, Record<string, { description?: string }>>,
    ))
      for (const [method, op] of Object.entries(ops))
        expect(
          (op.description ?? '').split('Requires the permission').length,
          `${method} ${path}`,
        ).toBeLessThanOrEqual(2);
    expect(doc.paths['/api/v1/auth/login'].post.security).toEqual([]);
    expect(doc.components.schemas.Problem).toBeDefined();
  });

  it('serves the docs UI at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });

  it('exposes Prometheus metrics', async () => {
    await t.admin.get('/api/v1/me');
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toContain('rollcall_http_request_duration_seconds_bucket');
    expect(res.body).toContain('route="/api/v1/me"');
  });

  it('sends security headers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
