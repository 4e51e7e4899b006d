import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import type { Principal } from '../../platform/auth.ts';
import type { Ctx } from '../../platform/context.ts';
import { type Tx, withTenantTx } from '../../platform/db.ts';
import type { Platform } from '../../platform/platform.ts';
import { authorize } from '../access/authorize.ts';
import type { Caller } from '../users/users.service.ts';
import { findAction } from './action-registry.ts';
import { FlowErrors } from './flows.errors.ts';
import * as repo from './flows.repository.ts';
import type { CreateTemplateBody, UpdateTemplateBody } from './flows.schemas.ts';
import {
  contentHash,
  normaliseSteps,
  type TemplateContent,
  type TemplateStep,
  whenLabel,
} from './step-model.ts';

/**
 * Flow templates (rule 20): a lifecycle event and ordered steps, kept in immutable versions so a run
 * holds on to the version it started with while the template moves on. A template cannot do more
 * than its author: saving one needs every permission its actions stand for (rule 13's ceiling).
 */
type TemplateRow = NonNullable<Awaited<ReturnType<typeof repo.findTemplate>>>;

export function assertAuthorMayUse(principal: Principal, steps: readonly TemplateStep[]): void {
  const missing = [
    ...new Set(
      steps.map((s) => findAction(s.action)!.permission).filter((p) => !principal.permissions.has(p)),
    ),
  ];
  if (missing.length > 0) throw FlowErrors.ceiling(missing);
}

/**
 * A step as the API shows it. Its parameters (webhook addresses with their tokens, email texts, who
 * receives ownerships) are for those who manage templates; everyone else sees the timeline: what
 * happens, under which label, when.
 */
export function stepView(s: TemplateStep, withParams = true) {
  const { params, ...rest } = s;
  return {
    ...rest,
    ...(withParams ? { params } : {}),
    actionLabel: findAction(s.action)?.label ?? s.action,
    whenLabel: whenLabel(s.when),
  };
}

export function summaryOf(t: TemplateRow & { stepCount: number; ownerName: string | null }) {
  return {
    id: t.id,
    tenantId: t.tenantId,
    name: t.name,
    description: t.description,
    event: t.event,
    timeZoneSource: t.timeZoneSource,
    version: t.version,
    stepCount: Number(t.stepCount),
    owner: t.ownerId ? { id: t.ownerId, name: t.ownerName ?? '' } : null,
    source:
      t.sourceTemplateId && t.sourceTenantId && t.sourceVersion !== null
        ? { tenantId: t.sourceTenantId, templateId: t.sourceTemplateId, version: t.sourceVersion }
        : null,
    locallyEdited: isLocallyEdited(t),
    detachedFromTemplateId: t.detachedFromTemplateId,
    archivedAt: t.archivedAt,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

/** A copy is edited locally when its content is no longer what its source version had. */
export const isLocallyEdited = (
  t: Pick<TemplateRow, 'sourceContentHash' | 'contentHash' | 'sourceTemplateId'>,
) => t.sourceTemplateId !== null && t.sourceContentHash !== null && t.sourceContentHash !== t.contentHash;

export function contentOf(v: {
  name: string;
  description: string;
  event: string;
  timeZoneSource: 'tenant' | 'user';
  steps: unknown;
}): TemplateContent {
  return {
    name: v.name,
    description: v.description,
    event: v.event,
    timeZoneSource: v.timeZoneSource,
    steps: v.steps as TemplateStep[],
  };
}

export async function loadTemplate(tx: Tx, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}) {
  const t = await repo.findTemplate(tx, tenantId, id, opts);
  if (!t) throw FlowErrors.templateNotFound();
  const v = await repo.findVersion(tx, tenantId, id, t.version);
  return { template: t, version: v! };
}

async function ownerName(tx: Tx, tenantId: string, ownerId: string | null) {
  if (!ownerId) return null;
  const u = await tx
    .selectFrom('users')
    .select(['firstName', 'lastName'])
    .where('tenantId', '=', tenantId)
    .where('id', '=', ownerId)
    .executeTakeFirst();
  return u ? `${u.firstName} ${u.lastName}` : null;
}

async function viewInTx(tx: Tx, tenantId: string, id: string, opts: { withParams?: boolean } = {}) {
  const { template, version } = await loadTemplate(tx, tenantId, id);
  const steps = version.steps as TemplateStep[];
  return {
    ...summaryOf({
      ...template,
      stepCount: steps.length,
      ownerName: await ownerName(tx, tenantId, template.ownerId),
    }),
    steps: steps.map((s) => stepView(s, opts.withParams ?? true)),
    versions: await repo.listVersions(tx, tenantId, id),
  };
}

export async function listTemplates(
  platform: Platform,
  caller: Caller,
  query: { event?: string; archived?: boolean },
) {
  authorize(caller.principal, 'flows.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => ({
    items: (await repo.listTemplates(tx, caller.ctx.tenantId, query)).map(summaryOf),
  }));
}

export async function getTemplate(platform: Platform, caller: Caller, id: string) {
  authorize(caller.principal, 'flows.read');
  const withParams = caller.principal.permissions.has('flows.templates.manage');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    viewInTx(tx, caller.ctx.tenantId, id, { withParams }),
  );
}

export async function createTemplate(platform: Platform, caller: Caller, body: CreateTemplateBody) {
  authorize(caller.principal, 'flows.templates.manage');
  const steps = normaliseSteps(body.steps);
  assertAuthorMayUse(caller.principal, steps);
  const content: TemplateContent = {
    name: body.name.trim(),
    description: body.description?.trim() ?? '',
    event: body.event ?? 'offboarding',
    timeZoneSource: body.timeZoneSource ?? 'tenant',
    steps,
  };
  const tenantId = caller.ctx.tenantId;
  const id = uuidv7();
  return withTenantTx(platform.db, tenantId, async (tx) => {
    await insertTemplateInTx(tx, caller.ctx, {
      id,
      content,
      // the owner is a member of this tenant (rule 17); provider staff authoring here own nothing in it
      ownerId: caller.principal.tenantId === tenantId ? caller.principal.userId : null,
      source: null,
    });
    return viewInTx(tx, tenantId, id);
  });
}

/** A new template at version 1 (a local one, or a published copy when `source` is set). */
export async function insertTemplateInTx(
  tx: Tx,
  ctx: Ctx,
  t: {
    id: string;
    content: TemplateContent;
    ownerId: string | null;
    source: { tenantId: string; templateId: string; version: number; hash: string } | null;
  },
) {
  const now = ctx.clock.now();
  const hash = contentHash(t.content);
  await tx
    .insertInto('flowTemplates')
    .values({
      tenantId: ctx.tenantId,
      id: t.id,
      name: t.content.name,
      description: t.content.description,
      event: t.content.event,
      timeZoneSource: t.content.timeZoneSource,
      version: 1,
      contentHash: hash,
      ownerId: t.ownerId,
      sourceTenantId: t.source?.tenantId ?? null,
      sourceTemplateId: t.source?.templateId ?? null,
      sourceVersion: t.source?.version ?? null,
      sourceContentHash: t.source?.hash ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  await repo.insertVersion(tx, {
    tenantId: ctx.tenantId,
    templateId: t.id,
    version: 1,
    content: t.content,
    hash,
    at: now,
    by: ctx.actor.label,
  });
  await recordAudit(tx, ctx, {
    action: t.source ? 'flow_template.copy_created' : 'flow_template.created',
    target: { type: 'flow_template', id: t.id, label: t.content.name },
    after: {
      version: 1,
      event: t.content.event,
      steps: t.content.steps.length,
      source: t.source ?? undefined,
    },
  });
}

/**
 * Stores `content` as the template's next version when it differs from the current one; returns
 * whether it did. Published copies that change here become "edited locally" by the hash alone.
 */
export async function saveVersionInTx(
  tx: Tx,
  ctx: Ctx,
  template: TemplateRow,
  content: TemplateContent,
  source?: { version: number; hash: string },
): Promise<boolean> {
  const hash = contentHash(content);
  if (hash === template.contentHash && !source) return false;
  const now = ctx.clock.now();
  const version = hash === template.contentHash ? template.version : template.version + 1;
  if (version !== template.version) {
    await repo.insertVersion(tx, {
      tenantId: ctx.tenantId,
      templateId: template.id,
      version,
      content,
      hash,
      at: now,
      by: ctx.actor.label,
    });
  }
  await tx
    .updateTable('flowTemplates')
    .set({
      name: content.name,
      description: content.description,
      event: content.event,
      timeZoneSource: content.timeZoneSource,
      version,
      contentHash: hash,
      updatedAt: now,
      ...(source ? { sourceVersion: source.version, sourceContentHash: source.hash } : {}),
    })
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', template.id)
    .execute();
  await recordAudit(tx, ctx, {
    action: source ? 'flow_template.copy_updated' : 'flow_template.updated',
    target: { type: 'flow_template', id: template.id, label: content.name },
    before: { version: template.version },
    after: { version, ...(source ? { sourceVersion: source.version } : {}) },
  });
  return true;
}

export async function updateTemplate(
  platform: Platform,
  caller: Caller,
  id: string,
  body: UpdateTemplateBody,
) {
  authorize(caller.principal, 'flows.templates.manage');
  const steps = body.steps ? normaliseSteps(body.steps) : null;
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const { template, version } = await loadTemplate(tx, tenantId, id, { forUpdate: true });
    if (template.archivedAt) throw FlowErrors.archived();
    const current = contentOf(version);
    const next: TemplateContent = {
      name: body.name?.trim() ?? current.name,
      description: body.description?.trim() ?? current.description,
      event: body.event ?? current.event,
      timeZoneSource: body.timeZoneSource ?? current.timeZoneSource,
      steps: steps ?? current.steps,
    };
    assertAuthorMayUse(caller.principal, next.steps);
    await saveVersionInTx(tx, caller.ctx, template, next);
    return viewInTx(tx, tenantId, id);
  });
}

/** Archived templates start no new runs; runs already going keep their version and go on. */
export async function archiveTemplate(platform: Platform, caller: Caller, id: string) {
  authorize(caller.principal, 'flows.templates.manage');
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const { template } = await loadTemplate(tx, tenantId, id, { forUpdate: true });
    if (!template.archivedAt) {
      await tx
        .updateTable('flowTemplates')
        .set({ archivedAt: caller.ctx.clock.now(), updatedAt: caller.ctx.clock.now() })
        .where('tenantId', '=', tenantId)
        .where('id', '=', id)
        .execute();
      await tx
        .deleteFrom('flowSettings')
        .where('tenantId', '=', tenantId)
        .where('templateId', '=', id)
        .execute();
      await recordAudit(tx, caller.ctx, {
        action: 'flow_template.archived',
        target: { type: 'flow_template', id, label: template.name },
      });
    }
    return viewInTx(tx, tenantId, id);
  });
}

/** A tenant takes its published copy as its own: the provider's republishing no longer touches it. */
export async function detachCopy(platform: Platform, caller: Caller, id: string) {
  authorize(caller.principal, 'flows.templates.manage');
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const { template } = await loadTemplate(tx, tenantId, id, { forUpdate: true });
    if (!template.sourceTemplateId) throw FlowErrors.notACopy();
    await tx
      .updateTable('flowTemplates')
      .set({
        detachedFromTemplateId: template.sourceTemplateId,
        sourceTemplateId: null,
        sourceTenantId: null,
        sourceVersion: null,
        sourceContentHash: null,
        updatedAt: caller.ctx.clock.now(),
      })
      .where('tenantId', '=', tenantId)
      .where('id', '=', id)
      .execute();
    await recordAudit(tx, caller.ctx, {
      action: 'flow_template.detached',
      target: { type: 'flow_template', id, label: template.name },
      before: { sourceTemplateId: template.sourceTemplateId, sourceVersion: template.sourceVersion },
    });
    return viewInTx(tx, tenantId, id);
  });
}
