import { sql } from 'kysely';
import type { Tx } from '../../platform/db.ts';
import type { NewTenant, Tenant, TenantUpdate } from '../../platform/db-schema.ts';

export async function listTenants(
  tx: Tx,
  opts: { q?: string; kind?: 'provider' | 'customer'; after: [string, string] | null; limit: number },
): Promise<Tenant[]> {
  let query = tx.selectFrom('tenants').selectAll();
  if (opts.q) {
    const pattern = `%${opts.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('slug', 'ilike', pattern)]));
  }
  if (opts.kind) query = query.where('kind', '=', opts.kind);
  if (opts.after) {
    const [name, id] = opts.after;
    query = query.where(sql<boolean>`(lower(name), id) > (lower(${name}), ${id}::uuid)`);
  }
  return query.orderBy(sql`lower(name)`).orderBy('id').limit(opts.limit).execute();
}

export async function findTenant(tx: Tx, id: string): Promise<Tenant | undefined> {
  return tx.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertTenant(tx: Tx, tenant: NewTenant): Promise<Tenant> {
  return tx.insertInto('tenants').values(tenant).returningAll().executeTakeFirstOrThrow();
}

export async function updateTenant(tx: Tx, id: string, changes: TenantUpdate): Promise<Tenant> {
  return tx.updateTable('tenants').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}
