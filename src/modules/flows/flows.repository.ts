import { type Selectable, sql, type Updateable } from 'kysely';
import type { Tx } from '../../platform/db.ts';
import type { FlowRunStepsTable, FlowRunsTable } from '../../platform/db-schema.ts';
import type { TemplateContent } from './step-model.ts';

export type FlowRunRow = Selectable<FlowRunsTable>;
export type FlowRunStepRow = Selectable<FlowRunStepsTable>;

// ---------------------------------------------------------------- templates

export async function findTemplate(tx: Tx, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}) {
  let q = tx.selectFrom('flowTemplates').selectAll().where('tenantId', '=', tenantId).where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function findVersion(tx: Tx, tenantId: string, templateId: string, version: number) {
  return tx
    .selectFrom('flowTemplateVersions')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('templateId', '=', templateId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export async function listVersions(tx: Tx, tenantId: string, templateId: string) {
  return tx
    .selectFrom('flowTemplateVersions')
    .select(['version', 'createdAt', 'createdByLabel'])
    .where('tenantId', '=', tenantId)
    .where('templateId', '=', templateId)
    .orderBy('version', 'desc')
    .execute();
}

export async function listTemplates(
  tx: Tx,
  tenantId: string,
  filter: { event?: string; archived?: boolean },
) {
  let q = tx
    .selectFrom('flowTemplates as t')
    .innerJoin('flowTemplateVersions as v', (j) =>
      j
        .onRef('v.tenantId', '=', 't.tenantId')
        .onRef('v.templateId', '=', 't.id')
        .onRef('v.version', '=', 't.version'),
    )
    .leftJoin('users as o', (j) => j.onRef('o.tenantId', '=', 't.tenantId').onRef('o.id', '=', 't.ownerId'))
    .selectAll('t')
    .select((eb) => [
      sql<number>`jsonb_array_length(v.steps)`.as('stepCount'),
      eb.fn.coalesce(sql<string>`o.first_name || ' ' || o.last_name`, sql<string>`null`).as('ownerName'),
    ])
    .where('t.tenantId', '=', tenantId);
  if (filter.event) q = q.where('t.event', '=', filter.event);
  q = filter.archived ? q.where('t.archivedAt', 'is not', null) : q.where('t.archivedAt', 'is', null);
  return q.orderBy(sql`lower(t.name)`).execute();
}

export async function insertVersion(
  tx: Tx,
  row: {
    tenantId: string;
    templateId: string;
    version: number;
    content: TemplateContent;
    hash: string;
    at: Date;
    by: string;
  },
) {
  await tx
    .insertInto('flowTemplateVersions')
    .values({
      tenantId: row.tenantId,
      templateId: row.templateId,
      version: row.version,
      name: row.content.name,
      description: row.content.description,
      event: row.content.event,
      timeZoneSource: row.content.timeZoneSource,
      steps: JSON.stringify(row.content.steps),
      contentHash: row.hash,
      createdAt: row.at,
      createdByLabel: row.by,
    })
    .execute();
}

export async function findCopyOf(tx: Tx, tenantId: string, sourceTemplateId: string) {
  return tx
    .selectFrom('flowTemplates')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('archivedAt', 'is', null)
    .where((eb) =>
      eb.or([
        eb('sourceTemplateId', '=', sourceTemplateId),
        eb('detachedFromTemplateId', '=', sourceTemplateId),
      ]),
    )
    .orderBy('createdAt', 'desc')
    .forUpdate()
    .executeTakeFirst();
}

// ---------------------------------------------------------------- runs

export async function findRun(tx: Tx, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}) {
  let q = tx.selectFrom('flowRuns').selectAll().where('tenantId', '=', tenantId).where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  return q.executeTakeFirst() as Promise<FlowRunRow | undefined>;
}

export async function activeRunsOfUser(tx: Tx, tenantId: string, userId: string) {
  return tx
    .selectFrom('flowRuns')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('status', 'in', ['scheduled', 'running'])
    .forUpdate()
    .execute() as Promise<FlowRunRow[]>;
}

export async function stepsOf(tx: Tx, tenantId: string, runIds: readonly string[]) {
  if (runIds.length === 0) return [];
  return tx
    .selectFrom('flowRunSteps')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('runId', 'in', runIds)
    .orderBy('runId')
    .orderBy('position')
    .execute() as Promise<FlowRunStepRow[]>;
}

/** The steps still to run: all a dispatcher needs of a claimed run. */
export async function pendingStepsOf(tx: Tx, tenantId: string, runIds: readonly string[]) {
  if (runIds.length === 0) return [];
  return tx
    .selectFrom('flowRunSteps')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('runId', 'in', runIds)
    .where('status', '=', 'pending')
    .orderBy('runId')
    .orderBy('position')
    .execute() as Promise<FlowRunStepRow[]>;
}

export async function updateRun(tx: Tx, tenantId: string, id: string, changes: Updateable<FlowRunsTable>) {
  await tx
    .updateTable('flowRuns')
    .set(changes)
    .where('tenantId', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

export async function updateStep(
  tx: Tx,
  tenantId: string,
  runId: string,
  position: number,
  changes: Updateable<FlowRunStepsTable>,
) {
  await tx
    .updateTable('flowRunSteps')
    .set(changes)
    .where('tenantId', '=', tenantId)
    .where('runId', '=', runId)
    .where('position', '=', position)
    .execute();
}

/** Wakes the flow dispatchers of every process (delivered when the transaction commits). */
export async function notifyDispatchers(tx: Tx): Promise<void> {
  await sql`select pg_notify('rollcall_flows', '')`.execute(tx);
}
