import { sql } from 'kysely';
import type { Job } from 'pg-boss';
import { recordAudit } from '../../platform/audit.ts';
import { canReachTenant, principalOfUser } from '../../platform/auth.ts';
import type { Ctx } from '../../platform/context.ts';
import { type Tx, withSystemTx, withTenantTx } from '../../platform/db.ts';
import type { ImportPhase } from '../../platform/db-schema.ts';
import { type AppError, isAppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import { changeUserRolesInTx } from '../access/access.service.ts';
import { sendWelcomeLinksInTx } from '../auth/credentials.service.ts';
import { changeUserGroupsInTx } from '../groups/groups.service.ts';
import { UserErrors } from '../users/users.errors.ts';
import type { UserRow } from '../users/users.repository.ts';
import type { UpdateUserBody } from '../users/users.schemas.ts';
import {
  type Caller,
  insertNewUsersInTx,
  type NewUserAccess,
  type NewUserInput,
  resolveNewUserAccess,
  updateUserInTx,
} from '../users/users.service.ts';
import { expireStaleUploads } from './imports.cleanup.ts';
import { csvRecords, type Delimiter, isBlank, utf8Text } from './imports.csv.ts';
import { ImportErrors, RowErrors, type RowFailure, type RowProblem, rowFailure } from './imports.errors.ts';
import * as repo from './imports.repository.ts';
import {
  checkCandidateForCreate,
  checkCandidateForUpdate,
  type RowCandidate,
  rowToCandidate,
} from './imports.rows.ts';
import type { ImportOptions } from './imports.schemas.ts';
import { IMPORT_JOB, type StoredActor } from './imports.service.ts';

/**
 * The import job. It reads the stored file from the database, checks each row with the users
 * module's own rules and writes in batches: each batch is one transaction with its rows' users,
 * their audit events, their results and the import's progress, so a restart resumes after the last
 * committed batch and never imports a row twice. A job works for at most a minute (or until the
 * process stops) and then hands the rest to a new job.
 */
export const BATCH_ROWS = 1000;
const SLICE_MS = 60_000;

interface Payload {
  tenantId: string;
  importId: string;
}

export function registerImportJobs(platform: Platform): void {
  platform.jobs.define<Payload>({
    name: IMPORT_JOB,
    retryLimit: 3,
    retryDelaySeconds: 5,
    concurrency: 2,
    pollingIntervalSeconds: 0.5,
    handler: (payload, job) => processImport(platform, payload, job),
  });
  platform.jobs.define<Record<string, never>>({
    name: 'imports.expire_stale_uploads',
    cron: '41 * * * *',
    retryLimit: 2,
    handler: async () => {
      await expireStaleUploads(platform);
    },
  });
}

/** Thrown to leave a pass: another worker moved on, or the import was finished meanwhile. */
class StopPass extends Error {}

async function processImport(platform: Platform, { tenantId, importId }: Payload, job: Job<Payload>) {
  const imp = await withTenantTx(platform.db, tenantId, (tx) => repo.findImport(tx, tenantId, importId));
  if (!imp || (imp.status !== 'validating' && imp.status !== 'running')) return;
  const phase = imp.phase!;
  try {
    const caller = await importerOf(platform, imp);
    if (!caller) {
      await finish(platform, imp, phase, 'failed', ImportErrors.importerLostAccess());
      return;
    }
    await runPass(platform, caller, imp, job);
  } catch (error) {
    if (error instanceof StopPass) return;
    if (isAppError(error)) {
      await finish(platform, imp, phase, 'failed', error);
      return;
    }
    // a database or programming error: retried; after the last retry the import is failed
    if (job.retryCount >= 3) {
      platform.log.error({ err: error, importId }, 'import failed');
      await finish(platform, imp, phase, 'failed', {
        code: 'import.internal_error',
        message: 'The import stopped on an internal error; the rows imported so far are kept.',
      });
      return;
    }
    throw error;
  }
}

/** The person who started the pass, with the permissions they hold now. */
async function importerOf(platform: Platform, imp: repo.ImportRow): Promise<Caller | null> {
  const actor = imp.actor as unknown as StoredActor;
  if (!actor.userId || !actor.tenantId) return null;
  const principal = await principalOfUser(platform, actor.tenantId, actor.userId);
  if (!principal) return null;
  const tenant = await withSystemTx(platform.db, (tx) =>
    tx
      .selectFrom('tenants')
      .select(['id', 'parentId', 'status'])
      .where('id', '=', imp.tenantId)
      .executeTakeFirst(),
  );
  if (tenant?.status !== 'active' || !canReachTenant(principal, tenant)) return null;
  const options = imp.options as ImportOptions;
  const needed = ['imports.run', 'users.create', ...(options.existing === 'update' ? ['users.update'] : [])];
  if (needed.some((p) => !principal.permissions.has(p))) return null;
  const ctx: Ctx = {
    tenantId: imp.tenantId,
    actor: {
      type: actor.type,
      userId: actor.userId,
      tokenId: actor.tokenId,
      tenantId: actor.tenantId,
      label: actor.label,
    },
    requestId: actor.requestId,
    ip: actor.ip,
    userAgent: actor.userAgent,
    clock: platform.clock,
  };
  return { principal, ctx };
}

/** The stored file's records, chunk by chunk. */
function recordsOf(platform: Platform, imp: repo.ImportRow): AsyncGenerator<string[]> {
  async function* bytes(): AsyncGenerator<Buffer> {
    for (let seq = 0; ; seq++) {
      const data = await withTenantTx(platform.db, imp.tenantId, (tx) =>
        repo.readChunk(tx, imp.tenantId, imp.id, seq),
      );
      if (!data) return;
      yield data;
    }
  }
  return csvRecords(utf8Text(bytes(), { hasBom: false }), imp.delimiter as Delimiter);
}

// ---------------------------------------------------------------- duplicates inside the file

const lower = (v: string | undefined | null) => (v ? v.trim().toLowerCase() : '');

/**
 * A first pass over the file: every email, username (and employee id when it is the key) that
 * appears in more than one row, with the rows. Such rows all fail — which one was meant is the
 * file's owner to say.
 */
async function duplicatesOf(platform: Platform, imp: repo.ImportRow, options: ImportOptions) {
  const keyed = keyColumns(options);
  const seen = new Map<string, number | number[]>();
  let row = 0;
  for await (const record of recordsOf(platform, imp)) {
    row++;
    if (row === 1 && options.hasHeader) continue;
    for (const [field, index] of keyed) {
      const value = lower(record[index]);
      if (!value) continue;
      const key = `${field}\u0000${value}`;
      const prior = seen.get(key);
      if (prior === undefined) seen.set(key, row);
      else if (typeof prior === 'number') seen.set(key, [prior, row]);
      else prior.push(row);
    }
  }
  const dupes = new Map<string, number[]>();
  for (const [key, rows] of seen) if (typeof rows !== 'number') dupes.set(key, rows);
  return dupes;
}

function keyColumns(options: ImportOptions): Array<[string, number]> {
  const wanted = new Set(['email', 'username', ...(options.matchBy === 'employeeId' ? ['employeeId'] : [])]);
  return options.columns.filter((c) => wanted.has(c.field)).map((c) => [c.field, c.index]);
}

// ---------------------------------------------------------------- a pass

interface PassState {
  done: number;
  startedAt: number;
  dupes: Map<string, number[]>;
  names: Names;
  access: Map<string, NewUserAccess | AppError>;
}

interface Names {
  roles: Map<string, string>;
  groups: Map<string, string>;
}

async function loadNames(tx: Tx, tenantId: string): Promise<Names> {
  const roles = await tx
    .selectFrom('roles')
    .select(['id', 'name', 'key'])
    .where('tenantId', '=', tenantId)
    .execute();
  const groups = await tx
    .selectFrom('groups')
    .select(['id', 'name'])
    .where('tenantId', '=', tenantId)
    .execute();
  const roleMap = new Map<string, string>();
  for (const r of roles) if (r.key) roleMap.set(r.key.toLowerCase(), r.id);
  for (const r of roles) roleMap.set(r.name.toLowerCase(), r.id);
  return { roles: roleMap, groups: new Map(groups.map((g) => [g.name.toLowerCase(), g.id])) };
}

async function runPass(platform: Platform, caller: Caller, imp: repo.ImportRow, job: Job<Payload>) {
  const options = imp.options as ImportOptions;
  const phase = imp.phase!;
  const state: PassState = {
    done: imp.rowsDone,
    startedAt: Date.now(),
    dupes: await duplicatesOf(platform, imp, options),
    names: await withTenantTx(platform.db, imp.tenantId, (tx) => loadNames(tx, imp.tenantId)),
    access: new Map(),
  };
  let row = 0;
  let dataRow = 0;
  let batch: Array<{ row: number; record: string[] }> = [];
  // the users table's statistics are refreshed as this pass doubles it (after 1, 2, 4, … batches)
  let batches = 0;
  let nextAnalyze = 1;
  for await (const record of recordsOf(platform, imp)) {
    row++;
    if (row === 1 && options.hasHeader) continue;
    dataRow++;
    if (dataRow <= state.done) continue;
    batch.push({ row, record });
    if (batch.length < BATCH_ROWS) continue;
    await processBatch(platform, await stillAllowed(platform, imp), imp, phase, options, batch, state);
    batch = [];
    if (phase === 'run' && ++batches === nextAnalyze) {
      await repo.refreshUserStatistics(platform.db);
      nextAnalyze *= 2;
    }
    if (platform.jobs.stopping || job.signal.aborted || Date.now() - state.startedAt > SLICE_MS) {
      await handOver(platform, imp, state.done);
      return;
    }
  }
  if (batch.length)
    await processBatch(platform, await stillAllowed(platform, imp), imp, phase, options, batch, state);
  await finish(platform, imp, phase, phase === 'dry_run' ? 'validated' : 'completed', null, caller);
}

/**
 * The importer, checked again before every batch: someone whose rights were taken away mid-import
 * stops importing at the next batch.
 */
async function stillAllowed(platform: Platform, imp: repo.ImportRow): Promise<Caller> {
  const caller = await importerOf(platform, imp);
  if (!caller) throw ImportErrors.importerLostAccess();
  return caller;
}

/** The rest of the pass goes to a new job (a restart, or a long import's next slice). */
async function handOver(platform: Platform, imp: repo.ImportRow, done: number) {
  await withTenantTx(platform.db, imp.tenantId, (tx) =>
    platform.jobs.enqueue(
      tx,
      IMPORT_JOB,
      { tenantId: imp.tenantId, importId: imp.id },
      { singletonKey: `import:${imp.id}:${imp.phase}:${done}` },
    ),
  );
}

type Outcome = {
  row: number;
  outcome: 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  userId?: string;
  login: string | null;
  error?: RowFailure;
};

async function processBatch(
  platform: Platform,
  caller: Caller,
  imp: repo.ImportRow,
  phase: ImportPhase,
  options: ImportOptions,
  batch: Array<{ row: number; record: string[] }>,
  state: PassState,
) {
  const tenantId = imp.tenantId;
  const stopped = await withTenantTx(platform.db, tenantId, async (tx) => {
    const current = await repo.findImport(tx, tenantId, imp.id, { forUpdate: true });
    if (!current || current.status !== imp.status || current.rowsDone !== state.done) return true;
    if (current.cancelRequested) {
      // a cancelled dry run leaves the upload as it was; a cancelled run keeps the rows it imported
      await finishInTx(tx, caller.ctx, current, phase, phase === 'dry_run' ? 'uploaded' : 'cancelled', null);
      return true;
    }
    const outcomes = await decideBatch(tx, caller, imp.columnCount, options, batch, state);
    const results =
      phase === 'run'
        ? await writeBatch(platform, tx, caller, options, outcomes)
        : await simulateBatch(tx, caller, outcomes);
    const count = (o: Outcome['outcome']) => results.filter((r) => r.outcome === o).length;
    await repo.insertRows(
      tx,
      tenantId,
      imp.id,
      phase,
      results
        .filter((r) => phase === 'run' || r.outcome === 'failed')
        .map((r) => ({
          rowNumber: r.row,
          outcome: r.outcome,
          userId: r.userId ?? null,
          login: r.login?.slice(0, 254) ?? null,
          code: r.error?.code ?? null,
          message: r.error?.message.slice(0, 1000) ?? null,
          // one problem is its code and message; several are kept as they are, for the JSON rows
          problems: r.error && r.error.problems.length > 1 ? JSON.stringify(r.error.problems) : null,
        })),
    );
    await repo.updateImport(tx, tenantId, imp.id, {
      rowsDone: state.done + batch.length,
      createdCount: current.createdCount + count('created'),
      updatedCount: current.updatedCount + count('updated') + count('unchanged'),
      skippedCount: current.skippedCount + count('skipped'),
      failedCount: current.failedCount + count('failed'),
      updatedAt: caller.ctx.clock.now(),
    });
    return false;
  });
  if (stopped) throw new StopPass();
  state.done += batch.length;
}

type Decided =
  | (Outcome & { outcome: 'failed' | 'skipped' })
  | { row: number; outcome: 'create'; login: string | null; input: NewUserInput }
  | {
      row: number;
      outcome: 'update';
      login: string | null;
      userId: string;
      body: UpdateUserBody;
      roleIds: string[];
      groupIds: string[];
    };

/** Everything that can be known about each row without writing: what it would do, or why not. */
async function decideBatch(
  tx: Tx,
  caller: Caller,
  columnCount: number,
  options: ImportOptions,
  batch: Array<{ row: number; record: string[] }>,
  state: PassState,
): Promise<Array<Decided | null>> {
  const tenantId = caller.ctx.tenantId;
  const existing = options.existing ?? 'fail';
  const matchBy = options.matchBy ?? 'email';
  // the file's width as inspected: a row with more fields has a stray delimiter in it
  const width = columnCount;
  const parsed = batch.map(({ row, record }) => {
    if (isBlank(record)) return null;
    const candidate = rowToCandidate(record, options);
    const problems = [...candidate.problems];
    const extra = record.slice(width).some((f) => f.trim() !== '');
    if (extra && record.length > width) problems.push(RowErrors.extraColumns(record.length, width));
    for (const field of ['email', 'username', ...(matchBy === 'employeeId' ? ['employeeId'] : [])] as const) {
      const value = lower(candidate.profile[field as 'email']);
      const rows = value ? state.dupes.get(`${field}\u0000${value}`) : undefined;
      if (rows)
        problems.push(
          RowErrors.duplicateInFile(
            field,
            String(candidate.profile[field as 'email']),
            rows.filter((r) => r !== row),
          ),
        );
    }
    return { row, login: candidate.login, candidate, problems };
  });
  const live = parsed.filter((p) => p !== null && p.problems.length === 0);
  const users = await repo.findUsersByKeys(tx, tenantId, {
    emails: live.map((p) => lower(p!.candidate.profile.email)).filter(Boolean),
    usernames: live.map((p) => lower(p!.candidate.profile.username)).filter(Boolean),
    employeeIds:
      matchBy === 'employeeId' ? live.map((p) => lower(p!.candidate.profile.employeeId)).filter(Boolean) : [],
  });
  const byEmail = new Map(users.filter((u) => u.email).map((u) => [lower(u.email), u]));
  const byUsername = new Map(users.filter((u) => u.username).map((u) => [lower(u.username), u]));
  const byEmployeeId = new Map(users.filter((u) => u.employeeId).map((u) => [lower(u.employeeId), u]));
  const keyIndex = { email: byEmail, username: byUsername, employeeId: byEmployeeId }[matchBy];

  const out: Array<Decided | null> = [];
  for (const p of parsed) {
    if (!p) {
      out.push(null);
      continue;
    }
    const c = p.candidate;
    // a row that cannot be read as one user (bad cells, a stray delimiter, a key twice in the file)
    // is not matched against the tenant, but its content is still checked: the report lists it all
    const readable = p.problems.length === 0;
    const problems: RowProblem[] = [...p.problems];
    const fail = (): Decided => ({
      row: p.row,
      outcome: 'failed',
      login: p.login,
      error: rowFailure(problems),
    });
    const match = existing === 'fail' || !readable ? undefined : keyIndex.get(lower(c.profile[matchBy]));
    if (match && existing === 'skip') {
      out.push({ row: p.row, outcome: 'skipped', login: p.login, userId: match.id });
      continue;
    }
    const grants = resolveNames(c, state.names);
    problems.push(...grants.problems);
    if (match) {
      problems.push(...checkCandidateForUpdate(c));
      if (problems.length) {
        out.push(fail());
        continue;
      }
      // the key finds the user and is not changed by the row (not even its letter case)
      const body = Object.fromEntries(
        [...c.present]
          .filter((f) => f !== matchBy)
          .map((f) => [f, (c.profile as Record<string, unknown>)[f]]),
      );
      out.push({
        row: p.row,
        outcome: 'update',
        login: p.login,
        userId: match.id,
        body: body as UpdateUserBody,
        roleIds: grants.roleIds,
        groupIds: grants.groupIds,
      });
      continue;
    }
    problems.push(...checkCandidateForCreate(c));
    if (readable) {
      const takenEmail = c.profile.email ? byEmail.get(lower(c.profile.email)) : undefined;
      if (takenEmail) problems.push(UserErrors.emailTaken(c.profile.email!));
      const takenUsername = c.profile.username ? byUsername.get(lower(c.profile.username)) : undefined;
      if (takenUsername) problems.push(UserErrors.usernameTaken(c.profile.username!));
    }
    if (grants.problems.length) {
      out.push(fail());
      continue;
    }
    const kind = c.profile.kind ?? 'internal';
    const roleIds = [...new Set([...(options.defaults?.roleIds ?? []), ...grants.roleIds])].sort();
    const groupIds = [...new Set([...(options.defaults?.groupIds ?? []), ...grants.groupIds])].sort();
    const key = `${kind}|${roleIds.join(',')}|${groupIds.join(',')}`;
    let access = state.access.get(key);
    if (!access) {
      try {
        access = await resolveNewUserAccess(tx, caller, { kind, roleIds, groupIds });
      } catch (error) {
        if (!isAppError(error)) throw error;
        access = error;
      }
      state.access.set(key, access);
    }
    if (isAppError(access)) problems.push(access);
    if (problems.length || isAppError(access)) {
      out.push(fail());
      continue;
    }
    out.push({
      row: p.row,
      outcome: 'create',
      login: p.login,
      input: { profile: c.profile, passwordHash: null, access },
    });
  }
  return out;
}

/** Names in the roles/groups columns to ids; each kind of name that matches nothing is a problem of the row. */
function resolveNames(
  c: RowCandidate,
  names: Names,
): { roleIds: string[]; groupIds: string[]; problems: AppError[] } {
  const roleIds: string[] = [];
  const groupIds: string[] = [];
  const problems: AppError[] = [];
  const unknownRoles = c.roleNames.filter((n) => !names.roles.has(n.toLowerCase()));
  if (unknownRoles.length) problems.push(RowErrors.unknownRoles(unknownRoles));
  const unknownGroups = c.groupNames.filter((n) => !names.groups.has(n.toLowerCase()));
  if (unknownGroups.length) problems.push(RowErrors.unknownGroups(unknownGroups));
  const unknownEither = c.eitherNames.filter(
    (n) => !names.roles.has(n.toLowerCase()) && !names.groups.has(n.toLowerCase()),
  );
  if (unknownEither.length) problems.push(RowErrors.unknownRoleOrGroup(unknownEither));
  for (const n of [...c.roleNames, ...c.eitherNames]) {
    const id = names.roles.get(n.toLowerCase());
    if (id) roleIds.push(id);
  }
  for (const n of [...c.groupNames, ...c.eitherNames]) {
    const id = names.groups.get(n.toLowerCase());
    if (id) groupIds.push(id);
  }
  return { roleIds: [...new Set(roleIds)], groupIds: [...new Set(groupIds)], problems };
}

/** Runs `fn` so that its failure undoes only its own writes, not the batch's. */
async function inSavepoint<T>(tx: Tx, fn: () => Promise<T>): Promise<T | AppError> {
  await sql`savepoint import_row`.execute(tx);
  try {
    const value = await fn();
    await sql`release savepoint import_row`.execute(tx);
    return value;
  } catch (error) {
    await sql`rollback to savepoint import_row`.execute(tx);
    if (isAppError(error)) return error;
    throw error;
  }
}

async function applyUpdate(tx: Tx, caller: Caller, d: Extract<Decided, { outcome: 'update' }>) {
  let changed = false;
  if (Object.keys(d.body).length > 0) changed = (await updateUserInTx(tx, caller, d.userId, d.body)).changed;
  if (d.roleIds.length)
    changed = (await changeUserRolesInTx(tx, caller, d.userId, 'add', d.roleIds)).changed || changed;
  if (d.groupIds.length)
    changed = (await changeUserGroupsInTx(tx, caller, d.userId, 'add', d.groupIds)).changed || changed;
  return changed;
}

/**
 * The run: new users in one multi-row write (row by row when one of them collides), updates one by
 * one; then, when asked, the welcome emails of the new users with an address, in the same commit.
 */
async function writeBatch(
  platform: Platform,
  tx: Tx,
  caller: Caller,
  options: ImportOptions,
  decided: Array<Decided | null>,
): Promise<Outcome[]> {
  const results: Outcome[] = [];
  const created: UserRow[] = [];
  const creates = decided.filter(
    (d): d is Extract<Decided, { outcome: 'create' }> => d?.outcome === 'create',
  );
  if (creates.length) {
    const together = await inSavepoint(tx, () =>
      insertNewUsersInTx(
        tx,
        caller,
        creates.map((c) => c.input),
      ),
    );
    if (!isAppError(together)) {
      created.push(...together);
      for (const [i, u] of together.entries())
        results.push({ row: creates[i]!.row, outcome: 'created', login: creates[i]!.login, userId: u.id });
    } else {
      // someone took an email or username since the check: find out which rows, one at a time
      for (const c of creates) {
        const one = await inSavepoint(tx, () => insertNewUsersInTx(tx, caller, [c.input]));
        if (!isAppError(one)) created.push(...one);
        results.push(
          isAppError(one)
            ? { row: c.row, outcome: 'failed', login: c.login, error: rowFailure([one]) }
            : { row: c.row, outcome: 'created', login: c.login, userId: one[0]!.id },
        );
      }
    }
  }
  for (const d of decided) {
    if (!d || d.outcome === 'create') continue;
    if (d.outcome === 'update') {
      const changed = await inSavepoint(tx, () => applyUpdate(tx, caller, d));
      results.push(
        isAppError(changed)
          ? { row: d.row, outcome: 'failed', login: d.login, userId: d.userId, error: rowFailure([changed]) }
          : { row: d.row, outcome: changed ? 'updated' : 'unchanged', login: d.login, userId: d.userId },
      );
    } else results.push(d);
  }
  if ((options.welcome ?? 'none') === 'set_password_link')
    await sendWelcomeLinksInTx(
      platform,
      tx,
      caller.ctx,
      created.flatMap((u) => (u.email ? [{ ...u, email: u.email }] : [])),
    );
  return results.sort((a, b) => a.row - b.row);
}

/** The dry run: what the run would do. Updates are tried and rolled back, so their rules answer exactly. */
async function simulateBatch(tx: Tx, caller: Caller, decided: Array<Decided | null>): Promise<Outcome[]> {
  const results: Outcome[] = [];
  for (const d of decided) {
    if (!d) continue;
    if (d.outcome === 'create') results.push({ row: d.row, outcome: 'created', login: d.login });
    else if (d.outcome === 'update') {
      const outcome = await inSavepoint(tx, async () => {
        const changed = await applyUpdate(tx, caller, d);
        throw new DryRunUndo(changed);
      }).catch((e) => e);
      if (outcome instanceof DryRunUndo)
        results.push({
          row: d.row,
          outcome: outcome.changed ? 'updated' : 'unchanged',
          login: d.login,
          userId: d.userId,
        });
      else
        results.push({
          row: d.row,
          outcome: 'failed',
          login: d.login,
          userId: d.userId,
          error: rowFailure([outcome as AppError]),
        });
    } else results.push(d);
  }
  return results;
}

class DryRunUndo extends Error {
  readonly changed: boolean;
  constructor(changed: boolean) {
    super('dry run');
    this.changed = changed;
  }
}

// ---------------------------------------------------------------- the end of a pass

async function finish(
  platform: Platform,
  imp: repo.ImportRow,
  phase: ImportPhase,
  status: 'validated' | 'completed' | 'failed',
  error: AppError | { code: string; message: string } | null,
  caller?: Caller,
) {
  await withTenantTx(platform.db, imp.tenantId, async (tx) => {
    const current = await repo.findImport(tx, imp.tenantId, imp.id, { forUpdate: true });
    if (!current || (current.status !== 'validating' && current.status !== 'running')) return;
    const ctx: Ctx = caller?.ctx ?? {
      tenantId: imp.tenantId,
      actor: { type: 'system', label: 'Rollcall import' },
      clock: platform.clock,
    };
    await finishInTx(tx, ctx, current, phase, status, error);
  });
}

async function finishInTx(
  tx: Tx,
  ctx: Ctx,
  imp: repo.ImportRow,
  phase: ImportPhase,
  status: 'uploaded' | 'validated' | 'completed' | 'failed' | 'cancelled',
  error: AppError | { code: string; message: string } | null,
) {
  const now = ctx.clock.now();
  await repo.updateImport(tx, imp.tenantId, imp.id, {
    status,
    finishedAt: now,
    updatedAt: now,
    cancelRequested: false,
    error: error ? JSON.stringify({ code: error.code, message: error.message }) : null,
  });
  if (phase !== 'run') return;
  // the file is not needed once the import is over; the report stays
  await repo.deleteChunks(tx, imp.tenantId, imp.id);
  await recordAudit(tx, ctx, {
    action: `import.${status}`,
    target: { type: 'import', id: imp.id, label: imp.fileName },
    after: {
      rows: imp.rowsTotal,
      processed: imp.rowsDone,
      created: imp.createdCount,
      updated: imp.updatedCount,
      skipped: imp.skippedCount,
      failed: imp.failedCount,
      existing: (imp.options as ImportOptions).existing ?? 'fail',
      welcome: (imp.options as ImportOptions).welcome ?? 'none',
      ...(error ? { error: error.code } : {}),
    },
  });
}
