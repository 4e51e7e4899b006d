import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { loadConfig } from '../src/platform/config.ts';
import { startEmbeddedPostgres } from '../src/platform/embedded-postgres.ts';
import { startRollcall } from '../src/server.ts';
import { TestClient } from '../test/helpers/app.ts';

/**
 * Shared pieces for benchmarks: a PostgreSQL (embedded in a temporary directory, or DATABASE_URL),
 * fresh databases on it, and an autocannon run summarised as rps and latency percentiles.
 */
export interface BenchDatabase {
  adminUrl: string;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function benchDatabase(): Promise<BenchDatabase> {
  let adminUrl = process.env.DATABASE_URL ?? null;
  let stopEmbedded: (() => Promise<void>) | null = null;
  let dir: string | null = null;
  if (!adminUrl) {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rollcall-bench-'));
    const embedded = await startEmbeddedPostgres(dir, { database: 'postgres' });
    adminUrl = embedded.connectionString;
    stopEmbedded = embedded.stop;
  }
  const created: string[] = [];
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl! });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    adminUrl,
    createDatabase: async (name) => {
      await admin(`drop database if exists "${name}" with (force)`);
      await admin(`create database "${name}"`);
      created.push(name);
      const u = new URL(adminUrl!);
      u.pathname = `/${name}`;
      return u.toString();
    },
    stop: async () => {
      for (const name of created)
        await admin(`drop database if exists "${name}" with (force)`).catch(() => {});
      await stopEmbedded?.();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export async function load(
  url: string,
  options: { headers?: Record<string, string>; duration?: number; connections?: number } = {},
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    headers: options.headers,
    duration: options.duration ?? 10,
    connections: options.connections ?? 10,
    pipelining: 1,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const fmt = (n: number, digits = 1) => n.toFixed(digits);

export const BENCH_ADMIN = { tenant: 'msp', email: 'bench@msp.test', password: 'Bench-Password-123!' };

/**
 * Rollcall in this process on a fresh database of its own (no console build, no listening socket),
 * with its first admin signed in: how the benches drive the real API. `env` adds configuration.
 */
export async function benchRollcall(db: BenchDatabase, name: string, env: Record<string, string> = {}) {
  const url = await db.createDatabase(name);
  const rollcall = await startRollcall(
    loadConfig({
      DATABASE_URL: url,
      LOG_LEVEL: 'silent',
      ROLLCALL_ADMIN_EMAIL: BENCH_ADMIN.email,
      ROLLCALL_ADMIN_PASSWORD: BENCH_ADMIN.password,
      ...env,
    }),
    { logger: false, skipConsoleBuild: true, listen: false },
  );
  const admin = new TestClient(rollcall.app);
  await admin.login(BENCH_ADMIN.tenant, BENCH_ADMIN.email, BENCH_ADMIN.password);
  return { url, rollcall, admin };
}
