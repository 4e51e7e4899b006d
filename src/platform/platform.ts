import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Db } from './db.ts';
import type { Jobs } from './jobs.ts';

/** What every module's service is built with: the shared parts, and nothing request-specific. */
export interface Platform {
  db: Db;
  /** The pool under `db`, for the few hot statements prepared by name (the principal lookup). */
  pool: pg.Pool;
  jobs: Jobs;
  clock: Clock;
  config: Config;
  /** The installation's HMAC key (CSRF tokens, later webhook signatures). */
  secret: string;
  log: FastifyBaseLogger;
  /** Where users reach the console, for links in emails: PUBLIC_URL, or the address the server listens on. */
  baseUrl: string;
}
