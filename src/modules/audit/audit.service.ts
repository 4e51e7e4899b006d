import { verifyAuditChain } from '../../platform/audit.ts';
import { type Principal, requirePermission } from '../../platform/auth.ts';
import { withTenantTx } from '../../platform/db.ts';
import type { AuditEventRow } from '../../platform/db-schema.ts';
import type { Platform } from '../../platform/platform.ts';
import { decodeCursor, encodeCursor } from '../../platform/schemas.ts';
import * as repo from './audit.repository.ts';
import type { AuditQuery } from './audit.schemas.ts';

function toApiEvent(e: AuditEventRow) {
  return {
    id: e.id,
    seq: e.seq,
    occurredAt: e.occurredAt,
    actor: { type: e.actorType, id: e.actorId, label: e.actorLabel, tenantId: e.actorTenantId },
    action: e.action,
    target: { type: e.targetType, id: e.targetId, label: e.targetLabel },
    before: e.before,
    after: e.after,
    ip: e.ip,
    userAgent: e.userAgent,
    requestId: e.requestId,
    hash: e.hash,
    prevHash: e.prevHash,
  };
}

export async function listAudit(
  platform: Platform,
  principal: Principal,
  tenantId: string,
  query: AuditQuery,
) {
  requirePermission(principal, 'audit.read');
  const limit = query.limit ?? 50;
  const cursor = decodeCursor(query.cursor, 1) as [string] | null;
  const rows = await withTenantTx(platform.db, tenantId, (tx) =>
    repo.listAuditEvents(tx, tenantId, {
      ...query,
      beforeSeq: cursor ? String(cursor[0]) : undefined,
      limit: limit + 1,
    }),
  );
  const page = rows.slice(0, limit);
  return {
    items: page.map(toApiEvent),
    nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1]!.seq]) : null,
  };
}

export async function verifyAudit(platform: Platform, principal: Principal, tenantId: string) {
  requirePermission(principal, 'audit.read');
  return withTenantTx(platform.db, tenantId, (tx) => verifyAuditChain(tx, tenantId));
}
