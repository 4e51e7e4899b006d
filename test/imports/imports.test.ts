import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestClient } from '../helpers/app.ts';

let t: TestApp;
let tenant: string;
const base = () => `/api/v1/tenants/${tenant}/imports`;

beforeAll(async () => {
  t = await createTestApp();
  tenant = (await t.admin.post('/api/v1/tenants', { name: 'Import Co', slug: 'import-co' })).json().id;
});
afterAll(async () => {
  await t?.close();
});

async function upload(client: TestClient, csv: string | Buffer, query = '') {
  return client.request({
    method: 'POST',
    url: `${base()}${query}`,
    payload: typeof csv === 'string' ? Buffer.from(csv) : csv,
    headers: { 'content-type': 'text/csv' },
  });
}

async function settle(id: string) {
  for (let i = 0; i < 600; i++) {
    const res = await t.admin.get(`${base()}/${id}`);
    const body = res.json();
    if (body.status !== 'validating' && body.status !== 'running') return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('import did not settle');
}

describe('smoke', () => {
  it('uploads, dry-runs and runs', async () => {
    const up = await upload(
      t.admin,
      'First name,Last name,Email\nMarta,Schmidt,marta@x.test\nBen,Ode,not-an-email\n',
    );
    expect(up.statusCode, up.body).toBe(201);
    const imp = up.json();
    console.log(JSON.stringify(imp, null, 1));
    const options = {
      hasHeader: true,
      columns: [
        { index: 0, field: 'firstName' },
        { index: 1, field: 'lastName' },
        { index: 2, field: 'email' },
      ],
    };
    const dry = await t.admin.post(`${base()}/${imp.id}/dry-run`, options);
    expect(dry.statusCode, dry.body).toBe(202);
    const checked = await settle(imp.id);
    console.log(JSON.stringify(checked.progress), checked.status, checked.error);
    console.log((await t.admin.get(`${base()}/${imp.id}/rows`)).body);
    const run = await t.admin.post(`${base()}/${imp.id}/run`, options);
    expect(run.statusCode, run.body).toBe(202);
    const done = await settle(imp.id);
    console.log(JSON.stringify(done.progress), done.status, done.error);
    const report = await t.admin.get(`${base()}/${imp.id}/report`);
    console.log(report.headers, report.body);
    const exp = await t.admin.get(
      `/api/v1/tenants/${tenant}/users/export?columns=firstName,email,roles,groups`,
    );
    console.log(exp.statusCode, exp.body);
    console.log((await t.admin.get(`/api/v1/tenants/${tenant}/audit/verify`)).body);
  });
});
