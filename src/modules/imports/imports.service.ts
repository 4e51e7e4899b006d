import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import type { Actor, Ctx } from '../../platform/context.ts';
import { withTenantTx } from '../../platform/db.ts';
import type { ImportPhase } from '../../platform/db-schema.ts';
import type { Platform } from '../../platform/platform.ts';
import { authorize } from '../access/authorize.ts';
import type { Caller } from '../users/users.service.ts';
import { resolveNewUserAccess } from '../users/users.service.ts';
import {
  csvRecords,
  type Delimiter,
  detectDelimiter,
  isBlank,
  MAX_COLUMNS,
  peek,
  utf8Text,
} from './imports.csv.ts';
import { ImportErrors, type RowProblem } from './imports.errors.ts';
import * as repo from './imports.repository.ts';
import { checkMapping, looksLikeHeader, suggestField } from './imports.rows.ts';
import type { ImportOptions, RowsQuery } from './imports.schemas.ts';

/**
 * CSV imports (issue 8): upload a file, look at its columns, map them, check every row in a dry run,
 * then import in batches as a durable job. The file is stored in the database in chunks as it
 * arrives, so nothing holds it in memory and the job can read it from any process, after a restart.
 */
const CHUNK_BYTES = 1_048_576;
const PREVIEW_ROWS = 10;
export const IMPORT_JOB = 'imports.process';

export function importView(row: repo.ImportRow) {
  const preview = row.preview as string[][];
  const first = preview[0] ?? [];
  const header = looksLikeHeader(first, preview.slice(1));
  const actor = row.actor as { userId?: string; label?: string };
  return {
    id: row.id,
    tenantId: row.tenantId,
    fileName: row.fileName,
    bytes: Number(row.bytes),
    hasBom: row.hasBom,
    delimiter: row.delimiter,
    recordCount: row.recordCount,
    columnCount: row.columnCount,
    columns: Array.from({ length: row.columnCount }, (_, index) => ({
      index,
      header: first[index] ?? '',
      samples: preview
        .slice(header ? 1 : 0, header ? 4 : 3)
        .map((r) => r[index] ?? '')
        .filter((v) => v !== ''),
      suggestedField: header ? suggestField(first[index] ?? '') : null,
    })),
    preview,
    suggestedHasHeader: header,
    status: row.status,
    phase: row.phase,
    options: row.options,
    progress: {
      total: row.rowsTotal,
      done: row.rowsDone,
      created: row.createdCount,
      updated: row.updatedCount,
      skipped: row.skippedCount,
      failed: row.failedCount,
    },
    cancelRequested: row.cancelRequested,
    error: row.error,
    createdBy: { id: row.createdBy, label: actor.label ?? '' },
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

function authorizeImport(caller: Caller, options?: ImportOptions) {
  authorize(caller.principal, 'imports.run');
  authorize(caller.principal, 'users.create');
  if (options?.existing === 'update') authorize(caller.principal, 'users.update');
}

// ---------------------------------------------------------------- upload and inspect

/**
 * Stores the uploaded bytes chunk by chunk while reading them as CSV to count the rows, find the
 * delimiter and keep a preview. One transaction: a broken upload leaves nothing behind.
 */
export async function uploadImport(
  platform: Platform,
  caller: Caller,
  input: { body: AsyncIterable<Buffer>; fileName?: string; delimiter?: Delimiter },
) {
  authorizeImport(caller);
  const tenantId = caller.ctx.tenantId;
  const id = uuidv7();
  const now = caller.ctx.clock.now();
  const fileName = (input.fileName ?? 'upload.csv').replace(/[\\/\r\n]+/g, '_').slice(0, 255);
  await withTenantTx(platform.db, tenantId, async (tx) => {
    await repo.insertImport(tx, {
      tenantId,
      id,
      fileName,
      bytes: 0,
      hasBom: false,
      delimiter: ',',
      recordCount: 0,
      columnCount: 0,
      preview: JSON.stringify([]),
      status: 'uploaded',
      options: null,
      phase: null,
      createdBy: caller.principal.userId,
      actor: JSON.stringify(actorOf(caller.ctx)),
      createdAt: now,
      updatedAt: now,
    });
    const maxBytes = platform.config.importMaxMb * 1_048_576;
    let bytes = 0;
    let seq = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      await repo.insertChunk(tx, tenantId, id, seq++, Buffer.concat(pending, pendingBytes));
      pending = [];
      pendingBytes = 0;
    };
    async function* stored(): AsyncGenerator<Buffer> {
      for await (const piece of input.body) {
        bytes += piece.length;
        if (bytes > maxBytes) throw ImportErrors.tooLarge(maxBytes);
        pending.push(piece);
        pendingBytes += piece.length;
        if (pendingBytes >= CHUNK_BYTES) await flush();
        yield piece;
      }
      await flush();
    }
    const check = { hasBom: false };
    const { head, rest } = await peek(utf8Text(stored(), check), 65_536);
    const delimiter = input.delimiter ?? detectDelimiter(head);
    const preview: string[][] = [];
    let records = 0;
    let nonBlank = 0;
    for await (const record of csvRecords(rest, delimiter)) {
      records++;
      if (!isBlank(record)) nonBlank++;
      if (preview.length < PREVIEW_ROWS && !isBlank(record))
        preview.push(record.map((f) => (f.length > 200 ? `${f.slice(0, 200)}…` : f)));
    }
    if (nonBlank === 0) throw ImportErrors.emptyFile();
    const columnCount = usualWidth(preview);
    if (columnCount > MAX_COLUMNS) throw ImportErrors.tooManyColumns(MAX_COLUMNS);
    await repo.updateImport(tx, tenantId, id, {
      bytes,
      hasBom: check.hasBom,
      delimiter,
      recordCount: records,
      columnCount,
      preview: JSON.stringify(preview),
    });
    await recordAudit(tx, caller.ctx, {
      action: 'import.uploaded',
      target: { type: 'import', id, label: fileName },
      after: { fileName, bytes, rows: records, delimiter },
    });
  });
  return getImport(platform, caller, id);
}

/**
 * The file's number of columns: the most common field count of the first rows (the larger on a tie),
 * so one row with a stray delimiter among them does not widen the file.
 */
function usualWidth(rows: string[][]): number {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]![0];
}

export async function getImport(platform: Platform, caller: Caller, importId: string) {
  authorize(caller.principal, 'imports.run');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const row = await repo.findImport(tx, caller.ctx.tenantId, importId);
    if (!row) throw ImportErrors.notFound();
    return importView(row);
  });
}

export async function listImports(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'imports.run');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const rows = await repo.listImports(tx, caller.ctx.tenantId, 50);
    return {
      items: rows.map((r) => {
        const { columns: _c, preview: _p, options: _o, ...summary } = importView(r);
        return summary;
      }),
    };
  });
}

// ---------------------------------------------------------------- dry run and run

/**
 * Starts a pass over the file: a dry run (every row checked, nothing written) or the import. The
 * mapping is checked now, so a wrong one is refused at once; the rows are the job's.
 */
export async function startPass(
  platform: Platform,
  caller: Caller,
  importId: string,
  phase: ImportPhase,
  options: ImportOptions,
) {
  authorizeImport(caller, options);
  const tenantId = caller.ctx.tenantId;
  await withTenantTx(platform.db, tenantId, async (tx) => {
    const row = await repo.findImport(tx, tenantId, importId, { forUpdate: true });
    if (!row) throw ImportErrors.notFound();
    if (row.status === 'validating' || row.status === 'running') throw ImportErrors.alreadyRunning(row.id);
    if (row.status !== 'uploaded' && row.status !== 'validated') throw ImportErrors.notStartable(row.status);
    checkMapping(options, row.columnCount);
    // the defaults are granted to every row: a role or group that is unknown or over the ceiling fails
    // the whole import now rather than every row later
    if (options.defaults?.roleIds?.length || options.defaults?.groupIds?.length)
      await resolveNewUserAccess(tx, caller, options.defaults);
    const active = await repo.findActiveImport(tx, tenantId);
    if (active) throw ImportErrors.alreadyRunning(active.id);
    const now = caller.ctx.clock.now();
    try {
      await sql`savepoint start_pass`.execute(tx);
      await repo.updateImport(tx, tenantId, importId, {
        status: phase === 'dry_run' ? 'validating' : 'running',
        phase,
        options: JSON.stringify(options),
        rowsTotal: row.recordCount - (options.hasHeader ? 1 : 0),
        rowsDone: 0,
        createdCount: 0,
        updatedCount: 0,
        skippedCount: 0,
        failedCount: 0,
        cancelRequested: false,
        error: null,
        actor: JSON.stringify(actorOf(caller.ctx)),
        startedAt: now,
        finishedAt: null,
        updatedAt: now,
      });
    } catch (error) {
      // another pass of this tenant started in between (one import per tenant at a time)
      if ((error as { code?: string }).code === '23505') {
        await sql`rollback to savepoint start_pass`.execute(tx);
        const other = await repo.findActiveImport(tx, tenantId);
        throw ImportErrors.alreadyRunning(other?.id ?? importId);
      }
      throw error;
    }
    await repo.deleteRows(tx, tenantId, importId, phase);
    await platform.jobs.enqueue(
      tx,
      IMPORT_JOB,
      { tenantId, importId },
      { singletonKey: `import:${importId}:${phase}:${now.getTime()}` },
    );
  });
  return getImport(platform, caller, importId);
}

/**
 * Cancels a pass (it stops after the batch it is in; the rows imported so far stay, each whole), or
 * discards an upload that is not running.
 */
export async function cancelImport(platform: Platform, caller: Caller, importId: string) {
  authorize(caller.principal, 'imports.run');
  const tenantId = caller.ctx.tenantId;
  await withTenantTx(platform.db, tenantId, async (tx) => {
    const row = await repo.findImport(tx, tenantId, importId, { forUpdate: true });
    if (!row) throw ImportErrors.notFound();
    const now = caller.ctx.clock.now();
    if (row.status === 'validating' || row.status === 'running') {
      await repo.updateImport(tx, tenantId, importId, { cancelRequested: true, updatedAt: now });
      return;
    }
    if (row.status !== 'uploaded' && row.status !== 'validated')
      throw ImportErrors.notCancellable(row.status);
    await repo.updateImport(tx, tenantId, importId, { status: 'cancelled', finishedAt: now, updatedAt: now });
    await repo.deleteChunks(tx, tenantId, importId);
    await recordAudit(tx, caller.ctx, {
      action: 'import.discarded',
      target: { type: 'import', id: importId, label: row.fileName },
    });
  });
  return getImport(platform, caller, importId);
}

// ---------------------------------------------------------------- results

/** The phase a report shows by default: the import's own rows once it ran, else the dry run's. */
function reportPhase(row: repo.ImportRow, asked?: ImportPhase): ImportPhase {
  return asked ?? (row.phase === 'run' ? 'run' : 'dry_run');
}

export async function listRowResults(platform: Platform, caller: Caller, importId: string, query: RowsQuery) {
  authorize(caller.principal, 'imports.run');
  const tenantId = caller.ctx.tenantId;
  const afterRow = query.cursor ? Number.parseInt(query.cursor, 10) : undefined;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const row = await repo.findImport(tx, tenantId, importId);
    if (!row) throw ImportErrors.notFound();
    const limit = query.limit ?? 100;
    const rows = await repo.listRows(tx, tenantId, importId, reportPhase(row, query.phase), {
      outcome: query.outcome,
      afterRow: Number.isFinite(afterRow) ? afterRow : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({
        row: r.rowNumber,
        outcome: r.outcome,
        userId: r.userId,
        login: r.login,
        code: r.code,
        message: r.message,
        problems: problemsOf(r),
      })),
      nextCursor: rows.length > limit ? String(page[page.length - 1]!.rowNumber) : null,
    };
  });
}

/** A row's problems: stored as such when it has several, else its code and message. */
function problemsOf(r: { code: string | null; message: string | null; problems: unknown }): RowProblem[] {
  if (Array.isArray(r.problems)) return r.problems as RowProblem[];
  return r.code ? [{ code: r.code, message: r.message ?? '' }] : [];
}

/**
 * The report as CSV, page by page from the database: row, outcome, user id, login, code, reason; a
 * row with several problems has their codes and their reasons each joined by "; ".
 */
export async function* reportCsvRows(
  platform: Platform,
  caller: Caller,
  importId: string,
  phase?: ImportPhase,
): AsyncGenerator<string[]> {
  authorize(caller.principal, 'imports.run');
  const tenantId = caller.ctx.tenantId;
  const row = await withTenantTx(platform.db, tenantId, (tx) => repo.findImport(tx, tenantId, importId));
  if (!row) throw ImportErrors.notFound();
  const which = reportPhase(row, phase);
  yield ['row', 'outcome', 'user_id', 'login', 'code', 'reason'];
  let after: number | undefined;
  for (;;) {
    const rows = await withTenantTx(platform.db, tenantId, (tx) =>
      repo.listRows(tx, tenantId, importId, which, { afterRow: after, limit: 5000 }),
    );
    for (const r of rows)
      yield [
        String(r.rowNumber),
        r.outcome,
        r.userId ?? '',
        r.login ?? '',
        problemsOf(r)
          .map((p) => p.code)
          .join('; '),
        r.message ?? '',
      ];
    if (rows.length < 5000) return;
    after = rows[rows.length - 1]!.rowNumber;
  }
}

export async function reportFileName(platform: Platform, caller: Caller, importId: string) {
  const row = await getImport(platform, caller, importId);
  return `${row.fileName.replace(/\.csv$/i, '')}-${row.phase === 'run' ? 'report' : 'dry-run'}.csv`;
}

// ---------------------------------------------------------------- the actor a job acts as

export type StoredActor = Actor & { requestId?: string; ip?: string; userAgent?: string };

function actorOf(ctx: Ctx): StoredActor {
  return { ...ctx.actor, requestId: ctx.requestId, ip: ctx.ip, userAgent: ctx.userAgent };
}
