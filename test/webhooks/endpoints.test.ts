import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { type OwnershipTenant, ownershipTenant } from '../ownership/helpers.ts';

let t: TestApp;
let o: OwnershipTenant;
let T: string;

beforeAll(async () => {
  t = await createTestApp();
  o = await ownershipTenant(t, 'webhook-endpoints');
  T = `/api/v1/tenants/${o.tenant}`;
});
afterAll(async () => {
  await t?.close();
});

async function delivery(endpointId: string, at: string, status: string, lastStatus: number | null) {
  await t.ownerQuery(
    `insert into webhook_deliveries
       (tenant_id, id, endpoint_id, url, event, body, status, attempts, last_status, last_error, created_at)
     values ($1, gen_random_uuid(), $2, 'http://127.0.0.1:9/hook', 'resource.owner_changed', '{}', $3, 1, $4, $5, $6)`,
    [o.tenant, endpointId, status, lastStatus, status === 'failed' ? `HTTP ${lastStatus}` : null, at],
  );
}

describe('webhook endpoints for the console', () => {
  it('lists each endpoint with its newest delivery, or none yet', async () => {
    const add = async (path: string) => {
      const res = await o.admin.post(`${T}/webhooks`, {
        url: `http://127.0.0.1:9/${path}`,
        events: ['resource.owner_changed'],
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const answering = await add('answering');
    const quiet = await add('quiet');
    await delivery(answering, '2030-01-01T10:00:00Z', 'delivered', 200);
    await delivery(answering, '2030-01-02T10:00:00Z', 'failed', 503);

    const list = (await o.admin.get(`${T}/webhooks`)).json();
    expect(list.events).toEqual(['resource.owner_changed']);
    const byId = Object.fromEntries(list.items.map((e: { id: string }) => [e.id, e]));
    expect(byId[answering].lastDelivery).toEqual({
      event: 'resource.owner_changed',
      status: 'failed',
      attempts: 1,
      lastStatus: 503,
      lastError: 'HTTP 503',
      createdAt: '2030-01-02T10:00:00.000Z',
      deliveredAt: null,
    });
    expect(byId[quiet].lastDelivery).toBeNull();
  });

  it('names the field when an address is refused or malformed', async () => {
    const refused = await o.admin.post(`${T}/webhooks`, {
      url: 'http://10.1.2.3/hook',
      events: ['resource.owner_changed'],
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      code: 'webhook.url_not_allowed',
      errors: [{ field: 'body/url', message: 'is a private or reserved address' }],
    });
    const malformed = await o.admin.post(`${T}/webhooks`, {
      url: 'http://has space.example/hook',
      events: ['resource.owner_changed'],
    });
    expect(malformed.json()).toMatchObject({
      code: 'request.invalid',
      errors: [
        {
          field: 'body/url',
          message: 'must be a web address starting with https:// or http://, without spaces',
        },
      ],
    });
  });

  it('stops the queued deliveries of an endpoint switched off or deleted', async () => {
    const add = async (path: string) =>
      (
        await o.admin.post(`${T}/webhooks`, {
          url: `http://127.0.0.1:9/${path}`,
          events: ['resource.owner_changed'],
        })
      ).json().id as string;
    const paused = await add('paused');
    const deleted = await add('deleted');
    await delivery(paused, '2030-02-01T10:00:00Z', 'queued', 503);
    await delivery(deleted, '2030-02-01T10:00:00Z', 'queued', 503);
    await delivery(deleted, '2030-01-01T10:00:00Z', 'delivered', 200);
    expect((await o.admin.patch(`${T}/webhooks/${paused}`, { enabled: false })).statusCode).toBe(200);
    expect((await o.admin.delete(`${T}/webhooks/${deleted}`)).statusCode).toBe(204);
    const rows = (
      await t.ownerQuery(
        `select endpoint_id, status, last_error from webhook_deliveries
          where tenant_id = $1 and created_at = '2030-02-01T10:00:00Z' order by last_error`,
        [o.tenant],
      )
    ).rows;
    expect(rows).toEqual([
      {
        endpoint_id: null,
        status: 'failed',
        last_error: 'Not sent: the endpoint was deleted before it was delivered',
      },
      {
        endpoint_id: paused,
        status: 'failed',
        last_error: 'Not sent: the endpoint was switched off before it was delivered',
      },
    ]);
    // what was delivered stays delivered
    expect(
      (
        await t.ownerQuery(
          `select status from webhook_deliveries where tenant_id = $1 and created_at = '2030-01-01T10:00:00Z' and last_status = 200 and endpoint_id is null`,
          [o.tenant],
        )
      ).rows,
    ).toEqual([{ status: 'delivered' }]);
  });

  it('keeps an endpoint address in the audit trail without its query string', async () => {
    const res = await o.admin.post(`${T}/webhooks`, {
      url: 'http://127.0.0.1:9/hook?token=receiver-secret',
      events: ['resource.owner_changed'],
    });
    expect(res.statusCode, res.body).toBe(201);
    await o.admin.patch(`${T}/webhooks/${res.json().id}`, { enabled: false });
    const events = (await o.admin.get(`${T}/audit?targetId=${res.json().id}`)).json().items;
    expect(events.map((e: { action: string }) => e.action).sort()).toEqual([
      'webhook.endpoint_created',
      'webhook.endpoint_updated',
    ]);
    expect(events[0].target.label).toBe('http://127.0.0.1:9/hook?…');
    expect(JSON.stringify(events)).not.toContain('receiver-secret');
  });
});
