import type { Tx } from '../../platform/db.ts';
import type { AuditEventRow } from '../../platform/db-schema.ts';

export interface AuditFilter {
  actorId?: string;
  action?: string;
  targetId?: string;
  from?: string;
  to?: string;
  /** Newest first: events with seq below this. */
  beforeSeq?: string;
  limit: number;
}

export async function listAuditEvents(tx: Tx, tenantId: string, f: AuditFilter): Promise<AuditEventRow[]> {
  let q = tx.selectFrom('auditEvents').selectAll().where('tenantId', '=', tenantId);
  if (f.actorId) q = q.where('actorId', '=', f.actorId);
  if (f.action) {
    const prefix = f.action.endsWith('*') ? f.action.slice(0, -1) : f.action.endsWith('.') ? f.action : null;
    q =
      prefix !== null
        ? q.where('action', 'like', `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
        : q.where('action', '=', f.action);
  }
  if (f.targetId) q = q.where('targetId', '=', f.targetId);
  if (f.from) q = q.where('occurredAt', '>=', new Date(f.from));
  if (f.to) q = q.where('occurredAt', '<', new Date(f.to));
  if (f.beforeSeq) q = q.where('seq', '<', f.beforeSeq);
  return q.orderBy('seq', 'desc').limit(f.limit).execute();
}
