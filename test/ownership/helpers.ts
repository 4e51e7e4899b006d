import { runTransferStep } from '../../src/modules/ownership/ownership.jobs.ts';
import type { TransferStep } from '../../src/modules/ownership/ownership.service.ts';
import { withTenantTx } from '../../src/platform/db.ts';
import { zonedDateHour } from '../../src/platform/zoned-time.ts';
import { type TestApp, TestClient } from '../helpers/app.ts';
import { apiCreateUser, defaultGroupId, roleId } from '../helpers/fixtures.ts';

/**
 * A customer tenant in Europe/Berlin where Alice owns one of everything: a group, the default-member
 * slot of that group (with the people licence rule 7 asks for), and a workflow, a job and a form
 * registered by an integration. The admin acts through an API token, which has no idle timeout,
 * so tests can move the clock by days.
 */
export const TIME_ZONE = 'Europe/Berlin';

export async function ownershipTenant(t: TestApp, slug: string) {
  const tenant = (await t.admin.post('/api/v1/tenants', { name: `Own ${slug}`, slug })).json().id as string;
  await t.admin.patch(`/api/v1/tenants/${tenant}`, { settings: { timeZone: TIME_ZONE } });
  await t.admin.put(`/api/v1/tenants/${tenant}/licenses`, { pools: [{ type: 'people', quantity: 100 }] });
  const token = (await t.admin.post('/api/v1/me/tokens', { name: `ownership ${slug}` })).json().token;
  const admin = TestClient.withToken(t.app, token);
  return { tenant, admin, defaultGroup: await defaultGroupId(admin, tenant) };
}

export type OwnershipTenant = Awaited<ReturnType<typeof ownershipTenant>>;

let n = 0;
export async function scenario(t: TestApp, o: OwnershipTenant) {
  n += 1;
  const T = `/api/v1/tenants/${o.tenant}`;
  const alice = await apiCreateUser(o.admin, o.tenant, {
    firstName: 'Alice',
    lastName: `Owner${n}`,
    roleIds: [await roleId(o.admin, o.tenant, 'tenant_admin')],
  });
  // Bob never signs in: no password to hash
  const bob = await apiCreateUser(o.admin, o.tenant, {
    firstName: 'Bob',
    lastName: `Cover${n}`,
    password: undefined,
  });
  const group = (await o.admin.post(`${T}/groups`, { name: `Support ${n}` })).json();
  await o.admin.put(`${T}/users/${alice.id}/groups`, { groupIds: [o.defaultGroup, group.id] });
  await t.ownerQuery('update groups set owner_id = $1 where id = $2', [alice.id, group.id]);
  await o.admin.post(`${T}/users/${alice.id}/license`, {});
  const slot = await o.admin.patch(`${T}/groups/${group.id}`, { defaultMemberId: alice.id });
  if (slot.statusCode !== 200) throw new Error(slot.body);
  const resource = async (type: string) => {
    const res = await o.admin.post(`${T}/resources`, {
      type,
      externalId: `${type}-scenario-${n}`,
      name: `${type} ${n}`,
      ownerId: alice.id,
    });
    if (res.statusCode !== 201) throw new Error(res.body);
    return res.json() as { id: string; name: string };
  };
  return {
    T,
    alice,
    bob,
    group: group as { id: string; name: string },
    workflow: await resource('workflow'),
    job: await resource('job'),
    form: await resource('form'),
  };
}

/** What a user owns, as `type:name` strings. */
export async function ownedBy(o: OwnershipTenant, userId: string): Promise<string[]> {
  const res = await o.admin.get(`/api/v1/tenants/${o.tenant}/users/${userId}/ownerships`);
  return (res.json().kinds as Array<{ type: string; items: Array<{ name: string }> }>)
    .flatMap((k) => k.items.map((i) => `${k.type}:${i.name}`))
    .sort();
}

/** A date and hour on Berlin's clocks, `days` after the test clock's now. */
export function berlin(t: TestApp, days: number, hour: number) {
  const at = new Date(t.clock.now().getTime() + days * 86_400_000);
  return { date: zonedDateHour(at, TIME_ZONE).date, hour };
}

/** Runs one step the way its job does (the job itself is due later on the queue's clock). */
export const runStep = (t: TestApp, tenantId: string, transferId: string, step: TransferStep) =>
  runTransferStep(t.rollcall.platform, { tenantId, transferId, step });

export async function groupIdsOf(t: TestApp, tenantId: string, userId: string): Promise<string[]> {
  return withTenantTx(t.rollcall.platform.db, tenantId, async (tx) =>
    (
      await tx
        .selectFrom('groupMembers')
        .select('groupId')
        .where('tenantId', '=', tenantId)
        .where('userId', '=', userId)
        .execute()
    ).map((r) => r.groupId),
  );
}
