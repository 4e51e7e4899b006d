import { v7 as uuidv7 } from 'uuid';
import type { Tx } from '../../platform/db.ts';

export const DEFAULT_GROUP_NAME = 'Default';

/** Rule 6: every tenant has a Default group; it is created with the tenant and never deleted. */
export async function insertDefaultGroup(tx: Tx, tenantId: string): Promise<string> {
  const id = uuidv7();
  await tx.insertInto('groups').values({ tenantId, id, name: DEFAULT_GROUP_NAME, isDefault: true }).execute();
  return id;
}

export async function findDefaultGroupId(tx: Tx, tenantId: string): Promise<string | undefined> {
  const row = await tx
    .selectFrom('groups')
    .select('id')
    .where('tenantId', '=', tenantId)
    .where('isDefault', '=', true)
    .executeTakeFirst();
  return row?.id;
}

export async function addMember(tx: Tx, tenantId: string, groupId: string, userId: string) {
  await tx
    .insertInto('groupMembers')
    .values({ tenantId, groupId, userId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}
