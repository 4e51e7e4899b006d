import type { Insertable, Selectable, Updateable } from 'kysely';
import { sql } from 'kysely';
import type { Db, Tx } from '../../platform/db.ts';
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

/**
 * ANALYZE users, as the owner. A tenant filled by an import outgrows the table's statistics long
 * before autovacuum catches up, and the cached plans of the foreign-key checks on user_roles and
 * group_members then scan users instead of probing its key: measured, 5 ms a batch of 1,000 became
 * 370 ms after four batches of a fresh installation. Fresh statistics invalidate those plans.
 */
export async function refreshUserStatistics(db: Db) {
  await sql`analyze users`.execute(db);
}

/** A batch's row outcomes in one statement. */
export async function insertRows(
  tx: Tx,
  tenantId: string,
  importId: string,
  phase: ImportPhase,
  rows: ReadonlyArray<Omit<Insertable<ImportRowsTable>, 'tenantId' | 'importId' | 'phase'>>,
) {
  if (rows.length === 0) return;
  const col = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key] ?? null);
  await sql`insert into import_rows (tenant_id, import_id, phase, row_number, outcome, user_id, login, code, message, problems)
    select ${tenantId}::uuid, ${importId}::uuid, ${phase}, r.*
      from unnest(${col('rowNumber')}::int[], ${col('outcome')}::text[], ${col('userId')}::uuid[],
                  ${col('login')}::text[], ${col('code')}::text[], ${col('message')}::text[],
                  ${col('problems')}::jsonb[])
        as r(row_number, outcome, user_id, login, code, message, problems)`.execute(tx);
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
    .select(['rowNumber', 'outcome', 'userId', 'login', 'code', 'message', 'problems'])
    .where('tenantId', '=', tenantId)
    .where('importId', '=', importId)
    .where('phase', '=', phase);
  if (opts.outcome) q = q.where('outcome', '=', opts.outcome as never);
  if (opts.afterRow !== undefined) q = q.where('rowNumber', '>', opts.afterRow);
  return q.orderBy('rowNumber').limit(opts.limit).execute();
}

/**
 * Users of the tenant holding any of these emails, usernames or employee ids (lower-cased), through
 * their indexes (see `users_matching_keys` in migration 0013): what a batch of rows collides with
 * or matches.
 */
export async function findUsersByKeys(
  tx: Tx,
  tenantId: string,
  keys: { emails: string[]; usernames: string[]; employeeIds: string[] },
) {
  if (keys.emails.length + keys.usernames.length + keys.employeeIds.length === 0) return [];
  const result = await sql<{
    id: string;
    email: string | null;
    username: string | null;
    employeeId: string | null;
    status: string;
  }>`select * from users_matching_keys(${tenantId}::uuid, ${keys.emails}::text[], ${keys.usernames}::text[], ${keys.employeeIds}::text[])`.execute(
    tx,
  );
  return result.rows;
}
