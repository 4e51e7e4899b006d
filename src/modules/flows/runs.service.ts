import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import { canReachTenant } from '../../platform/auth.ts';
import { type Ctx, personOf } from '../../platform/context.ts';
import { switchTenant, type Tx, withTenantTx } from '../../platform/db.ts';
import type { Platform } from '../../platform/platform.ts';
import { decodeCursor, encodeCursor } from '../../platform/schemas.ts';
import { authorize, isSelf } from '../access/authorize.ts';
import { type DatesChangeCtx, onUserDatesChanged, type UserDatesChange } from '../users/user-dates.ts';
import type { UserRow } from '../users/users.repository.ts';
import * as usersRepo from '../users/users.repository.ts';
import { userScopeSql } from '../users/users.repository.ts';
import { type Caller, loadScopedUser, scopeFilter, updateUserInTx } from '../users/users.service.ts';
import type { TenantInfo } from './action.ts';
import { findAction } from './action-registry.ts';
import { FlowErrors } from './flows.errors.ts';
import type { FlowRunRow, FlowRunStepRow } from './flows.repository.ts';
import * as repo from './flows.repository.ts';
import type { ListRunsQuery, StartRunBody } from './flows.schemas.ts';
import { type RunRef, runCaller } from './run-caller.ts';
import { describeCondition, dueAt, eventDateOf, type TemplateStep, whenLabel } from './step-model.ts';
import { loadTemplate } from './templates.service.ts';
import { describeInZone, parseDate } from './zoned-time.ts';

/**
 * Runs (rule 23): one template version applied to one user and an event date. Starting one writes
 * the run and every step with its instant, in one transaction with its audit event; the dispatchers
 * (engine.ts) take it from there. A dry run answers the same timeline and writes nothing.
 */
const ACTIVE = ['scheduled', 'running'] as const;

/**
 * An event date that ended more than this long ago (2020 typed for 2026, a leave long gone) would
 * make its run do at once every step whose time has passed: those steps, if more than this late,
 * take a person's explicit `allowPastSteps`. A date still to come, today's or yesterday's asks
 * nothing: steps before it that were missed (a "-7 d" notice for a leave in five days) simply run
 * now, as catching up is what was meant.
 */
export const PAST_STEP_GRACE_HOURS = 24;
const PAST_STEP_GRACE_MS = PAST_STEP_GRACE_HOURS * 3_600_000;
const overdueBy = (due: Date, now: Date) => due.getTime() < now.getTime() - PAST_STEP_GRACE_MS;
/** The event date ended (its day in the run's zone) more than the grace period ago. */
const eventLongPast = (eventDate: string, timeZone: string, now: Date) =>
  overdueBy(dueAt({ offsetDays: 1, timeOfDay: '00:00' }, eventDate, timeZone), now);

interface DueStep {
  position: number;
  action: string;
  label: string;
  due: Date;
}

const dueSteps = (steps: readonly TemplateStep[], eventDate: string, timeZone: string): DueStep[] =>
  steps.map((s, i) => ({
    position: i + 1,
    action: s.action,
    label: s.label,
    due: dueAt(s.when, eventDate, timeZone),
  }));

/** The steps that starting a run on `eventDate` now would make run at once, long late. */
const overdueSteps = (steps: readonly TemplateStep[], eventDate: string, timeZone: string, now: Date) =>
  eventLongPast(eventDate, timeZone, now)
    ? dueSteps(steps, eventDate, timeZone).filter((s) => overdueBy(s.due, now))
    : [];

const pastStepsError = (steps: DueStep[], how: string) =>
  FlowErrors.pastSteps(
    steps.map((s) => ({ position: s.position, label: s.label, dueAt: s.due.toISOString() })),
    PAST_STEP_GRACE_HOURS,
    how,
  );

/**
 * Rule 14: what a run of these steps would do to its initiator were it on them — offboarding as such,
 * and every step that takes away access or standing. Empty: the run may be on oneself.
 */
function againstSelf(event: string, steps: ReadonlyArray<{ action: string }>): string[] {
  const what = event === 'offboarding' ? ['offboard'] : [];
  for (const s of steps) {
    const action = findAction(s.action);
    if (action?.takesAccess) what.push(action.label.toLowerCase());
  }
  return [...new Set(what)];
}

/** A run on the caller themselves that would take their access: started, moved or stopped by someone else only. */
async function assertNotOwnRun(tx: Tx, caller: Caller, run: FlowRunRow) {
  if (!isSelf(caller, run.userId)) return;
  const what = againstSelf(run.event, await repo.stepsOf(tx, run.tenantId, [run.id]));
  if (what.length > 0) throw FlowErrors.selfRun(what);
}

/** A run the caller may see: its user is within their data scope (like the user's own page). */
async function loadRunInScope(
  tx: Tx,
  caller: Caller,
  runId: string,
  opts: { forUpdate?: boolean; userForUpdate?: boolean } = {},
) {
  const run = await repo.findRun(tx, caller.ctx.tenantId, runId, { forUpdate: opts.forUpdate });
  if (!run) throw FlowErrors.runNotFound();
  const user = await loadScopedUser(tx, caller, run.userId, {
    allowRemoved: true,
    forUpdate: opts.userForUpdate,
  });
  return { run, user };
}

export async function loadTenantInfo(tx: Tx, tenantId: string): Promise<TenantInfo & { timeZone: string }> {
  const t = await tx
    .selectFrom('tenants')
    .select(['id', 'name', 'kind', 'parentId', 'settings'])
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow();
  const tz = (t.settings as { timeZone?: string }).timeZone;
  return { id: t.id, name: t.name, kind: t.kind, parentId: t.parentId, timeZone: tz || 'UTC' };
}

export function zoneFor(source: 'tenant' | 'user', user: UserRow, tenant: { timeZone: string }): string {
  return source === 'user' && user.timeZone ? user.timeZone : tenant.timeZone;
}

const eventField = (event: string) =>
  event === 'offboarding'
    ? 'leaveDate'
    : event === 'onboarding'
      ? 'hireDate'
      : `customAttributes.${event.slice(10)}`;

export async function buildTimeline(
  platform: Platform,
  tx: Tx,
  tenant: TenantInfo,
  user: UserRow,
  steps: TemplateStep[],
  eventDate: string,
  timeZone: string,
  event: string,
  now: Date,
  /** The would-be initiator's ceiling: each step says whether it would be refused for them. */
  ceiling?: ReadonlySet<string>,
) {
  const items = [];
  let latest: Date | null = null;
  const longPast = eventLongPast(eventDate, timeZone, now);
  for (const [i, s] of steps.entries()) {
    const due = dueAt(s.when, eventDate, timeZone);
    const action = findAction(s.action)!;
    let description: string;
    try {
      description = await action.describe(
        { platform, tx, tenant, user, eventDate, dueAt: due, timeZone },
        s.params as never,
      );
    } catch (error) {
      description = `${action.label}: ${(error as Error).message}`;
    }
    let refusal: string | null = null;
    if (ceiling && action.wouldRefuse) {
      try {
        refusal = await action.wouldRefuse(
          { platform, tx, tenant, user, eventDate, dueAt: due, timeZone },
          s.params as never,
          ceiling,
        );
      } catch {
        refusal = null;
      }
    }
    const local = describeInZone(due, timeZone);
    items.push({
      position: i + 1,
      action: s.action,
      actionLabel: action.label,
      label: s.label,
      whenLabel: whenLabel(s.when),
      dueAt: due.toISOString(),
      dueLocal: local.local,
      utcOffset: local.utcOffset,
      description,
      condition: describeCondition(s.condition, event),
      continueOnFailure: s.continueOnFailure,
      inPast: due.getTime() <= now.getTime(),
      overdue: longPast && overdueBy(due, now),
      refusal,
      afterPrevious: latest !== null && due.getTime() < latest.getTime(),
    });
    if (!latest || due > latest) latest = due;
  }
  return items;
}

function userRef(u: Pick<UserRow, 'id' | 'firstName' | 'lastName' | 'email' | 'status'>) {
  return { id: u.id, firstName: u.firstName, lastName: u.lastName, email: u.email, status: u.status };
}

function stepView(s: FlowRunStepRow, run: Pick<FlowRunRow, 'timeZone' | 'event'>) {
  const local = describeInZone(new Date(s.dueAt), run.timeZone);
  return {
    position: s.position,
    action: s.action,
    actionLabel: findAction(s.action)?.label ?? s.action,
    label: s.label,
    whenLabel: whenLabel(s.timing as never),
    dueAt: s.dueAt,
    dueLocal: local.local,
    utcOffset: local.utcOffset,
    status: s.status,
    attempts: s.attempts,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    summary: (s.result as { summary?: string } | null)?.summary ?? null,
    error: s.error,
    errorCode: s.errorCode,
    continueOnFailure: s.continueOnFailure,
    condition: describeCondition(s.condition as never, run.event),
  };
}

function runSummary(run: FlowRunRow, steps: FlowRunStepRow[], user: UserRow | undefined, tenantName: string) {
  const next = run.nextPosition !== null ? steps.find((s) => s.position === run.nextPosition) : undefined;
  const failed = [...steps].reverse().find((s) => s.status === 'failed');
  return {
    id: run.id,
    tenantId: run.tenantId,
    tenantName,
    templateId: run.templateId,
    templateVersion: run.templateVersion,
    templateName: run.templateName,
    event: run.event,
    eventDate: run.eventDate,
    timeZone: run.timeZone,
    status: run.status,
    trigger: run.trigger,
    initiatorLabel: run.initiatorLabel,
    user: user
      ? userRef(user)
      : { id: run.userId, firstName: '', lastName: '', email: null, status: 'removed' },
    stepCount: steps.length,
    doneCount: steps.filter((s) => s.status !== 'pending').length,
    nextStep:
      next && next.status === 'pending' && ACTIVE.includes(run.status as never)
        ? {
            position: next.position,
            label: next.label,
            dueAt: (run.nextDueAt && run.nextDueAt > next.dueAt ? run.nextDueAt : next.dueAt) as Date,
            attempts: next.attempts,
          }
        : null,
    failure: failed
      ? { position: failed.position, label: failed.label, error: failed.error ?? '', code: failed.errorCode }
      : null,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    cancelledAt: run.cancelledAt,
    cancelReason: run.cancelReason,
  };
}

async function runViewInTx(tx: Tx, tenantId: string, runId: string) {
  const run = await repo.findRun(tx, tenantId, runId);
  if (!run) throw FlowErrors.runNotFound();
  const [steps, user, tenant] = await Promise.all([
    repo.stepsOf(tx, tenantId, [runId]),
    usersRepo.findUser(tx, tenantId, run.userId),
    loadTenantInfo(tx, tenantId),
  ]);
  return { ...runSummary(run, steps, user, tenant.name), steps: steps.map((s) => stepView(s, run)) };
}

export interface NewRun {
  template: { id: string; version: number; name: string; event: string };
  steps: TemplateStep[];
  user: UserRow;
  eventDate: string;
  timeZone: string;
  trigger: 'manual' | 'event_date';
  initiator: { userId: string | null; tenantId: string | null; label: string };
  /** What the run may grant or take away: the initiator's permissions now (rule 13). */
  ceiling: ReadonlySet<string>;
}

/** Writes a run and its steps; the first step's instant becomes the run's durable timer. */
export async function createRunInTx(tx: Tx, ctx: Ctx, r: NewRun): Promise<string> {
  const id = uuidv7();
  const now = ctx.clock.now();
  const steps = r.steps.map((s, i) => ({ s, position: i + 1, due: dueAt(s.when, r.eventDate, r.timeZone) }));
  const first = steps[0]!;
  await tx
    .insertInto('flowRuns')
    .values({
      tenantId: ctx.tenantId,
      id,
      templateId: r.template.id,
      templateVersion: r.template.version,
      templateName: r.template.name,
      userId: r.user.id,
      event: r.template.event,
      eventDate: r.eventDate,
      timeZone: r.timeZone,
      status: 'scheduled',
      trigger: r.trigger,
      initiatorUserId: r.initiator.userId,
      initiatorTenantId: r.initiator.tenantId,
      initiatorLabel: r.initiator.label,
      ceiling: [...r.ceiling].sort(),
      nextPosition: 1,
      nextDueAt: first.due,
      nextRemote: findAction(first.s.action)!.remote ?? false,
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  await tx
    .insertInto('flowRunSteps')
    .values(
      steps.map(({ s, position, due }) => ({
        tenantId: ctx.tenantId,
        runId: id,
        position,
        action: s.action,
        label: s.label,
        params: JSON.stringify(s.params),
        timing: JSON.stringify(s.when),
        continueOnFailure: s.continueOnFailure,
        condition: s.condition ? JSON.stringify(s.condition) : null,
        dueAt: due,
        status: 'pending' as const,
      })),
    )
    .execute();
  await recordAudit(tx, ctx, {
    action: 'flow_run.started',
    target: { type: 'user', id: r.user.id, label: `${r.user.firstName} ${r.user.lastName}` },
    after: {
      runId: id,
      template: r.template.name,
      templateVersion: r.template.version,
      eventDate: r.eventDate,
      timeZone: r.timeZone,
      trigger: r.trigger,
      steps: steps.map(({ s, due }) => ({ action: s.action, dueAt: due.toISOString() })),
    },
  });
  await repo.notifyDispatchers(tx);
  return id;
}

export async function startRun(platform: Platform, caller: Caller, body: StartRunBody) {
  authorize(caller.principal, 'flows.run');
  if (!parseDate(body.eventDate)) throw FlowErrors.invalidEventDate(body.eventDate);
  const tenantId = caller.ctx.tenantId;
  const dryRun = body.dryRun ?? false;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const { template, version } = await loadTemplate(tx, tenantId, body.templateId);
    if (template.archivedAt) throw FlowErrors.archived();
    // the user row lock serialises two starts for one user, so the one-active-run check holds
    const user = await loadScopedUser(tx, caller, body.userId, { forUpdate: !dryRun, allowRemoved: true });
    if (user.status === 'removed') throw FlowErrors.userNotEligible(user.status);
    const steps = version.steps as TemplateStep[];
    if (isSelf(caller, user.id)) {
      const what = againstSelf(template.event, steps);
      if (what.length > 0) throw FlowErrors.selfRun(what);
    }
    const tenant = await loadTenantInfo(tx, tenantId);
    const timeZone = zoneFor(template.timeZoneSource, user, tenant);
    const now = caller.ctx.clock.now();
    if (dryRun) {
      return {
        dryRun: true as const,
        templateId: template.id,
        templateVersion: template.version,
        templateName: version.name,
        user: userRef(user),
        eventDate: body.eventDate,
        timeZone,
        timeline: await buildTimeline(
          platform,
          tx,
          tenant,
          user,
          steps,
          body.eventDate,
          timeZone,
          template.event,
          now,
          caller.principal.ceiling ?? caller.principal.permissions,
        ),
      };
    }
    const existing = (await repo.activeRunsOfUser(tx, tenantId, user.id)).find(
      (r) => r.event === template.event,
    );
    if (existing) throw FlowErrors.alreadyActive(existing.id, template.event);
    const overdue = overdueSteps(steps, body.eventDate, timeZone, now);
    if (overdue.length > 0 && !body.allowPastSteps)
      throw pastStepsError(overdue, 'to run them now anyway, start the run with allowPastSteps.');
    const p = caller.principal;
    const ceiling = p.ceiling ?? p.permissions;
    const runId = await createRunInTx(tx, caller.ctx, {
      template: { id: template.id, version: template.version, name: version.name, event: template.event },
      steps,
      user,
      eventDate: body.eventDate,
      timeZone,
      trigger: 'manual',
      initiator: { userId: p.userId, tenantId: p.tenantId, label: p.label },
      ceiling,
    });
    // from now on the run's date is the user's: a later change of it reschedules the run
    if (eventDateOf(template.event, user) !== body.eventDate)
      await setEventDateInTx(
        platform,
        tx,
        {
          id: runId,
          tenantId,
          templateName: version.name,
          initiatorLabel: p.label,
          initiatorUserId: p.userId,
          initiatorTenantId: p.tenantId,
          ceiling: [...ceiling],
        },
        tenant,
        user,
        template.event,
        body.eventDate,
      );
    return runViewInTx(tx, tenantId, runId);
  });
}

/** Sets the user's event date as the run (the run's actor, not the caller's permissions). */
async function setEventDateInTx(
  platform: Platform,
  tx: Tx,
  run: RunRef,
  tenant: TenantInfo,
  user: UserRow,
  event: string,
  date: string,
) {
  const field = eventField(event);
  const body = field.startsWith('customAttributes.')
    ? { customAttributes: { ...(user.customAttributes as Record<string, unknown>), [field.slice(17)]: date } }
    : { [field]: date };
  await updateUserInTx(tx, runCaller(run, tenant, platform.clock), user.id, body as never);
}

export async function getRun(platform: Platform, caller: Caller, runId: string) {
  authorize(caller.principal, 'flows.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    await loadRunInScope(tx, caller, runId);
    return runViewInTx(tx, caller.ctx.tenantId, runId);
  });
}

/** A run's page, or (for a provider, `customers=true`) the runs of every customer it reaches too. */
export async function listRuns(platform: Platform, caller: Caller, query: ListRunsQuery) {
  authorize(caller.principal, 'flows.read');
  const limit = query.limit ?? 50;
  const after = decodeCursor(query.cursor, 2) as [string, string] | null;
  const home = caller.ctx.tenantId;
  return withTenantTx(platform.db, home, async (tx) => {
    const tenants: Array<{ id: string; name: string }> = [
      { id: home, name: (await loadTenantInfo(tx, home)).name },
    ];
    if (query.customers) {
      const customers = await tx
        .selectFrom('tenants')
        .select(['id', 'name', 'parentId'])
        .where('parentId', '=', home)
        .orderBy('name')
        .execute();
      tenants.push(...customers.filter((c) => canReachTenant(caller.principal, c)));
    }
    const rows: Array<{ run: FlowRunRow; tenantName: string }> = [];
    for (const t of tenants) {
      // the runs of the users the caller reaches there, as the users list would show them
      const scope = scopeFilter({ ...caller, ctx: { ...caller.ctx, tenantId: t.id } });
      if (scope?.none) continue;
      if (t.id !== home) await switchTenant(tx, t.id);
      let q = tx.selectFrom('flowRuns').selectAll().where('tenantId', '=', t.id);
      if (scope)
        q = q.where(
          sql<boolean>`exists (select 1 from users u where u.tenant_id = flow_runs.tenant_id and u.id = flow_runs.user_id and ${userScopeSql(scope)})`,
        );
      if (query.status === 'active') q = q.where('status', 'in', [...ACTIVE]);
      else if (query.status && query.status !== 'all') q = q.where('status', '=', query.status);
      if (query.userId) q = q.where('userId', '=', query.userId);
      if (query.templateId) q = q.where('templateId', '=', query.templateId);
      if (after) q = q.where(sql<boolean>`(created_at, id) < (${new Date(after[0])}, ${after[1]}::uuid)`);
      const found = (await q
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute()) as FlowRunRow[];
      rows.push(...found.map((run) => ({ run, tenantName: t.name })));
    }
    rows.sort(
      (a, b) => b.run.createdAt.getTime() - a.run.createdAt.getTime() || (a.run.id < b.run.id ? 1 : -1),
    );
    const page = rows.slice(0, limit);
    const items = [];
    for (const t of tenants) {
      const mine = page.filter((r) => r.run.tenantId === t.id);
      if (mine.length === 0) continue;
      await switchTenant(tx, t.id);
      const ids = mine.map((r) => r.run.id);
      const [steps, users] = await Promise.all([
        repo.stepsOf(tx, t.id, ids),
        usersRepo.findUsers(tx, t.id, [...new Set(mine.map((r) => r.run.userId))]),
      ]);
      for (const r of mine)
        items.push(
          runSummary(
            r.run,
            steps.filter((s) => s.runId === r.run.id),
            users.find((u) => u.id === r.run.userId),
            r.tenantName,
          ),
        );
    }
    items.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
    const last = page[page.length - 1];
    return {
      items,
      nextCursor:
        rows.length > limit && last ? encodeCursor([last.run.createdAt.toISOString(), last.run.id]) : null,
    };
  });
}

/** Cancelling a run cancels its pending steps; steps already done stay done. */
export async function cancelRunInTx(tx: Tx, ctx: Ctx, run: FlowRunRow, reason: string) {
  const now = ctx.clock.now();
  await tx
    .updateTable('flowRunSteps')
    .set({ status: 'cancelled' })
    .where('tenantId', '=', run.tenantId)
    .where('runId', '=', run.id)
    .where('status', '=', 'pending')
    .execute();
  await repo.updateRun(tx, run.tenantId, run.id, {
    status: 'cancelled',
    nextDueAt: null,
    nextPosition: null,
    cancelledAt: now,
    cancelReason: reason,
    finishedAt: now,
    updatedAt: now,
  });
  await recordAudit(tx, ctx, {
    action: 'flow_run.cancelled',
    target: { type: 'flow_run', id: run.id, label: run.templateName },
    before: { status: run.status },
    after: { status: 'cancelled', reason },
  });
}

export async function cancelRun(platform: Platform, caller: Caller, runId: string, reason?: string) {
  authorize(caller.principal, 'flows.run');
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const { run } = await loadRunInScope(tx, caller, runId, { forUpdate: true });
    if (!ACTIVE.includes(run.status as never)) throw FlowErrors.notActive(run.status);
    await assertNotOwnRun(tx, caller, run);
    await cancelRunInTx(tx, caller.ctx, run, reason?.trim() || `Cancelled by ${caller.principal.label}`);
    return runViewInTx(tx, tenantId, runId);
  });
}

/**
 * The pending steps that moving the run to `eventDate` would push more than the grace period into
 * the past (steps already that late, confirmed at the start, do not count again).
 */
async function newlyOverdue(tx: Tx, run: FlowRunRow, eventDate: string, now: Date): Promise<DueStep[]> {
  if (!eventLongPast(eventDate, run.timeZone, now)) return [];
  const steps = await repo.stepsOf(tx, run.tenantId, [run.id]);
  return steps
    .filter((s) => s.status === 'pending' && !overdueBy(new Date(s.dueAt), now))
    .map((s) => ({
      position: s.position,
      action: s.action,
      label: s.label,
      due: dueAt(s.timing as never, eventDate, run.timeZone),
    }))
    .filter((s) => overdueBy(s.due, now));
}

/** The steps that have not run move to the new date; those done are not repeated. */
export async function rescheduleRunInTx(tx: Tx, ctx: Ctx, run: FlowRunRow, eventDate: string) {
  const steps = await repo.stepsOf(tx, run.tenantId, [run.id]);
  let moved = 0;
  let nextDue: Date | null = null;
  for (const s of steps) {
    if (s.status !== 'pending') continue;
    const due = dueAt(s.timing as never, eventDate, run.timeZone);
    await repo.updateStep(tx, run.tenantId, run.id, s.position, { dueAt: due });
    moved += 1;
    if (s.position === run.nextPosition) {
      // a step waiting out a retry's backoff keeps waiting at least that long
      const backoff = s.attempts > 0 && run.nextDueAt ? run.nextDueAt : null;
      nextDue = backoff && backoff > due ? backoff : due;
    }
  }
  await repo.updateRun(tx, run.tenantId, run.id, {
    eventDate,
    ...(nextDue && ACTIVE.includes(run.status as never) ? { nextDueAt: nextDue } : {}),
    updatedAt: ctx.clock.now(),
  });
  await recordAudit(tx, ctx, {
    action: 'flow_run.rescheduled',
    target: { type: 'flow_run', id: run.id, label: run.templateName },
    before: { eventDate: run.eventDate },
    after: { eventDate, movedSteps: moved },
  });
  await repo.notifyDispatchers(tx);
}

export async function rescheduleRun(
  platform: Platform,
  caller: Caller,
  runId: string,
  body: { eventDate: string; allowPastSteps?: boolean },
) {
  authorize(caller.principal, 'flows.run');
  const { eventDate } = body;
  if (!parseDate(eventDate)) throw FlowErrors.invalidEventDate(eventDate);
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const { run, user } = await loadRunInScope(tx, caller, runId, { forUpdate: true, userForUpdate: true });
    if (!ACTIVE.includes(run.status as never)) throw FlowErrors.notActive(run.status);
    await assertNotOwnRun(tx, caller, run);
    if (run.eventDate !== eventDate) {
      const late = await newlyOverdue(tx, run, eventDate, caller.ctx.clock.now());
      if (late.length > 0 && !body.allowPastSteps)
        throw pastStepsError(late, 'to move the run there anyway, reschedule it with allowPastSteps.');
      await rescheduleRunInTx(tx, caller.ctx, run, eventDate);
      const tenant = await loadTenantInfo(tx, tenantId);
      if (eventDateOf(run.event, user) !== eventDate)
        await setEventDateInTx(platform, tx, run, tenant, user, run.event, eventDate);
    }
    return runViewInTx(tx, tenantId, runId);
  });
}

/** A failed run goes on from the step that failed, as if it had just become due. */
export async function retryRun(platform: Platform, caller: Caller, runId: string) {
  authorize(caller.principal, 'flows.run');
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const { run } = await loadRunInScope(tx, caller, runId, { forUpdate: true });
    if (run.status !== 'failed' || run.nextPosition === null) throw FlowErrors.notRetryable(run.status);
    await assertNotOwnRun(tx, caller, run);
    const others = (await repo.activeRunsOfUser(tx, tenantId, run.userId)).filter(
      (r) => r.event === run.event,
    );
    if (others.length > 0) throw FlowErrors.alreadyActive(others[0]!.id, run.event);
    const now = caller.ctx.clock.now();
    const steps = await repo.stepsOf(tx, tenantId, [runId]);
    const failed = steps.find((s) => s.position === run.nextPosition)!;
    await repo.updateStep(tx, tenantId, runId, failed.position, {
      status: 'pending',
      attempts: 0,
      error: null,
      errorCode: null,
      startedAt: null,
      finishedAt: null,
      result: null,
    });
    // whoever retries answers for what follows: the run goes on as theirs — within their ceiling
    // (rule 13), under their self rules, telling them of failures — so a step refused for the Help
    // Desk member who started it can be retried by an administrator
    const p = caller.principal;
    const ceiling = [...(p.ceiling ?? p.permissions)].sort();
    await repo.updateRun(tx, tenantId, runId, {
      status: 'running',
      nextDueAt: now,
      nextRemote: findAction(failed.action)?.remote ?? false,
      finishedAt: null,
      updatedAt: now,
      ceiling,
      initiatorUserId: p.userId,
      initiatorTenantId: p.tenantId,
      initiatorLabel: p.label,
    });
    await recordAudit(tx, caller.ctx, {
      action: 'flow_run.retried',
      target: { type: 'flow_run', id: runId, label: run.templateName },
      before: { initiator: run.initiatorLabel },
      after: { fromStep: failed.position, previousError: failed.error, initiator: p.label },
    });
    await repo.notifyDispatchers(tx);
    return runViewInTx(tx, tenantId, runId);
  });
}

// ---------------------------------------------------------------- the user's dates drive runs

/**
 * Setting or changing a user's leave date (or hire date, or a date attribute a template hangs on)
 * reschedules the user's active run for that event; clearing it cancels the run; setting it when
 * there is none starts the template the tenant chose for that event, if any, as the person who
 * changed the date (their permissions are the run's ceiling, rule 13).
 *
 * Never on oneself (rule 14): a person's change of their own date neither starts a run on them nor
 * moves or stops one that would take their access. Never in the past by accident: a run whose steps
 * would fall more than the grace period behind is not started, and a change that would push steps
 * of an active run that far back is refused to a person (the run's own reschedule takes
 * `allowPastSteps`) and, coming from a directory or a job, cancels the run rather than run it all
 * at once.
 */
export async function reconcileUserDatesInTx(
  tx: Tx,
  ctx: DatesChangeCtx,
  change: UserDatesChange,
): Promise<void> {
  const user = change.after;
  const tenantId = ctx.tenantId;
  const now = ctx.clock.now();
  const changer = personOf(ctx.actor);
  const bySelf = changer !== null && changer.userId === user.id && changer.tenantId === tenantId;
  const byPerson = ctx.actor.type === 'user' || ctx.actor.type === 'api_token';
  const active = await repo.activeRunsOfUser(tx, tenantId, user.id);
  const fullCtx: Ctx = { ...ctx } as Ctx;
  for (const run of active) {
    const date = eventDateOf(run.event, user);
    if (date === run.eventDate) continue;
    const field = eventField(run.event).replace('customAttributes.', '');
    if (bySelf) {
      const what = againstSelf(run.event, await repo.stepsOf(tx, tenantId, [run.id]));
      if (what.length > 0) throw FlowErrors.selfRun(what);
    }
    if (date === null) {
      await cancelRunInTx(tx, fullCtx, run, `The ${field} was cleared`);
      continue;
    }
    const late = await newlyOverdue(tx, run, date, now);
    if (late.length === 0) await rescheduleRunInTx(tx, fullCtx, run, date);
    else if (byPerson)
      throw pastStepsError(
        late,
        `to move the run “${run.templateName}” there anyway, reschedule the run with allowPastSteps.`,
      );
    else
      await cancelRunInTx(
        tx,
        fullCtx,
        run,
        `The ${field} moved to ${date}: ${late.length === 1 ? '1 step' : `${late.length} steps`} would have run at once, more than ${PAST_STEP_GRACE_HOURS} h late. Start the run again to confirm.`,
      );
  }
  if (user.status === 'removed' || user.status === 'archived') return;
  for (const event of ['offboarding', 'onboarding']) {
    if (active.some((r) => r.event === event)) continue;
    const date = eventDateOf(event, user);
    if (!date || (change.before && eventDateOf(event, change.before) === date)) continue;
    const setting = await tx
      .selectFrom('flowSettings')
      .select('templateId')
      .where('tenantId', '=', tenantId)
      .where('event', '=', event)
      .executeTakeFirst();
    if (!setting) continue;
    const { template, version } = await loadTemplate(tx, tenantId, setting.templateId);
    if (template.archivedAt) continue;
    const tenant = await loadTenantInfo(tx, tenantId);
    const steps = version.steps as TemplateStep[];
    const timeZone = zoneFor(template.timeZoneSource, user, tenant);
    const overdue = overdueSteps(steps, date, timeZone, now);
    const refused = bySelf && againstSelf(event, steps).length > 0;
    if (refused || overdue.length > 0) {
      // the change stands; the run does not start, and the audit trail says why
      await recordAudit(tx, fullCtx, {
        action: 'flow_run.not_started',
        target: { type: 'user', id: user.id, label: `${user.firstName} ${user.lastName}` },
        after: {
          template: version.name,
          templateId: template.id,
          event,
          eventDate: date,
          reason: refused ? 'self' : 'past_steps',
          ...(refused
            ? {}
            : {
                pastSteps: overdue.map((s) => ({ position: s.position, dueAt: s.due.toISOString() })),
              }),
        },
      });
      continue;
    }
    await createRunInTx(tx, fullCtx, {
      template: { id: template.id, version: template.version, name: version.name, event },
      steps,
      user,
      eventDate: date,
      timeZone,
      trigger: 'event_date',
      initiator: {
        userId: changer?.userId ?? null,
        tenantId: changer?.tenantId ?? null,
        label: ctx.actor.label,
      },
      ceiling: ctx.ceiling,
    });
  }
}

onUserDatesChanged(reconcileUserDatesInTx);

/**
 * What a user's page warns of: the tenant's chosen flow that their date did not start (see
 * `reconcileUserDatesInTx`), as long as that date is still theirs and no run of that event is on.
 * Read from the audit trail, where the refusal was written in the same transaction as the date.
 */
export async function heldBackRuns(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'flows.read');
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const user = await loadScopedUser(tx, caller, userId, { allowRemoved: true });
    // a run of that event started since (by hand, confirmed) answers the warning, whatever became of it
    const latestRuns = await tx
      .selectFrom('flowRuns')
      .select(['event', (eb) => eb.fn.max('createdAt').as('latest')])
      .where('tenantId', '=', tenantId)
      .where('userId', '=', userId)
      .groupBy('event')
      .execute();
    const events = await tx
      .selectFrom('auditEvents')
      .select(['after', 'occurredAt', 'actorLabel'])
      .where('tenantId', '=', tenantId)
      .where('targetId', '=', userId)
      .where('action', '=', 'flow_run.not_started')
      .orderBy('seq', 'desc')
      .limit(20)
      .execute();
    const seen = new Set<string>();
    const items = [];
    for (const e of events) {
      const a = e.after as {
        event: string;
        templateId: string;
        template: string;
        eventDate: string;
        reason: 'self' | 'past_steps';
        pastSteps?: unknown[];
      };
      if (seen.has(a.event)) continue;
      seen.add(a.event);
      const latest = latestRuns.find((r) => r.event === a.event)?.latest;
      if (latest && new Date(latest as never) >= new Date(e.occurredAt as never)) continue;
      if (eventDateOf(a.event, user) !== a.eventDate) continue;
      items.push({
        event: a.event,
        templateId: a.templateId,
        templateName: a.template,
        eventDate: a.eventDate,
        reason: a.reason,
        pastStepCount: a.pastSteps?.length ?? 0,
        at: e.occurredAt,
        by: e.actorLabel,
      });
    }
    return { items };
  });
}

// ---------------------------------------------------------------- per-tenant settings

export async function getFlowSettings(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'flows.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => settingsInTx(tx, caller.ctx.tenantId));
}

async function settingsInTx(tx: Tx, tenantId: string) {
  const rows = await tx.selectFrom('flowSettings').selectAll().where('tenantId', '=', tenantId).execute();
  const of = (e: string) => rows.find((r) => r.event === e)?.templateId ?? null;
  return { autoStart: { offboarding: of('offboarding'), onboarding: of('onboarding') } };
}

export async function setFlowSettings(
  platform: Platform,
  caller: Caller,
  body: { autoStart: { offboarding?: string | null; onboarding?: string | null } },
) {
  authorize(caller.principal, 'flows.templates.manage');
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const before = await settingsInTx(tx, tenantId);
    for (const event of ['offboarding', 'onboarding'] as const) {
      const templateId = body.autoStart[event];
      if (templateId === undefined) continue;
      if (templateId === null) {
        await tx
          .deleteFrom('flowSettings')
          .where('tenantId', '=', tenantId)
          .where('event', '=', event)
          .execute();
        continue;
      }
      const { template } = await loadTemplate(tx, tenantId, templateId);
      if (template.archivedAt) throw FlowErrors.archived();
      if (template.event !== event) throw FlowErrors.eventMismatch(template.name, template.event, event);
      await sql`insert into flow_settings (tenant_id, event, template_id, updated_at)
                values (${tenantId}, ${event}, ${templateId}, ${caller.ctx.clock.now()})
                on conflict (tenant_id, event) do update set template_id = excluded.template_id, updated_at = excluded.updated_at`.execute(
        tx,
      );
    }
    const after = await settingsInTx(tx, tenantId);
    await recordAudit(tx, caller.ctx, {
      action: 'flow_settings.changed',
      target: { type: 'tenant', id: tenantId },
      before,
      after,
    });
    return after;
  });
}
