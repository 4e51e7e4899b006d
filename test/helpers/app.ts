import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { inject } from 'vitest';
import { TestClock } from '../../src/platform/clock.ts';
import { type Config, loadConfig } from '../../src/platform/config.ts';
import type { Jobs } from '../../src/platform/jobs.ts';
import { type Rollcall, startRollcall } from '../../src/server.ts';
import { withDatabase } from './global-setup.ts';

export const ADMIN_EMAIL = 'ada.admin@msp.test';
export const ADMIN_PASSWORD = 'Correct-Horse-Battery-9!';
export const PROVIDER_SLUG = 'msp';

/** A fresh database cloned from the migrated template. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = inject('adminDatabaseUrl');
  const template = inject('templateDatabase');
  const name = `rollcall_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}" template "${template}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`).catch(() => {});
      await c.end();
    },
  };
}

export interface TestApp {
  rollcall: Rollcall;
  app: FastifyInstance;
  clock: TestClock;
  databaseUrl: string;
  /** A client signed in as the bootstrap Super Admin of the provider. */
  admin: TestClient;
  providerId: string;
  /** A query as the database owner (no RLS): for fixtures and tampering. */
  ownerQuery<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  listen?: boolean;
  defineJobs?: (jobs: Jobs) => void;
  databaseUrl?: string;
  keepDatabase?: boolean;
  clock?: TestClock;
}

export function testConfig(databaseUrl: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    ROLLCALL_ADMIN_EMAIL: ADMIN_EMAIL,
    ROLLCALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ROLLCALL_PROVIDER_SLUG: PROVIDER_SLUG,
    PORT: '0',
    // one test file signs in far more often than a person could; the limit has its own test
    ROLLCALL_AUTH_RATE_LIMIT: '10000',
    // the tests' webhook receivers listen on loopback, a range production refuses by default
    ROLLCALL_WEBHOOK_ALLOW_CIDRS: '127.0.0.0/8',
    ...env,
  });
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.databaseUrl
    ? { url: options.databaseUrl, drop: async () => {} }
    : await createTestDatabase();
  const clock = options.clock ?? new TestClock(new Date());
  const rollcall = await startRollcall(testConfig(database.url, options.env), {
    clock,
    listen: options.listen ?? false,
    logger: false,
    // the global setup built the console once for the whole run
    skipConsoleBuild: true,
    defineJobs: options.defineJobs,
  });
  const owner = new pg.Pool({ connectionString: database.url, max: 2 });
  const admin = new TestClient(rollcall.app);
  await admin.login(PROVIDER_SLUG, ADMIN_EMAIL, ADMIN_PASSWORD);
  const me = await admin.get('/api/v1/me');
  return {
    rollcall,
    app: rollcall.app,
    clock,
    databaseUrl: database.url,
    admin,
    providerId: me.json().tenant.id,
    ownerQuery: (text, values) => owner.query(text, values as unknown[]),
    close: async () => {
      await owner.end();
      await rollcall.stop();
      if (!options.keepDatabase) await database.drop();
    },
  };
}

/** Drives the API like the console does: session cookie plus the double-submit CSRF header. */
export class TestClient {
  private cookies = new Map<string, string>();
  bearer: string | null = null;
  private readonly app: FastifyInstance;
  constructor(app: FastifyInstance) {
    this.app = app;
  }

  static withToken(app: FastifyInstance, token: string): TestClient {
    const client = new TestClient(app);
    client.bearer = token;
    return client;
  }

  async login(tenant: string, login: string, password: string): Promise<LightMyRequestResponse> {
    const res = await this.request({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant, login, password },
    });
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    return res;
  }

  get csrf(): string | undefined {
    return this.cookies.get('rollcall_csrf');
  }

  async request(opts: InjectOptions & { csrf?: boolean }): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string>) };
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    const method = (opts.method ?? 'GET').toUpperCase();
    if (
      opts.csrf !== false &&
      this.csrf &&
      !['GET', 'HEAD'].includes(method) &&
      !('x-csrf-token' in headers)
    ) {
      headers['x-csrf-token'] = this.csrf;
    }
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    const res = await this.app.inject({ ...opts, headers });
    for (const c of res.cookies as Array<{ name: string; value: string; expires?: Date; maxAge?: number }>) {
      const expired = (c.expires && c.expires.getTime() < Date.now()) || c.maxAge === 0 || c.value === '';
      if (expired) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request({ method: 'GET', url, headers });
  }
  post(url: string, payload?: unknown, headers?: Record<string, string>) {
    return this.request({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers });
  }
  patch(url: string, payload?: unknown, headers?: Record<string, string>) {
    return this.request({ method: 'PATCH', url, payload: payload as InjectOptions['payload'], headers });
  }
  put(url: string, payload?: unknown, headers?: Record<string, string>) {
    return this.request({ method: 'PUT', url, payload: payload as InjectOptions['payload'], headers });
  }
  delete(url: string, headers?: Record<string, string>) {
    return this.request({ method: 'DELETE', url, headers });
  }
}
