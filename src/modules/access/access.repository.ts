import { v7 as uuidv7 } from 'uuid';
import type { Tx } from '../../platform/db.ts';
import { predefinedRolesFor } from './permissions.catalog.ts';

/** Creates the predefined roles of a new tenant; returns their ids by key. */
export async function insertPredefinedRoles(tx: Tx, tenantId: string, kind: 'provider' | 'customer') {
  const rows = predefinedRolesFor(kind).map((r) => ({
    tenantId,
    id: uuidv7(),
    key: r.key,
    name: r.name,
    description: r.description,
    permissions: [...r.permissions],
    customerAccess: r.customerAccess,
  }));
  await tx.insertInto('roles').values(rows).execute();
  return new Map(rows.map((r) => [r.key, r.id]));
}

export async function assignDirectRole(tx: Tx, tenantId: string, userId: string, roleId: string) {
  await tx
    .insertInto('userRoles')
    .values({ tenantId, userId, roleId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}
