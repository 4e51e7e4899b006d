import type { Insertable, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { Tx } from '../../platform/db.ts';
import type { ImportPhase, ImportRowsTable, ImportsTable } from '../../platform/db-schema.ts';

export type ImportRow = Selectable<ImportsTable>;

export async function insertImport(tx: Tx, row: Insertable<ImportsTable>) {
  await tx.insertInto('imports').values(row).execute();
}

export async function findImport(tx: Tx, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}) {
  let q = tx.selectFrom('imports').selectAll().where('tenantId', '=', tenantId).where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function findActiveImport(tx: Tx, tenantId: string) {
  return tx
    .selectFrom('imports')
    .select(['id', 'status'])
    .where('tenantId', '=', tenantId)
    .where('status', 'in', ['validating', 'running'])
    .executeTakeFirst();
}

export async function updateImport(tx: Tx, tenantId: string, id: string, changes: Updateable<ImportsTable>) {
  return tx
    .updateTable('imports')
    .set(changes)
    .where('tenantId', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listImports(tx: Tx, tenantId: string, limit: number) {
  return tx
    .selectFrom('imports')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .orderBy('createdAt', 'desc')
    .limit(limit)
    .execute();
}

export async function insertChunk(tx: Tx, tenantId: string, importId: string, seq: number, data: Buffer) {
  await tx.insertInto('importChunks').values({ tenantId, importId, seq, data }).execute();
}

export async function readChunk(tx: Tx, tenantId: string, importId: string, seq: number) {
  const row = await tx
    .selectFrom('importChunks')
    .select('data')
    .where('tenantId', '=', tenantId)
    .where('importId', '=', importId)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row?.data ?? null;
}

export async function deleteChunks(tx: Tx, tenantId: string, importId: string) {
  await tx
    .deleteFrom('importChunks')
    .where('tenantId', '=', tenantId)
    .where('importId', '=', importId)
    .execute();
}

export async function deleteRows(tx: Tx, tenantId: string, importId: string, phase: ImportPhase) {
  await tx
    .deleteFrom('importRows')
    .where('tenantId', '=', tenantId)
    .where('importId', '=', importId)
    .where('phase', '=', phase)
    .execute();
}

export async function insertRows(tx: Tx, rows: Array<Insertable<ImportRowsTable>>) {
  for (let i = 0; i < rows.length; i += 5000) {
    await tx
      .insertInto('importRows')
      .values(rows.slice(i, i + 5000))
      .execute();
  }
}

export async function listRows(
  tx: Tx,
  tenantId: string,
  importId: string,
  phase: ImportPhase,
  opts: { outcome?: string; afterRow?: number; limit: number },
) {
  let q = tx
    .selectFrom('importRows')
    .select(['rowNumber', 'outcome', 'userId', 'login', 'code', 'message'])
    .where('tenantId', '=', tenantId)
    .where('importId', '=', importId)
    .where('phase', '=', phase);
  if (opts.outcome) q = q.where('outcome', '=', opts.outcome as never);
  if (opts.afterRow !== undefined) q = q.where('rowNumber', '>', opts.afterRow);
  return q.orderBy('rowNumber').limit(opts.limit).execute();
}

/**
 * Users of the tenant holding any of these emails, usernames or employee ids (lower-cased), through
 * the unique indexes: what a batch of rows collides with or matches.
 */
export async function findUsersByKeys(
  tx: Tx,
  tenantId: string,
  keys: { emails: string[]; usernames: string[]; employeeIds: string[] },
) {
  const parts = [];
  if (keys.emails.length)
    parts.push(sql`(lower(email) = any(${keys.emails}::text[]) and status <> 'removed')`);
  if (keys.usernames.length)
    parts.push(sql`(lower(username) = any(${keys.usernames}::text[]) and status <> 'removed')`);
  if (keys.employeeIds.length)
    parts.push(
      sql`(lower(employee_id) = any(${keys.employeeIds}::text[]) and employee_id is not null and status <> 'removed')`,
    );
  if (parts.length === 0) return [];
  const result = await sql<{
    id: string;
    email: string | null;
    username: string | null;
    employeeId: string | null;
    status: string;
  }>`select id, email, username, employee_id, status from users
      where tenant_id = ${tenantId} and (${sql.join(parts, sql` or `)})`.execute(tx);
  return result.rows;
}
