import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { CONSOLE_DIR } from '../../src/app.ts';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../../src/platform/embedded-postgres.ts';
import { Jobs } from '../../src/platform/jobs.ts';
import { migrate } from '../../src/platform/migrate.ts';
import { buildConsoleIfMissing } from '../../src/server.ts';

/**
 * One PostgreSQL for the whole run (embedded, or DATABASE_URL), one migrated template database, and
 * every test file clones the template: a fresh, fully migrated database in a fraction of a second.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

let embedded: EmbeddedDatabase | null = null;
let dataDir: string | null = null;

const WEB_SRC = path.resolve(CONSOLE_DIR, '../../web');

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds the console once per run, and again when its sources are newer than the build. */
async function ensureConsoleBuilt(): Promise<void> {
  const index = path.join(CONSOLE_DIR, 'index.html');
  if (existsSync(index) && (await newestMtime(WEB_SRC)) > statSync(index).mtimeMs) {
    await rm(CONSOLE_DIR, { recursive: true, force: true });
  }
  await buildConsoleIfMissing(() => {});
}

export async function setup(project: TestProject) {
  await ensureConsoleBuilt();
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'rollcall-test-pg-'));
    embedded = await startEmbeddedPostgres(dataDir, { database: 'postgres' });
    adminUrl = embedded.connectionString;
  }
  const template = `rollcall_test_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${template}"`);
    await admin.query(`create database "${template}"`);
  } finally {
    await admin.end();
  }
  const templateUrl = withDatabase(adminUrl, template);
  await migrate(templateUrl);
  // install pg-boss's schema once in the template too
  const jobs = new Jobs(templateUrl, () => {});
  await jobs.start();
  await jobs.stop();
  await jobs.boss.stop({ close: true, graceful: false }).catch(() => {});
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('templateDatabase', template);

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      const rows = await client.query<{ datname: string }>(
        `select datname from pg_database where datname like 'rollcall_test_%'`,
      );
      for (const { datname } of rows.rows) {
        await client.query(`drop database if exists "${datname}" with (force)`).catch(() => {});
      }
    } finally {
      await client.end();
    }
    await embedded?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
