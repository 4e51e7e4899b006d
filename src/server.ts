import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp, CONSOLE_DIR } from './app.ts';
import { type BootstrapResult, bootstrap } from './bootstrap.ts';
import { type FlowEngine, registerFlowEngine } from './modules/flows/engine.ts';
import { registerImportJobs } from './modules/imports/imports.jobs.ts';
import { registerOwnershipJobs } from './modules/ownership/ownership.jobs.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import { createDb, type DbHandle } from './platform/db.ts';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './platform/embedded-postgres.ts';
import { registerPlatformJobs } from './platform/jobs.registry.ts';
import { Jobs } from './platform/jobs.ts';
import { registerMailJob } from './platform/mail.ts';
import { migrate } from './platform/migrate.ts';
import { allowOutboundTo } from './platform/outbound.ts';
import type { Platform } from './platform/platform.ts';
import { loadInstallationSecret } from './platform/secrets.ts';
import { registerWebhookJob } from './platform/webhooks.ts';

export interface Rollcall {
  app: FastifyInstance;
  platform: Platform;
  bootstrap: BootstrapResult;
  /** Set once listening. */
  url: string | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  listen?: boolean;
  logger?: boolean | object;
  /** Skip building the console when it is missing (API-only tests). */
  skipConsoleBuild?: boolean;
  /** Register extra jobs before the queues start (tests). */
  defineJobs?: (jobs: Jobs) => void;
}

export async function buildConsoleIfMissing(log: (line: string) => void): Promise<void> {
  if (existsSync(path.join(CONSOLE_DIR, 'index.html'))) return;
  log('Building the console (first start)…');
  const { build } = await import('vite');
  await build({ configFile: path.resolve(CONSOLE_DIR, '../../web/vite.config.ts'), logLevel: 'warn' });
}

/**
 * Brings up everything one process runs: the database (embedded unless DATABASE_URL), migrations,
 * the job queue, the first provider and admin, and the HTTP server. `stop()` undoes it in reverse,
 * letting running jobs finish.
 */
export async function startRollcall(config: Config, options: StartOptions = {}): Promise<Rollcall> {
  const log = pino({ level: config.logLevel });
  let embedded: EmbeddedDatabase | null = null;
  let connectionString = config.databaseUrl;
  if (!connectionString) {
    log.info({ dataDir: config.dataDir }, 'starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres(config.dataDir, { log: (line) => log.debug(line) });
    connectionString = embedded.connectionString;
  }
  let handle: DbHandle | null = null;
  let jobs: Jobs | null = null;
  let app: FastifyInstance | null = null;
  let closeMail: (() => void) | null = null;
  let flowEngine: FlowEngine | null = null;
  const stop = async () => {
    await app?.close().catch(() => {});
    await flowEngine?.stop().catch(() => {});
    await jobs?.stop().catch(() => {});
    closeMail?.();
    await handle?.close().catch(() => {});
    await embedded?.stop().catch(() => {});
  };
  try {
    const migrated = await migrate(connectionString);
    if (migrated.applied.length > 0) log.info({ applied: migrated.applied }, 'migrations applied');
    handle = createDb(connectionString);
    const secret = await loadInstallationSecret(handle.db, config.secret);
    jobs = new Jobs(connectionString, (error) => log.error({ err: error }, 'job queue error'));
    const platform: Platform = {
      db: handle.db,
      pool: handle.pool,
      jobs,
      clock: options.clock ?? systemClock,
      config,
      secret,
      log,
      baseUrl: config.publicUrl ?? `http://localhost:${config.port}`,
    };
    registerPlatformJobs(platform);
    closeMail = registerMailJob(platform);
    allowOutboundTo(config.webhookAllowCidrs);
    registerImportJobs(platform);
    registerWebhookJob(platform);
    registerOwnershipJobs(platform);
    flowEngine = registerFlowEngine(platform);
    options.defineJobs?.(jobs);
    await jobs.start();
    await grantJobQueueAccess(connectionString);
    if (config.role !== 'http') {
      await jobs.work();
      await flowEngine.start();
    }
    const boot = await bootstrap(platform);
    if (!options.skipConsoleBuild) {
      await buildConsoleIfMissing((line) => log.info(line)).catch((error: Error) =>
        log.error(`The console could not be built (${error.message}); the API is served without it.`),
      );
    }
    app = await buildApp(platform, { logger: options.logger ?? { level: config.logLevel } });
    let url: string | null = null;
    if (options.listen !== false && config.role !== 'worker') {
      const address = await app.listen({ port: config.port, host: config.host });
      url = config.publicUrl ?? address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
      platform.baseUrl = url;
    } else {
      await app.ready();
    }
    return { app, platform, bootstrap: boot, url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Jobs are enqueued inside tenant transactions, which run as the application role; it may add
 * jobs and read queue settings, never drop or rewrite the queue.
 */
async function grantJobQueueAccess(connectionString: string): Promise<void> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    // GRANTs on the same objects from two starting processes collide ("tuple concurrently
    // updated"), so they take turns.
    await client.query(`
      begin;
      select pg_advisory_xact_lock(7120604003);
      grant usage on schema pgboss to rollcall_app;
      grant select, insert, update on all tables in schema pgboss to rollcall_app;
      grant execute on all functions in schema pgboss to rollcall_app;
      alter default privileges in schema pgboss grant select, insert, update on tables to rollcall_app;
      commit;`);
  } finally {
    await client.end();
  }
}
