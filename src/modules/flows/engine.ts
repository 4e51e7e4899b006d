import { sql } from 'kysely';
import pg from 'pg';
import { forgetAuditHeads, keepAuditHeads, recordAudit } from '../../platform/audit.ts';
import { APP_ROLE, switchTenant, type Tx } from '../../platform/db.ts';
import { isAppError } from '../../platform/errors.ts';
import { queueMail } from '../../platform/mail.ts';
import type { Platform } from '../../platform/platform.ts';
import { flowRunFailedEmail } from '../notifications/templates.ts';
import type { UserRow } from '../users/users.repository.ts';
import * as usersRepo from '../users/users.repository.ts';
import type { StepOutcome, TenantInfo } from './action.ts';
import { findAction } from './action-registry.ts';
import { TransientStepError } from './flows.errors.ts';
import type { FlowRunRow, FlowRunStepRow } from './flows.repository.ts';
import * as repo from './flows.repository.ts';
import type { StepCondition } from './flows.schemas.ts';
import { runCaller } from './run-caller.ts';
import { loadTenantInfo } from './runs.service.ts';
import { conditionHolds } from './step-model.ts';

/**
 * The run engine (rule 23). Each run's next step and its instant live in `flow_runs.next_due_at`,
 * written in the transaction that makes them so (start, a finished step, reschedule, retry): that
 * column, with its partial index, is the durable timer. Every worker process runs a few dispatcher
 * loops that sleep until the earliest instant (woken early by NOTIFY when a run starts or moves),
 * claim what is due with `FOR UPDATE SKIP LOCKED`, and execute it.
 *
 * Exactly once: a step's action, its "done" mark and the run's next instant commit in one
 * transaction; the claim is that transaction's row lock. A killed process's transaction rolls back
 * and its locks vanish with its connection, so the next dispatcher (here or in another process)
 * takes the same step at once and does it for the first time. Two processes never take one run: the
 * row lock. Nor one tenant at the same time: a per-tenant advisory lock taken in the claim, so their
 * transactions cannot deadlock over a tenant's audit chain.
 *
 * Speed: one transaction executes a batch of steps (each in a savepoint, so one failing step rolls
 * back alone) and runs straight on to a run's next step when it is already due, so a chain of
 * overdue steps costs no wake-up between them. Steps that call out (webhooks) are never batched:
 * each runs in its own transaction, holding only its run, under an idempotency key.
 */
export interface EngineOptions {
  /** Dispatcher loops working local steps in this process. */
  loops?: number;
  /** Most steps one transaction executes. */
  batchSize?: number;
  /** A batch stops taking further steps after this long, so the next due work is not kept waiting. */
  budgetMs?: number;
  /** Remote steps (webhooks) this process executes at once. */
  remoteWorkers?: number;
  /** Longest sleep between looks at the due index when nothing wakes the loop. */
  maxIdleMs?: number;
}

export const MAX_ATTEMPTS = 5;
/** 10 s, 20 s, 40 s, 80 s between the attempts of a step failing for a reason that may pass. */
export const backoffMs = (attempt: number) => Math.min(600_000, 10_000 * 2 ** (attempt - 1));
/** A row another transaction held longer than lock_timeout: try again shortly, no attempt counted. */
const CONTENTION_RETRY_MS = 1_000;
const CONTENTION_CODES = new Set(['55P03', '40P01', '40001']);
// below the server's deadlock_timeout (1 s), so when a step waits on a request that waits on the
// step's batch, the step gives way first and the request goes through
const LOCAL_LOCK_TIMEOUT = '500ms';
const REMOTE_LOCK_TIMEOUT = '5s';

type StepResult =
  | { kind: 'done'; outcome: StepOutcome; startedAt: Date; user: UserRow }
  | { kind: 'skipped'; reason: string; startedAt: Date; user: UserRow }
  | { kind: 'failed'; code: string | null; message: string; startedAt: Date }
  | { kind: 'transient'; code: string; message: string; startedAt: Date }
  | { kind: 'contention' };

interface Mode {
  remote: boolean;
  /**
   * Each step in a savepoint. Without (the fast path: two statements fewer per step), the first step
   * that fails aborts the whole batch, which is then done again carefully.
   */
  careful: boolean;
  /** Whether one more step may run in this transaction. */
  mayRun(): boolean;
}

const engines = new WeakMap<Platform, FlowEngine>();

/** The engine of a platform, for tests and the bench (wake it after moving a test clock, drain it). */
export function flowEngineOf(platform: Platform): FlowEngine {
  const engine = engines.get(platform);
  if (!engine) throw new Error('no flow engine registered for this platform');
  return engine;
}

export function registerFlowEngine(platform: Platform, options: EngineOptions = {}): FlowEngine {
  const engine = new FlowEngine(platform, options);
  engines.set(platform, engine);
  return engine;
}

export class FlowEngine {
  private readonly platform: Platform;
  private readonly opts: Required<EngineOptions>;
  private stopping = false;
  private running: Promise<void>[] = [];
  private listener: pg.Client | null = null;
  private readonly sleepers = new Set<() => void>();
  /** Steps executed by this process since start (the bench reads it). */
  executed = 0;

  get loops(): number {
    return this.opts.loops;
  }

  constructor(platform: Platform, options: EngineOptions = {}) {
    this.platform = platform;
    this.opts = {
      loops: options.loops ?? platform.config.flowLoops,
      batchSize: options.batchSize ?? 100,
      budgetMs: options.budgetMs ?? 300,
      remoteWorkers: options.remoteWorkers ?? 8,
      maxIdleMs: options.maxIdleMs ?? 5_000,
    };
  }

  async start(): Promise<void> {
    if (this.running.length > 0) return;
    this.stopping = false;
    await this.listen();
    for (let i = 0; i < this.opts.loops; i++) this.running.push(this.loop(false));
    for (let i = 0; i < this.opts.remoteWorkers; i++) this.running.push(this.loop(true));
  }

  /** Lets the batches in flight commit, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await Promise.allSettled(this.running);
    this.running = [];
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => {});
  }

  wake(): void {
    for (const wakeUp of [...this.sleepers]) wakeUp();
  }

  /**
   * Resolves once nothing is due any more (by the platform's clock): every step whose instant has
   * come has run, failed or been put off to a retry. Tests call it after moving a test clock.
   */
  async settle(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.wake();
      const due = await sql<{ n: number }>`
        select count(*)::int as n from flow_runs where next_due_at <= ${this.platform.clock.now()}`
        .execute(this.platform.db)
        .then((r) => r.rows[0]!.n);
      if (due === 0) return;
      if (Date.now() > deadline) throw new Error(`flow engine: ${due} runs still due after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.sleepers.add(done);
    });
  }

  private async listen(): Promise<void> {
    const connectionString = (this.platform.pool as unknown as { options: { connectionString: string } })
      .options.connectionString;
    const client = new pg.Client({ connectionString, application_name: 'rollcall-flows' });
    client.on('notification', () => this.wake());
    client.on('error', () => {
      // the connection dropped: look at the index now (nothing was lost), and listen again
      if (this.listener !== client) return;
      this.listener = null;
      this.wake();
      setTimeout(() => {
        if (!this.stopping) this.listen().catch(() => {});
      }, 1_000).unref();
    });
    try {
      await client.connect();
      await client.query('listen rollcall_flows');
      this.listener = client;
    } catch (error) {
      this.platform.log.warn({ err: error }, 'flow engine: LISTEN failed; polling the due index only');
      await client.end().catch(() => {});
    }
  }

  private async loop(remote: boolean): Promise<void> {
    while (!this.stopping) {
      try {
        const worked = remote ? ((await this.remoteStep()) ? 1 : 0) : await this.localBatch();
        if (worked > 0) continue;
        await this.sleep(await this.idleMs(remote));
      } catch (error) {
        if (this.stopping) return;
        this.platform.log.error({ err: error }, 'flow engine: a batch failed and was rolled back');
        await this.sleep(1_000);
      }
    }
  }

  /** Until the earliest instant on the index (soon, when something is due but another holds it). */
  private async idleMs(remote: boolean): Promise<number> {
    const row = await sql<{ at: Date | null }>`
      select min(next_due_at) as at from flow_runs where next_remote = ${remote} and next_due_at is not null`
      .execute(this.platform.db)
      .then((r) => r.rows[0]);
    if (!row?.at) return this.opts.maxIdleMs;
    const ms = new Date(row.at).getTime() - this.platform.clock.now().getTime();
    return ms <= 0 ? 50 : Math.min(ms, this.opts.maxIdleMs);
  }

  /**
   * Claims up to a batch of due runs of one tenant no other dispatcher holds, and runs their steps.
   * One tenant per batch: a tenant's steps are serial anyway (its audit chain), and the loops of this
   * and other processes work other tenants meanwhile.
   */
  async localBatch(): Promise<number> {
    try {
      return await this.batch(false);
    } catch (error) {
      // a step failed: do the batch again, each step in a savepoint, so the failure is recorded alone
      if (error instanceof RetryWithSavepoints) return this.batch(true);
      throw error;
    }
  }

  private async batch(careful: boolean): Promise<number> {
    const { platform } = this;
    return platform.db.transaction().execute(async (tx) => {
      keepAuditHeads(tx);
      await sql`select set_config('lock_timeout', ${LOCAL_LOCK_TIMEOUT}, true)`.execute(tx);
      const now = platform.clock.now();
      // the try-lock is volatile, so the CTE is evaluated once, on its own: it takes exactly one tenant
      const claimed = (
        await sql<{ tenantId: string; id: string }>`
          with tenant as (
            select tenant_id from flow_runs
             where next_remote = false and next_due_at <= ${now}
               and pg_try_advisory_xact_lock(hashtextextended('rollcall:flows:' || tenant_id::text, 0))
             order by next_due_at
             limit 1)
          select r.tenant_id, r.id from flow_runs r join tenant t on t.tenant_id = r.tenant_id
           where r.next_remote = false and r.next_due_at <= ${now}
           order by r.next_due_at
           limit ${this.opts.batchSize}
           for update of r skip locked`.execute(tx)
      ).rows;
      if (claimed.length === 0) return 0;
      const tenantId = claimed[0]!.tenantId;
      const runIds = claimed.map((c) => c.id);
      let executed = 0;
      const deadline = Date.now() + this.opts.budgetMs;
      const mode: Mode = {
        remote: false,
        careful,
        mayRun: () => executed < this.opts.batchSize && Date.now() < deadline,
      };
      await sql`select set_config('app.tenant_id', ${tenantId}, true), set_config('role', ${APP_ROLE}, true)`.execute(
        tx,
      );
      const tenant = await loadTenantInfo(tx, tenantId);
      const runs = (await tx
        .selectFrom('flowRuns')
        .selectAll()
        .where('tenantId', '=', tenantId)
        .where('id', 'in', runIds)
        .execute()) as FlowRunRow[];
      const stepsByRun = new Map<string, FlowRunStepRow[]>();
      for (const s of await repo.pendingStepsOf(tx, tenantId, runIds))
        stepsByRun.set(s.runId, [...(stepsByRun.get(s.runId) ?? []), s]);
      const writes = new Writes();
      let handedToRemote = false;
      for (const run of runs) {
        const r = await this.advance(tx, tenant, run, stepsByRun.get(run.id) ?? [], mode, writes);
        executed += r.executed;
        handedToRemote ||= r.handedToRemote;
      }
      await writes.flush(tx, tenantId);
      if (handedToRemote) {
        await repo.notifyDispatchers(tx);
        queueMicrotask(() => this.wake());
      }
      this.executed += executed;
      return claimed.length;
    });
  }

  /** One due remote step, in a transaction of its own that holds only its run. */
  async remoteStep(): Promise<boolean> {
    const { platform } = this;
    const handed = await platform.db.transaction().execute(async (tx) => {
      await sql`select set_config('lock_timeout', ${REMOTE_LOCK_TIMEOUT}, true)`.execute(tx);
      const now = platform.clock.now();
      const row = (
        await sql<{ tenantId: string; id: string }>`
          select tenant_id, id from flow_runs
           where next_remote = true and next_due_at <= ${now}
           order by next_due_at limit 1
           for update skip locked`.execute(tx)
      ).rows[0];
      if (!row) return null;
      await sql`select set_config('app.tenant_id', ${row.tenantId}, true), set_config('role', ${APP_ROLE}, true)`.execute(
        tx,
      );
      const tenant = await loadTenantInfo(tx, row.tenantId);
      const run = (await repo.findRun(tx, row.tenantId, row.id))!;
      const steps = await repo.pendingStepsOf(tx, row.tenantId, [row.id]);
      let ran = false;
      const writes = new Writes();
      const r = await this.advance(
        tx,
        tenant,
        run,
        steps,
        {
          remote: true,
          careful: true,
          mayRun: () => {
            const first = !ran;
            ran = true;
            return first;
          },
        },
        writes,
      );
      await writes.flush(tx, row.tenantId);
      this.executed += r.executed;
      if (r.nextDue && r.nextDue <= now) await repo.notifyDispatchers(tx);
      return r;
    });
    if (handed === null) return false;
    this.wake();
    return true;
  }

  /**
   * Runs a claimed run's chain as far as it may go now: each due step in turn, stopping at a step
   * not yet due, a failure that stops the chain, a retry's backoff, or the end of the batch.
   */
  private async advance(
    tx: Tx,
    tenant: TenantInfo,
    run: FlowRunRow,
    steps: FlowRunStepRow[],
    mode: Mode,
    writes: Writes,
  ) {
    const { platform } = this;
    const state = { ...run };
    let executed = 0;
    let handedToRemote = false;
    let user: UserRow | undefined;
    for (;;) {
      const step = steps.find((s) => s.position === state.nextPosition);
      const now = platform.clock.now();
      if (!step) {
        await this.finish(tx, tenant, state, now);
        break;
      }
      const action = findAction(step.action);
      if (new Date(step.dueAt) > now) {
        state.nextDueAt = step.dueAt;
        state.nextRemote = action?.remote ?? false;
        break;
      }
      if ((action?.remote ?? false) !== mode.remote) {
        // the other kind of worker takes it from here, right away
        state.nextRemote = !mode.remote;
        state.nextDueAt = new Date(Math.max(now.getTime(), new Date(step.dueAt).getTime()));
        handedToRemote = state.nextRemote;
        break;
      }
      if (!mode.mayRun()) {
        state.nextDueAt = now;
        break;
      }
      const result = await this.executeStep(tx, tenant, state, step, mode.careful, user);
      // the user row as the next step must see it: reloaded after a step that changed it or failed
      user =
        result.kind === 'done' && action?.keepsUser
          ? result.user
          : result.kind === 'skipped'
            ? result.user
            : undefined;
      if (result.kind !== 'contention') executed += 1;
      const finishedAt = platform.clock.now();
      if (result.kind === 'contention') {
        state.nextDueAt = new Date(finishedAt.getTime() + CONTENTION_RETRY_MS);
        break;
      }
      state.status = 'running';
      state.startedAt ??= result.startedAt;
      if (result.kind === 'done' || result.kind === 'skipped') {
        writes.step(run.id, step.position, {
          status: result.kind,
          attempts: step.attempts + (result.kind === 'done' ? 1 : 0),
          startedAt: result.startedAt,
          finishedAt,
          result:
            result.kind === 'done'
              ? result.outcome
              : { summary: `Skipped: ${result.reason}`, changed: false },
          error: null,
          errorCode: null,
        });
        state.nextPosition = step.position + 1;
        continue;
      }
      const attempts = step.attempts + 1;
      if (result.kind === 'transient' && attempts < MAX_ATTEMPTS) {
        writes.step(run.id, step.position, {
          status: 'pending',
          attempts,
          startedAt: result.startedAt,
          finishedAt: null,
          result: null,
          error: result.message,
          errorCode: result.code,
        });
        state.nextDueAt = new Date(finishedAt.getTime() + backoffMs(attempts));
        break;
      }
      const message =
        result.kind === 'transient'
          ? `${result.message} (gave up after ${attempts} attempts)`
          : result.message;
      writes.step(run.id, step.position, {
        status: 'failed',
        attempts,
        startedAt: result.startedAt,
        finishedAt,
        result: null,
        error: message,
        errorCode: result.code,
      });
      const stops = !step.continueOnFailure;
      const caller = runCaller(state, tenant, platform.clock, step.position);
      await recordAudit(tx, caller.ctx, {
        action: 'flow_run.step_failed',
        target: { type: 'flow_run', id: run.id, label: run.templateName },
        after: {
          position: step.position,
          action: step.action,
          error: message,
          code: result.code,
          stopsRun: stops,
        },
      });
      await this.tellInitiator(tx, tenant, state, step, message, stops);
      if (stops) {
        state.status = 'failed';
        state.nextDueAt = null;
        state.finishedAt = finishedAt;
        break;
      }
      state.nextPosition = step.position + 1;
    }
    writes.run({ ...state, updatedAt: platform.clock.now() });
    return { executed, handedToRemote, nextDue: state.nextDueAt ? new Date(state.nextDueAt) : null };
  }

  private async finish(tx: Tx, tenant: TenantInfo, state: FlowRunRow, now: Date) {
    state.status = 'completed';
    state.nextPosition = null;
    state.nextDueAt = null;
    state.finishedAt = now;
    await recordAudit(tx, runCaller(state, tenant, this.platform.clock).ctx, {
      action: 'flow_run.completed',
      target: { type: 'flow_run', id: state.id, label: state.templateName },
      after: { userId: state.userId },
    });
  }

  /** One step, in a savepoint: its changes stay only when it succeeds. */
  private async executeStep(
    tx: Tx,
    tenant: TenantInfo,
    run: FlowRunRow,
    step: FlowRunStepRow,
    careful: boolean,
    known: UserRow | undefined,
  ): Promise<StepResult> {
    const { platform } = this;
    const startedAt = platform.clock.now();
    const action = findAction(step.action);
    if (!action)
      return {
        kind: 'failed',
        code: 'flow_step.unavailable',
        message: `The action “${step.action}” is not installed.`,
        startedAt,
      };
    if (careful) await sql`savepoint flow_step`.execute(tx);
    try {
      // the user as they are now, locked: a condition is judged on what no one else is changing (the
      // row stays locked until commit, so a row this batch loaded already is still what it says)
      const user = known ?? (await usersRepo.findUser(tx, run.tenantId, run.userId, { forUpdate: true }));
      if (!user) throw new Error('the run’s user is gone');
      const condition = conditionHolds(step.condition as StepCondition | null, user, run);
      let result: StepResult;
      if (!condition.holds) {
        result = { kind: 'skipped', reason: condition.reason, startedAt, user };
      } else {
        const caller = runCaller(run, tenant, platform.clock, step.position);
        const outcome = await action.execute(
          {
            platform,
            tx,
            tenant,
            user,
            eventDate: run.eventDate,
            dueAt: new Date(step.dueAt),
            timeZone: run.timeZone,
            caller,
            run: {
              id: run.id,
              tenantId: run.tenantId,
              templateName: run.templateName,
              event: run.event,
              eventDate: run.eventDate,
              timeZone: run.timeZone,
              initiatorLabel: run.initiatorLabel,
            },
            position: step.position,
            attempt: step.attempts + 1,
            idempotencyKey: `rollcall-flow-${run.id}-${step.position}`,
          },
          step.params as never,
        );
        result = { kind: 'done', outcome, startedAt, user };
      }
      if (careful) await sql`release savepoint flow_step`.execute(tx);
      return result;
    } catch (error) {
      if (!careful) throw new RetryWithSavepoints();
      await sql`rollback to savepoint flow_step`.execute(tx);
      await sql`release savepoint flow_step`.execute(tx);
      forgetAuditHeads(tx);
      const result = classify(error, startedAt);
      if (result.kind === 'transient' && !(error instanceof TransientStepError))
        platform.log.error(
          { err: error, runId: run.id, position: step.position },
          'flow step failed unexpectedly',
        );
      return result;
    }
  }

  /** Whoever started the run learns of a failed step by email (the template's owner, for runs a date started). */
  private async tellInitiator(
    tx: Tx,
    tenant: TenantInfo,
    run: FlowRunRow,
    step: FlowRunStepRow,
    error: string,
    stopped: boolean,
  ) {
    const target = await usersRepo.findUser(tx, run.tenantId, run.userId);
    let tenantId = run.initiatorTenantId ?? run.tenantId;
    let userId = run.initiatorUserId;
    if (!userId) {
      tenantId = run.tenantId;
      const template = await tx
        .selectFrom('flowTemplates')
        .select('ownerId')
        .where('tenantId', '=', run.tenantId)
        .where('id', '=', run.templateId)
        .executeTakeFirst();
      userId = template?.ownerId ?? null;
    }
    if (!userId) return;
    // provider staff who started a run in a customer are told in their own tenant's outbox
    const switched = tenantId !== run.tenantId;
    if (switched) await switchTenant(tx, tenantId);
    try {
      const recipient = await usersRepo.findUser(tx, tenantId, userId);
      if (!recipient?.email) return;
      const ctx = { ...runCaller(run, tenant, this.platform.clock).ctx, tenantId };
      await queueMail(this.platform, tx, ctx, {
        to: recipient.email,
        toUserId: recipient.id,
        kind: 'flow_failure',
        ...flowRunFailedEmail({
          tenantName: tenant.name,
          firstName: recipient.firstName,
          templateName: run.templateName,
          userName: target ? `${target.firstName} ${target.lastName}` : 'a removed user',
          stepLabel: step.label,
          error,
          stopped,
          link: `${this.platform.baseUrl}/t/${run.tenantId}/flow-runs/${run.id}`,
        }),
      });
    } finally {
      if (switched) await switchTenant(tx, run.tenantId);
    }
  }
}

class RetryWithSavepoints extends Error {}

interface StepWrite {
  status: FlowRunStepRow['status'];
  attempts: number;
  startedAt: Date;
  finishedAt: Date | null;
  result: unknown;
  error: string | null;
  errorCode: string | null;
}

/**
 * What a batch changed in its steps and runs, written at its end in one statement each (rather than
 * one per step): the rows are locked by the batch anyway, and nothing reads them before it commits.
 */
class Writes {
  private readonly steps: Array<StepWrite & { runId: string; position: number }> = [];
  private readonly runs: FlowRunRow[] = [];

  step(runId: string, position: number, write: StepWrite) {
    this.steps.push({ runId, position, ...write });
  }

  run(state: FlowRunRow) {
    this.runs.push(state);
  }

  async flush(tx: Tx, tenantId: string) {
    const ts = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
    if (this.steps.length > 0) {
      const rows = this.steps.map(
        (w) =>
          sql`(${w.runId}::uuid, ${w.position}::int, ${w.status}::text, ${w.attempts}::int, ${ts(w.startedAt)}::timestamptz,
               ${ts(w.finishedAt)}::timestamptz, ${w.result === null ? null : JSON.stringify(w.result)}::jsonb, ${w.error}::text, ${w.errorCode}::text)`,
      );
      await sql`update flow_run_steps s
                   set status = v.status, attempts = v.attempts, started_at = v.started_at, finished_at = v.finished_at,
                       result = v.result, error = v.error, error_code = v.error_code
                  from (values ${sql.join(rows)}) as v(run_id, position, status, attempts, started_at, finished_at, result, error, error_code)
                 where s.tenant_id = ${tenantId} and s.run_id = v.run_id and s.position = v.position`.execute(
        tx,
      );
    }
    if (this.runs.length > 0) {
      const rows = this.runs.map(
        (r) =>
          sql`(${r.id}::uuid, ${r.status}::text, ${r.nextPosition}::int, ${ts(r.nextDueAt)}::timestamptz, ${r.nextRemote}::boolean,
               ${ts(r.startedAt)}::timestamptz, ${ts(r.finishedAt)}::timestamptz, ${ts(r.updatedAt)}::timestamptz)`,
      );
      await sql`update flow_runs r
                   set status = v.status, next_position = v.next_position, next_due_at = v.next_due_at,
                       next_remote = v.next_remote, started_at = v.started_at, finished_at = v.finished_at,
                       updated_at = v.updated_at
                  from (values ${sql.join(rows)}) as v(id, status, next_position, next_due_at, next_remote, started_at, finished_at, updated_at)
                 where r.tenant_id = ${tenantId} and r.id = v.id`.execute(tx);
    }
  }
}

function classify(error: unknown, startedAt: Date): StepResult {
  const code = (error as { code?: string }).code;
  if (typeof code === 'string' && CONTENTION_CODES.has(code)) return { kind: 'contention' };
  if (isAppError(error)) return { kind: 'failed', code: error.code, message: error.message, startedAt };
  if (error instanceof TransientStepError)
    return { kind: 'transient', code: error.code, message: error.message, startedAt };
  return {
    kind: 'transient',
    code: 'flow_step.error',
    message: `The step failed unexpectedly: ${(error as Error)?.message ?? String(error)}`,
    startedAt,
  };
}
