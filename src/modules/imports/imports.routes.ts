import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { AppError, PlatformErrors } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import { TenantParams, withProblems } from '../../platform/schemas.ts';
import { callerOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import { ListUsersQuery } from '../users/users.schemas.ts';
import { exportUsers, parseExportColumns } from './imports.export.ts';
import {
  EXPORT_COLUMNS,
  ImportOptions,
  ImportPage,
  ImportParams,
  ImportSchema,
  RowPage,
  RowsQuery,
  UploadQuery,
} from './imports.schemas.ts';
import * as imports from './imports.service.ts';

const CSV_TYPES = ['text/csv', 'application/csv', 'text/plain'];

export const importRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const preHandler = tenantScopeHook(platform);
  const base = '/api/v1/tenants/:tenantId/imports';
  const tags = ['imports'];

  // Only these routes take CSV, and they take it as a stream: the file goes to the database chunk by
  // chunk, past the 1 MB limit on JSON bodies, never whole in memory.
  app.addContentTypeParser(CSV_TYPES, (_request, payload, done) => done(null, payload));

  app.post(
    base,
    {
      preHandler,
      config: { permission: 'imports.run' },
      schema: {
        tags,
        summary:
          'Upload a CSV file (UTF-8, with or without BOM; comma, semicolon, tab or pipe detected) and get its columns and first rows',
        description: `Send the file as the request body with \`Content-Type: text/csv\`. Up to ${platform.config.importMaxMb} MB (ROLLCALL_IMPORT_MAX_MB).`,
        params: TenantParams,
        querystring: UploadQuery,
        consumes: CSV_TYPES,
        response: withProblems({ 201: ImportSchema }, 413, 415),
      },
    },
    async (request, reply) => {
      // a JSON body reaches here already parsed: only the CSV types arrive as a stream
      if (!(request.body instanceof Readable))
        throw PlatformErrors.unsupportedMediaType(request.headers['content-type'] ?? '');
      return reply.status(201).send(
        await imports.uploadImport(platform, callerOf(request), {
          body: request.body as AsyncIterable<Buffer>,
          fileName: request.query.fileName,
          delimiter: request.query.delimiter,
        }),
      );
    },
  );

  app.get(
    base,
    {
      preHandler,
      config: { permission: 'imports.run' },
      schema: {
        tags,
        summary: 'The tenant’s recent imports',
        params: TenantParams,
        response: withProblems({ 200: ImportPage }),
      },
    },
    async (request) => imports.listImports(platform, callerOf(request)),
  );

  app.get(
    `${base}/:importId`,
    {
      preHandler,
      config: { permission: 'imports.run' },
      schema: {
        tags,
        summary: 'An import: its columns and preview, status and progress (rows done of total)',
        params: ImportParams,
        response: withProblems({ 200: ImportSchema }),
      },
    },
    async (request) => imports.getImport(platform, callerOf(request), request.params.importId),
  );

  for (const [path, phase, summary] of [
    ['dry-run', 'dry_run', 'Check every row against the mapping and the user rules without writing anything'],
    [
      'run',
      'run',
      'Import the rows in batches as a job (each row whole or not at all); poll the import for progress',
    ],
  ] as const) {
    app.post(
      `${base}/:importId/${path}`,
      {
        preHandler,
        config: { permission: 'imports.run' },
        schema: {
          tags,
          summary,
          params: ImportParams,
          body: ImportOptions,
          response: withProblems({ 202: ImportSchema }),
        },
      },
      async (request, reply) =>
        reply
          .status(202)
          .send(
            await imports.startPass(
              platform,
              callerOf(request),
              request.params.importId,
              phase,
              request.body,
            ),
          ),
    );
  }

  app.post(
    `${base}/:importId/cancel`,
    {
      preHandler,
      config: { permission: 'imports.run' },
      schema: {
        tags,
        summary: 'Stop a running pass after its current batch, or discard an upload that is not running',
        params: ImportParams,
        response: withProblems({ 200: ImportSchema }),
      },
    },
    async (request) => imports.cancelImport(platform, callerOf(request), request.params.importId),
  );

  app.get(
    `${base}/:importId/rows`,
    {
      preHandler,
      config: { permission: 'imports.run' },
      schema: {
        tags,
        summary: 'Per-row results (the dry run’s failures, or every row of the run), by row number',
        params: ImportParams,
        querystring: RowsQuery,
        response: withProblems({ 200: RowPage }),
      },
    },
    async (request) =>
      imports.listRowResults(platform, callerOf(request), request.params.importId, request.query),
  );

  app.get(
    `${base}/:importId/report`,
    {
      preHandler,
      config: { permission: 'imports.run' },
      schema: {
        tags,
        summary: 'The per-row report as CSV: row, outcome, user id, login, code, reason',
        params: ImportParams,
        querystring: Type.Object(
          { phase: Type.Optional(Type.Union([Type.Literal('dry_run'), Type.Literal('run')])) },
          { additionalProperties: false },
        ),
        produces: ['text/csv'],
        response: withProblems({ 200: Type.String({ description: 'CSV' }) }),
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const fileName = await imports.reportFileName(platform, caller, request.params.importId);
      const rows = imports.reportCsvRows(platform, caller, request.params.importId, request.query.phase);
      return sendCsv(reply, fileName, rows);
    },
  );

  app.get(
    '/api/v1/tenants/:tenantId/users/export',
    {
      preHandler,
      config: { permission: 'imports.run' },
      schema: {
        tags: ['users', 'imports'],
        summary: 'Export the users list as CSV, with the list’s filters and sort and the columns you pick',
        params: TenantParams,
        querystring: Type.Object(
          {
            ...Type.Omit(ListUsersQuery, ['limit', 'cursor']).properties,
            columns: Type.Optional(
              Type.String({
                maxLength: 1000,
                description: `Comma-separated, in order; any of ${EXPORT_COLUMNS.join(', ')}`,
              }),
            ),
          },
          { additionalProperties: false },
        ),
        produces: ['text/csv'],
        response: withProblems({ 200: Type.String({ description: 'CSV' }) }),
      },
    },
    async (request, reply) => {
      const { columns: asked, ...query } = request.query;
      const columns = parseExportColumns(asked);
      if (!columns)
        throw new AppError(
          'invalid',
          'export.unknown_column',
          `Columns are any of: ${EXPORT_COLUMNS.join(', ')}.`,
          {
            errors: [{ field: 'querystring/columns', message: 'names an unknown column' }],
          },
        );
      const rows = exportUsers(platform, callerOf(request), query, columns);
      const day = platform.clock.now().toISOString().slice(0, 10);
      return sendCsv(reply, `users-${day}.csv`, rows);
    },
  );
};

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a leading tab or carriage
 * return) is written with a leading apostrophe: anyone can type `=HYPERLINK(…)` as their own name,
 * and the administrator who opens the export must not run it (OWASP's CSV injection advice).
 */
export function spreadsheetSafe(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/**
 * Streams rows as CSV. The first row is read before anything is sent, so a refusal found then
 * (a missing import) is still a problem+json answer.
 */
async function sendCsv(reply: FastifyReply, fileName: string, rows: AsyncGenerator<string[]>) {
  const first = await rows.next();
  async function* all() {
    if (!first.done) yield first.value.map(spreadsheetSafe);
    for await (const row of rows) yield row.map(spreadsheetSafe);
  }
  const csv = Readable.from(all()).pipe(stringify({ bom: true, record_delimiter: '\r\n' }));
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${fileName.replace(/[^\w.-]+/g, '_')}"`)
    .header('cache-control', 'no-store')
    .send(csv);
}
