import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import { canReachTenant } from '../../platform/auth.ts';
import { switchTenant, withTenantTx } from '../../platform/db.ts';
import type { Platform } from '../../platform/platform.ts';
import { authorize } from '../access/authorize.ts';
import type { Caller } from '../users/users.service.ts';
import { FlowErrors } from './flows.errors.ts';
import * as repo from './flows.repository.ts';
import type { PublishBody } from './flows.schemas.ts';
import type { TemplateStep } from './step-model.ts';
import {
  assertAuthorMayUse,
  contentOf,
  insertTemplateInTx,
  isLocallyEdited,
  loadTemplate,
  saveVersionInTx,
} from './templates.service.ts';

/**
 * Rule 22: a provider keeps its template library in its own tenant and publishes templates to its
 * customers. Each copy records the source version it holds and the content that version had, so a
 * copy edited in the customer is recognised by its content alone. Republishing updates the copies
 * nobody edited, skips (and names) the edited and detached ones. Each customer is its own
 * transaction: one customer's refusal does not undo the others, and the answer says what happened
 * where.
 */
async function reachableCustomers(platform: Platform, caller: Caller) {
  const providerId = caller.ctx.tenantId;
  const rows = await withTenantTx(platform.db, providerId, (tx) =>
    tx
      .selectFrom('tenants')
      .select(['id', 'name', 'parentId', 'status'])
      .where('parentId', '=', providerId)
      .orderBy('name')
      .execute(),
  );
  return rows.filter((t) => canReachTenant(caller.principal, t));
}

async function loadSource(platform: Platform, caller: Caller, templateId: string) {
  const providerId = caller.ctx.tenantId;
  return withTenantTx(platform.db, providerId, async (tx) => {
    const tenant = await tx
      .selectFrom('tenants')
      .select(['kind'])
      .where('id', '=', providerId)
      .executeTakeFirstOrThrow();
    const { template, version } = await loadTemplate(tx, providerId, templateId);
    if (tenant.kind !== 'provider') throw FlowErrors.publishFromProvider();
    if (template.sourceTemplateId) throw FlowErrors.copyOnly();
    if (template.archivedAt) throw FlowErrors.archived();
    return { template, version };
  });
}

export async function publishTemplate(
  platform: Platform,
  caller: Caller,
  templateId: string,
  body: PublishBody,
) {
  authorize(caller.principal, 'flows.templates.manage');
  const { template, version } = await loadSource(platform, caller, templateId);
  // publishing puts the template in customers' hands: its publisher may do what its steps do (rule 13)
  assertAuthorMayUse(caller.principal, version.steps as TemplateStep[]);
  const customers = await reachableCustomers(platform, caller);
  let targets = customers;
  if (!body.allCustomers) {
    if (!body.tenantIds?.length) throw FlowErrors.noTargets();
    const unknown = body.tenantIds.filter((id) => !customers.some((c) => c.id === id));
    if (unknown.length > 0) throw FlowErrors.unknownTargets(unknown);
    targets = customers.filter((c) => body.tenantIds!.includes(c.id));
  }
  const content = contentOf(version);
  const source = {
    tenantId: template.tenantId,
    templateId: template.id,
    version: template.version,
    hash: template.contentHash,
  };
  const results: Array<{
    tenantId: string;
    tenantName: string;
    outcome: 'created' | 'updated' | 'unchanged' | 'skipped';
    reason: 'edited_locally' | 'detached' | null;
    copyId: string | null;
    sourceVersion: number | null;
  }> = [];
  for (const target of targets) {
    const ctx = { ...caller.ctx, tenantId: target.id };
    const result = await withTenantTx(platform.db, target.id, async (tx) => {
      const copy = await repo.findCopyOf(tx, target.id, template.id);
      const base = { tenantId: target.id, tenantName: target.name };
      if (!copy) {
        const id = uuidv7();
        await insertTemplateInTx(tx, ctx, { id, content, ownerId: null, source });
        return {
          ...base,
          outcome: 'created' as const,
          reason: null,
          copyId: id,
          sourceVersion: template.version,
        };
      }
      if (!copy.sourceTemplateId)
        return {
          ...base,
          outcome: 'skipped' as const,
          reason: 'detached' as const,
          copyId: copy.id,
          sourceVersion: null,
        };
      if (isLocallyEdited(copy))
        return {
          ...base,
          outcome: 'skipped' as const,
          reason: 'edited_locally' as const,
          copyId: copy.id,
          sourceVersion: copy.sourceVersion,
        };
      if (copy.sourceVersion === template.version && copy.contentHash === template.contentHash)
        return {
          ...base,
          outcome: 'unchanged' as const,
          reason: null,
          copyId: copy.id,
          sourceVersion: copy.sourceVersion,
        };
      await saveVersionInTx(tx, ctx, copy, content, {
        version: template.version,
        hash: template.contentHash,
      });
      return {
        ...base,
        outcome: 'updated' as const,
        reason: null,
        copyId: copy.id,
        sourceVersion: template.version,
      };
    });
    results.push(result);
  }
  await withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    recordAudit(tx, caller.ctx, {
      action: 'flow_template.published',
      target: { type: 'flow_template', id: template.id, label: template.name },
      after: {
        version: template.version,
        results: results.map((r) => ({
          tenantId: r.tenantId,
          outcome: r.outcome,
          reason: r.reason ?? undefined,
        })),
      },
    }),
  );
  return {
    version: template.version,
    results,
    skipped: results.filter((r) => r.outcome === 'skipped').length,
  };
}

/** For the publish dialog: each customer, and the version and local-edit state of its copy. */
export async function listCopies(platform: Platform, caller: Caller, templateId: string) {
  authorize(caller.principal, 'flows.read');
  const { template } = await loadSource(platform, caller, templateId);
  const customers = await reachableCustomers(platform, caller);
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const items = [];
    for (const c of customers) {
      await switchTenant(tx, c.id);
      const copy = await tx
        .selectFrom('flowTemplates')
        .selectAll()
        .where('tenantId', '=', c.id)
        .where('archivedAt', 'is', null)
        .where((eb) =>
          eb.or([eb('sourceTemplateId', '=', template.id), eb('detachedFromTemplateId', '=', template.id)]),
        )
        .orderBy('createdAt', 'desc')
        .executeTakeFirst();
      items.push({
        tenantId: c.id,
        tenantName: c.name,
        copy: copy
          ? {
              templateId: copy.id,
              version: copy.version,
              sourceVersion: copy.sourceVersion,
              locallyEdited: isLocallyEdited(copy),
              detached: copy.sourceTemplateId === null,
            }
          : null,
      });
    }
    return { version: template.version, items };
  });
}
