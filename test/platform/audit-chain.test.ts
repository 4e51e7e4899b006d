import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/platform/audit.ts';
import { systemActor } from '../../src/platform/context.ts';
import { withTenantTx } from '../../src/platform/db.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

async function newTenantWithEvents(slug: string, n: number): Promise<string> {
  const id = (await t.admin.post('/api/v1/tenants', { name: slug, slug })).json().id;
  for (let i = 0; i < n; i++) {
    await t.admin.patch(`/api/v1/tenants/${id}`, { name: `${slug} v${i}` });
  }
  return id;
}

describe('audit log (rule 29)', () => {
  it('writes the event in the same transaction as the change: a rolled-back change leaves no event', async () => {
    const db = t.rollcall.platform.db;
    const before = await t.ownerQuery('select count(*)::int as n from audit_events where tenant_id = $1', [
      t.providerId,
    ]);
    await expect(
      withTenantTx(db, t.providerId, async (tx) => {
        await recordAudit(
          tx,
          { tenantId: t.providerId, actor: systemActor(), clock: t.clock },
          { action: 'test.doomed' },
        );
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    const after = await t.ownerQuery('select count(*)::int as n from audit_events where tenant_id = $1', [
      t.providerId,
    ]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
    expect((await t.admin.get(`/api/v1/tenants/${t.providerId}/audit/verify`)).json().ok).toBe(true);
  });

  it('records actor, action, target, before/after, IP, user agent and request id', async () => {
    const id = (
      await t.admin.post(
        '/api/v1/tenants',
        { name: 'Fields', slug: 'fields' },
        { 'user-agent': 'audit-test/1', 'x-request-id': 'req-123' },
      )
    ).json().id;
    const [event] = (await t.admin.get(`/api/v1/tenants/${t.providerId}/audit?targetId=${id}`)).json().items;
    expect(event).toMatchObject({
      action: 'tenant.created',
      actor: { type: 'user', label: 'Super Admin', tenantId: t.providerId },
      target: { type: 'tenant', id, label: 'Fields' },
      after: { name: 'Fields', slug: 'fields' },
      ip: '127.0.0.1',
      userAgent: 'audit-test/1',
      requestId: 'req-123',
    });
  });

  it('filters by actor, action prefix, target and time range, and pages newest first with a cursor', async () => {
    const id = await newTenantWithEvents('paging', 5);
    const all = (await t.admin.get(`/api/v1/tenants/${id}/audit?limit=200`)).json().items;
    expect(all.map((e: { seq: string }) => Number(e.seq))).toEqual([6, 5, 4, 3, 2, 1]);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { items: Array<{ id: string }>; nextCursor: string | null } = (
        await t.admin.get(`/api/v1/tenants/${id}/audit?limit=4${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      paged.push(...res.items.map((e: { id: string }) => e.id));
      cursor = res.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.map((e: { id: string }) => e.id));
    expect((await t.admin.get(`/api/v1/tenants/${id}/audit?action=tenant.`)).json().items).toHaveLength(6);
    expect(
      (await t.admin.get(`/api/v1/tenants/${id}/audit?action=tenant.updated`)).json().items,
    ).toHaveLength(5);
    const me = (await t.admin.get('/api/v1/me')).json().user.id;
    expect((await t.admin.get(`/api/v1/tenants/${id}/audit?actorId=${me}`)).json().items).toHaveLength(6);
    const future = new Date(t.clock.now().getTime() + 60_000).toISOString();
    expect((await t.admin.get(`/api/v1/tenants/${id}/audit?from=${future}`)).json().items).toHaveLength(0);
    expect((await t.admin.get(`/api/v1/tenants/${id}/audit?to=${future}`)).json().items).toHaveLength(6);
  });

  it('the application role cannot update or delete audit events, and a trigger refuses it to the owner too', async () => {
    const db = t.rollcall.platform.db;
    await expect(
      withTenantTx(db, t.providerId, (tx) => sql`update audit_events set action = 'x'`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
    await expect(
      withTenantTx(db, t.providerId, (tx) => sql`delete from audit_events`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
    await expect(
      t.ownerQuery(`update audit_events set action = 'x' where tenant_id = $1`, [t.providerId]),
    ).rejects.toThrow(/append-only/);
    await expect(
      t.ownerQuery('delete from audit_events where tenant_id = $1', [t.providerId]),
    ).rejects.toThrow(/append-only/);
  });

  it('verify names the tampered event when the database owner edits one row', async () => {
    const id = await newTenantWithEvents('tamper-edit', 6);
    expect((await t.admin.get(`/api/v1/tenants/${id}/audit/verify`)).json()).toEqual({
      ok: true,
      checked: 7,
      brokenAt: null,
    });
    const victim = await t.ownerQuery(`select id, seq from audit_events where tenant_id = $1 and seq = 4`, [
      id,
    ]);
    await t.ownerQuery(`
      begin;
      alter table audit_events disable trigger audit_events_append_only;
      update audit_events set after = '{"name":"innocent"}' where tenant_id = '${id}' and seq = 4;
      alter table audit_events enable trigger audit_events_append_only;
      commit;`);
    const res = (await t.admin.get(`/api/v1/tenants/${id}/audit/verify`)).json();
    expect(res).toEqual({
      ok: false,
      checked: 3,
      brokenAt: { seq: '4', id: victim.rows[0].id, reason: 'hash_mismatch' },
    });
  });

  it('verify notices a deleted event and a rewritten chain link', async () => {
    const id = await newTenantWithEvents('tamper-delete', 4);
    await t.ownerQuery(`
      begin;
      alter table audit_events disable trigger audit_events_append_only;
      delete from audit_events where tenant_id = '${id}' and seq = 3;
      alter table audit_events enable trigger audit_events_append_only;
      commit;`);
    const res = (await t.admin.get(`/api/v1/tenants/${id}/audit/verify`)).json();
    expect(res.ok).toBe(false);
    expect(res.brokenAt).toMatchObject({ seq: '4', reason: 'seq_gap' });

    const id2 = await newTenantWithEvents('tamper-tail', 2);
    await t.ownerQuery(`
      begin;
      alter table audit_events disable trigger audit_events_append_only;
      delete from audit_events where tenant_id = '${id2}' and seq = 3;
      alter table audit_events enable trigger audit_events_append_only;
      commit;`);
    const tail = (await t.admin.get(`/api/v1/tenants/${id2}/audit/verify`)).json();
    expect(tail.brokenAt).toMatchObject({ reason: 'head_mismatch' });
  });

  it('concurrent writers never fork the chain', async () => {
    const id = (await t.admin.post('/api/v1/tenants', { name: 'Busy', slug: 'busy' })).json().id;
    const db = t.rollcall.platform.db;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        withTenantTx(db, id, (tx) =>
          recordAudit(
            tx,
            { tenantId: id, actor: systemActor(), clock: t.clock },
            { action: 'test.concurrent', after: { i } },
          ),
        ),
      ),
    );
    const rows = await t.ownerQuery(
      'select seq, prev_hash, hash from audit_events where tenant_id = $1 order by seq',
      [id],
    );
    expect(rows.rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
    expect(new Set(rows.rows.map((r) => r.prev_hash)).size).toBe(41);
    expect((await t.admin.get(`/api/v1/tenants/${id}/audit/verify`)).json()).toMatchObject({
      ok: true,
      checked: 41,
    });
  });
});
