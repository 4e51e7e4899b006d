import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverWebhook, verifyWebhookSignature } from '../../src/platform/webhooks.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { apiCreateUser } from '../helpers/fixtures.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';
import { type OwnershipTenant, ownershipTenant, scenario } from './helpers.ts';

let t: TestApp;
let o: OwnershipTenant;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let T: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  t = await createTestApp();
  o = await ownershipTenant(t, 'own-resources');
  T = `/api/v1/tenants/${o.tenant}`;
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

describe('rule 17: resources integrations register, each with one owner', () => {
  it('registers, lists, renames and forgets resources; bad input gets clear codes', async () => {
    const owner = await apiCreateUser(o.admin, o.tenant, { firstName: 'Olga', lastName: 'Owner' });
    const post = (body: Record<string, unknown>) =>
      o.admin.post(`${T}/resources`, {
        type: 'workflow',
        externalId: 'wf-1',
        name: 'Invoice approval',
        ownerId: owner.id,
        ...body,
      });
    const created = await post({ url: 'https://dispatch.example/wf/1' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      type: 'workflow',
      externalId: 'wf-1',
      name: 'Invoice approval',
      owner: { id: owner.id, firstName: 'Olga', initials: 'OO' },
      shareCount: 0,
    });
    const id = created.json().id;
    const dup = await post({ name: 'Again' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'resource.exists', details: { id } });
    const unknown = await post({ type: 'spaceship', externalId: 'x' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('resource.unknown_type');
    expect(unknown.json().details.known).toEqual(expect.arrayContaining(['workflow', 'job', 'form']));
    const nobody = await post({ externalId: 'wf-2', ownerId: '01900000-0000-7000-8000-000000000000' });
    expect(nobody.json().code).toBe('resource.invalid_owner');
    expect((await post({ externalId: 'wf-3', url: 'javascript:alert(1)' })).json().code).toBe(
      'request.invalid',
    );
    await post({ type: 'job', externalId: 'job-1', name: 'Print run' });

    const byType = (await o.admin.get(`${T}/resources?type=workflow&ownerId=${owner.id}`)).json();
    expect(byType.items.map((r: { name: string }) => r.name)).toEqual(['Invoice approval']);
    expect((await o.admin.get(`${T}/resources?externalId=job-1`)).json().items[0].type).toBe('job');
    const page = (await o.admin.get(`${T}/resources?ownerId=${owner.id}&limit=1`)).json();
    expect(page.items).toHaveLength(1);
    const next = (
      await o.admin.get(`${T}/resources?ownerId=${owner.id}&limit=1&cursor=${page.nextCursor}`)
    ).json();
    expect(next.items[0].name).not.toBe(page.items[0].name);
    expect(next.nextCursor).toBeNull();

    const renamed = await o.admin.patch(`${T}/resources/${id}`, { name: 'Invoice approval v2' });
    expect(renamed.json().name).toBe('Invoice approval v2');
    expect((await o.admin.delete(`${T}/resources/${id}`)).statusCode).toBe(204);
    const gone = await o.admin.get(`${T}/resources/${id}`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().code).toBe('resource.not_found');
    const audit = (await o.admin.get(`${T}/audit?targetId=${id}`))
      .json()
      .items.map((e: { action: string }) => e.action);
    expect(audit).toEqual(
      expect.arrayContaining(['resource.registered', 'resource.updated', 'resource.deleted']),
    );
  });
});

describe('rule 17: sharing at view or edit', () => {
  it('shares, changes levels and stops sharing, one or many at once; a suspended user gets nothing new', async () => {
    const s = await scenario(t, o);
    const dana = await apiCreateUser(o.admin, o.tenant, { firstName: 'Dana', lastName: 'Viewer' });
    const share = (resourceId: string, userId: string, level: string) =>
      o.admin.put(`${T}/resources/${resourceId}/shares/${userId}`, { level });
    expect((await share(s.workflow.id, dana.id, 'view')).statusCode).toBe(200);
    expect((await share(s.form.id, dana.id, 'edit')).statusCode).toBe(200);
    expect((await share(s.job.id, dana.id, 'view')).statusCode).toBe(200);
    const self = await share(s.workflow.id, s.alice.id, 'edit');
    expect(self.statusCode).toBe(400);
    expect(self.json().code).toBe('share.with_owner');
    const shared = (await o.admin.get(`${T}/users/${dana.id}/shared`)).json().items;
    expect(
      shared.map((x: { resource: { type: string }; level: string }) => `${x.resource.type}:${x.level}`),
    ).toEqual(['form:edit', 'job:view', 'workflow:view']);
    expect(shared[2].resource).toMatchObject({ typeLabel: 'Workflows', owner: { id: s.alice.id } });
    expect((await o.admin.get(`${T}/users/${dana.id}`)).json().sharedCount).toBe(3);
    expect((await o.admin.get(`${T}/resources/${s.workflow.id}/shares`)).json().items[0]).toMatchObject({
      user: { id: dana.id, status: 'active' },
      level: 'view',
    });

    // reference 003, blocked users: no new shares, but levels can change and shares can stop
    await o.admin.post(`${T}/users/${dana.id}/suspend`);
    expect((await share(s.workflow.id, dana.id, 'edit')).statusCode).toBe(200);
    const blocked = await share((await newWorkflow(s.alice.id)).id, dana.id, 'view');
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json().code).toBe('share.user_suspended');
    // one bad change in a batch: nothing of it applies
    const bad = await o.admin.patch(`${T}/users/${dana.id}/shared`, {
      changes: [
        { resourceId: s.workflow.id, level: null },
        { resourceId: '01900000-0000-7000-8000-000000000000', level: 'view' },
      ],
    });
    expect(bad.statusCode).toBe(404);
    expect((await o.admin.get(`${T}/users/${dana.id}/shared`)).json().items).toHaveLength(3);
    const saved = await o.admin.patch(`${T}/users/${dana.id}/shared`, {
      changes: [
        { resourceId: s.workflow.id, level: 'edit' },
        { resourceId: s.form.id, level: null },
        { resourceId: s.job.id, level: null },
      ],
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(
      saved.json().items.map((x: { resource: { id: string }; level: string }) => [x.resource.id, x.level]),
    ).toEqual([[s.workflow.id, 'edit']]);
    expect((await o.admin.delete(`${T}/resources/${s.workflow.id}/shares/${dana.id}`)).json().items).toEqual(
      [],
    );
    const actions = (await o.admin.get(`${T}/audit?targetId=${s.form.id}`))
      .json()
      .items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['resource.shared', 'resource.unshared']));
    // nor are a suspended user's own resources newly shared with anyone
    const erik = await apiCreateUser(o.admin, o.tenant, {
      firstName: 'Erik',
      lastName: 'Reader',
      password: undefined,
    });
    await o.admin.post(`${T}/users/${s.alice.id}/suspend`);
    const ownerBlocked = await share(s.form.id, erik.id, 'view');
    expect(ownerBlocked.statusCode).toBe(409);
    expect(ownerBlocked.json().code).toBe('share.owner_suspended');
    await o.admin.post(`${T}/users/${s.alice.id}/reactivate`);
    expect((await share(s.form.id, erik.id, 'view')).statusCode).toBe(200);
    await o.admin.post(`${T}/users/${dana.id}/archive`);
    const archived = await share(s.workflow.id, dana.id, 'view');
    expect(archived.json()).toMatchObject({ code: 'share.user_inactive', details: { status: 'archived' } });
  });
});

async function newWorkflow(ownerId: string) {
  const res = await o.admin.post(`${T}/resources`, {
    type: 'workflow',
    externalId: `wf-${Math.random().toString(36).slice(2)}`,
    name: 'Fresh workflow',
    ownerId,
  });
  return res.json() as { id: string };
}

describe('changing the owner of one item', () => {
  it('works for every listable kind, keeps rule 7, and refuses what is not changed here', async () => {
    const s = await scenario(t, o);
    const to = (type: string, id: string, ownerId: string) =>
      o.admin.post(`${T}/ownerships/${type}/${id}/owner`, { ownerId });
    const group = await to('group', s.group.id, s.bob.id);
    expect(group.statusCode, group.body).toBe(200);
    expect(group.json()).toMatchObject({ type: 'group', id: s.group.id, owner: { id: s.bob.id } });
    const listed = (await o.admin.get(`${T}/ownerships?type=group&ownerId=${s.bob.id}`)).json().items;
    expect(listed.map((i: { name: string }) => i.name)).toEqual([s.group.name]);
    // the default member must be a licensed member (rule 7)
    const slot = await to('default_group_member', s.group.id, s.bob.id);
    expect(slot.statusCode).toBe(400);
    expect(slot.json().code).toBe('group.default_member_not_member');
    await o.admin.put(`${T}/users/${s.bob.id}/groups`, { groupIds: [o.defaultGroup, s.group.id] });
    expect((await to('default_group_member', s.group.id, s.bob.id)).json().code).toBe(
      'group.default_member_unlicensed',
    );
    await o.admin.post(`${T}/users/${s.bob.id}/license`, {});
    expect((await to('default_group_member', s.group.id, s.bob.id)).statusCode).toBe(200);
    expect((await to('license', 'people', s.bob.id)).json().code).toBe('ownership.not_changeable');
    const unknown = await to('spaceship', s.group.id, s.bob.id);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('ownership.unknown_kind');
    expect((await to('workflow', s.group.id, s.bob.id)).json().code).toBe('ownership.item_not_found');
    expect((await to('workflow', 'not-a-uuid', s.bob.id)).json().code).toBe('ownership.item_not_found');
    const audit = (
      await o.admin.get(`${T}/audit?action=ownership.owner_changed&targetId=${s.group.id}`)
    ).json();
    expect(audit.items).toHaveLength(2);
  });
});

describe('integrations hear of owner changes by a signed webhook', () => {
  it('delivers to a real receiver, signed with HMAC-SHA256 over the timestamp and raw body', async () => {
    const s = await scenario(t, o);
    const endpoint = await o.admin.post(`${T}/webhooks`, {
      url: `${receiver.url}/rollcall`,
      events: ['resource.owner_changed'],
      description: 'Dispatcher',
    });
    expect(endpoint.statusCode, endpoint.body).toBe(201);
    expect(
      (await o.admin.post(`${T}/webhooks`, { url: receiver.url, events: ['user.nope'] })).json().code,
    ).toBe('webhook.unknown_event');
    const { secret } = (await o.admin.get(`${T}/webhooks/secret`)).json();
    expect(secret).toMatch(/^whsec_/);
    expect(
      (await o.admin.post(`${T}/ownerships/workflow/${s.workflow.id}/owner`, { ownerId: s.bob.id }))
        .statusCode,
    ).toBe(200);
    const hit = await receiver.waitFor((w) => w.body.includes(s.workflow.id));
    expect(hit.path).toBe('/rollcall');
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.headers['rollcall-event']).toBe('resource.owner_changed');
    const timestamp = String(hit.headers['rollcall-timestamp']);
    // the receiver's own check, written out: HMAC-SHA256(secret, "<timestamp>.<raw body>")
    const expected = `v1=${createHmac('sha256', secret).update(`${timestamp}.${hit.body}`).digest('hex')}`;
    expect(hit.headers['rollcall-signature']).toBe(expected);
    const headers = { timestamp, signature: String(hit.headers['rollcall-signature']) };
    expect(verifyWebhookSignature(secret, headers, hit.body, { now: new Date() })).toBe(true);
    expect(
      verifyWebhookSignature(secret, headers, hit.body.replace('change_owner', 'transfer'), {
        now: new Date(),
      }),
    ).toBe(false);
    expect(verifyWebhookSignature('whsec_other', headers, hit.body, { now: new Date() })).toBe(false);
    expect(
      verifyWebhookSignature(secret, headers, hit.body, { now: new Date(Date.now() + 3_600_000) }),
      'a replay an hour later',
    ).toBe(false);
    expect(JSON.parse(hit.body)).toMatchObject({
      event: 'resource.owner_changed',
      tenantId: o.tenant,
      data: {
        reason: 'change_owner',
        previousOwner: { id: s.alice.id },
        owner: { id: s.bob.id },
        resources: [
          { id: s.workflow.id, type: 'workflow', externalId: expect.any(String), name: s.workflow.name },
        ],
      },
    });
    // the receiver has the request a moment before Rollcall records the answer
    await expect
      .poll(async () => (await o.admin.get(`${T}/webhooks/deliveries`)).json().items[0], { timeout: 5000 })
      .toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });

    // a rotated secret signs from then on
    const rotated = (await o.admin.post(`${T}/webhooks/secret/rotate`)).json().secret;
    expect(rotated).not.toBe(secret);
    await o.admin.post(`${T}/ownerships/job/${s.job.id}/owner`, { ownerId: s.bob.id });
    const second = await receiver.waitFor((w) => w.body.includes(s.job.id));
    expect(
      verifyWebhookSignature(
        rotated,
        {
          timestamp: String(second.headers['rollcall-timestamp']),
          signature: String(second.headers['rollcall-signature']),
        },
        second.body,
        { now: new Date() },
      ),
    ).toBe(true);
  });

  it('a failed delivery is retried with the same id and body, and marked failed after the last attempt', async () => {
    const id = '01900000-0000-7000-8000-0000000000a1';
    await t.ownerQuery(
      `insert into webhook_deliveries (tenant_id, id, url, event, body, status, created_at)
       values ($1, $2, $3, 'resource.owner_changed', '{"hello":"world"}', 'queued', now())`,
      [o.tenant, id, `${receiver.url}/flaky`],
    );
    const row = async () =>
      (await t.ownerQuery('select status, attempts, last_status from webhook_deliveries where id = $1', [id]))
        .rows[0];
    receiver.respondWith(503);
    await expect(deliverWebhook(t.rollcall.platform, { tenantId: o.tenant, id }, 0)).rejects.toThrow(
      /HTTP 503/,
    );
    expect(await row()).toEqual({ status: 'queued', attempts: 1, last_status: 503 });
    receiver.respondWith(200);
    await deliverWebhook(t.rollcall.platform, { tenantId: o.tenant, id }, 1);
    expect(await row()).toMatchObject({ status: 'delivered', attempts: 2, last_status: 200 });
    const attempts = receiver.received.filter((w) => w.path === '/flaky');
    expect(attempts.map((w) => w.headers['rollcall-webhook-id'])).toEqual([id, id]);
    expect(attempts.map((w) => w.body)).toEqual(['{"hello":"world"}', '{"hello":"world"}']);

    await t.ownerQuery(`update webhook_deliveries set status = 'queued' where id = $1`, [id]);
    receiver.respondWith(500);
    await deliverWebhook(t.rollcall.platform, { tenantId: o.tenant, id }, 8);
    expect(await row()).toMatchObject({ status: 'failed', last_status: 500 });
    receiver.respondWith(200);
  });
});
