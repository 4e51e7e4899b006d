import { sql } from 'kysely';
import { recordAudit } from '../../platform/audit.ts';
import { systemActor } from '../../platform/context.ts';
import { withTenantTx } from '../../platform/db.ts';
import type { Platform } from '../../platform/platform.ts';
import * as repo from './imports.repository.ts';

/**
 * An uploaded file that nobody imports is someone's staff list sitting in the database: after a week
 * untouched it is deleted and the import closed as expired. The report of an import that ran stays
 * (its rows are the record of what happened); only the file goes.
 */
export const UPLOAD_KEPT_DAYS = 7;

export async function expireStaleUploads(platform: Platform): Promise<number> {
  const cutoff = new Date(platform.clock.now().getTime() - UPLOAD_KEPT_DAYS * 86_400_000);
  // across tenants, as the owner: which imports still hold a file and have not moved for a week
  const stale = await sql<{ tenantId: string; id: string }>`
    select i.tenant_id as "tenantId", i.id from imports i
     where i.status not in ('validating', 'running') and i.updated_at < ${cutoff}
       and exists (select 1 from import_chunks c where c.tenant_id = i.tenant_id and c.import_id = i.id)`
    .execute(platform.db)
    .then((r) => r.rows);
  for (const { tenantId, id } of stale) {
    await withTenantTx(platform.db, tenantId, async (tx) => {
      const row = await repo.findImport(tx, tenantId, id, { forUpdate: true });
      if (!row || row.status === 'validating' || row.status === 'running') return;
      const now = platform.clock.now();
      const open = row.status === 'uploaded' || row.status === 'validated';
      await repo.deleteChunks(tx, tenantId, id);
      if (open)
        await repo.updateImport(tx, tenantId, id, {
          status: 'cancelled',
          error: JSON.stringify({
            code: 'import.expired',
            message: 'The file was not imported within a week.',
          }),
          finishedAt: now,
          updatedAt: now,
        });
      await recordAudit(
        tx,
        { tenantId, actor: systemActor('Rollcall'), clock: platform.clock },
        {
          action: open ? 'import.expired' : 'import.file_deleted',
          target: { type: 'import', id, label: row.fileName },
          after: { keptDays: UPLOAD_KEPT_DAYS },
        },
      );
    });
  }
  return stale.length;
}
