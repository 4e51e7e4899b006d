import { createHash } from 'node:crypto';
import { CamelCasePlugin, Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './db-schema.ts';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

/** The database role that row-level security applies to; every tenant transaction switches to it. */
export const APP_ROLE = 'rollcall_app';

// DATE columns stay 'YYYY-MM-DD' strings: a leave date is a calendar day, not an instant.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);
// bigint (audit seq, counts) as string: exact, and JSON-safe.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => value);

export interface DbHandle {
  db: Db;
  pool: pg.Pool;
  connectionString: string;
  close(): Promise<void>;
}

/**
 * Every parameterised statement is prepared once per connection (named by a hash of its text) and
 * then only bound and executed: PostgreSQL parses and plans it once, not on every call. Most of the
 * server's time per statement went into that, and flow steps or imports run the same few statements
 * thousands of times. A connection keeps at most PREPARED_PER_CONNECTION of them; past that, new
 * texts (long `in (…)` lists, say) run unnamed as before. Needs a direct connection to PostgreSQL
 * (or a pooler that keeps prepared statements), which is what DATABASE_URL is.
 */
const PREPARED_PER_CONNECTION = 500;

class PreparingClient extends pg.Client {
  private readonly prepared = new Set<string>();

  override query(...args: unknown[]): any {
    const [text, values] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
      const name = `rc_${createHash('sha1').update(text).digest('base64url').slice(0, 24)}`;
      if (this.prepared.has(name) || this.prepared.size < PREPARED_PER_CONNECTION) {
        this.prepared.add(name);
        return (super.query as (...a: unknown[]) => unknown)({ name, text, values }, ...args.slice(2));
      }
    }
    return (super.query as (...a: unknown[]) => unknown)(...args);
  }
}

export function createDb(connectionString: string, options: { max?: number } = {}): DbHandle {
  const pool = new pg.Pool({
    Client: PreparingClient as unknown as typeof pg.Client,
    connectionString,
    max: options.max ?? 20,
    idleTimeoutMillis: 30_000,
    application_name: 'rollcall',
  });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
  });
  return {
    db,
    pool,
    connectionString,
    close: async () => {
      await db.destroy();
    },
  };
}

/**
 * Runs `fn` in one transaction as the application role with the tenant fixed for RLS. This is the
 * only way services touch tenant data: a query that forgets its `where tenant_id` still sees only
 * this tenant's rows.
 */
export async function withTenantTx<T>(db: Db, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    await sql`select set_config('app.tenant_id', ${tenantId}, true), set_config('role', ${APP_ROLE}, true)`.execute(
      tx,
    );
    return fn(tx);
  });
}

/**
 * Moves an open tenant transaction to another tenant, for the few commands that span a provider and
 * one of its customers (creating a customer seeds its roles and Default group). The caller must
 * already have checked that the actor may reach `tenantId`.
 */
export async function switchTenant(tx: Tx, tenantId: string): Promise<void> {
  await sql`select set_config('app.tenant_id', ${tenantId}, true)`.execute(tx);
}

/**
 * A transaction as the database owner, outside any tenant: for the platform's own work that must
 * look across tenants before a tenant is known (resolving a session token or a tenant slug at
 * sign-in, bootstrap, migrations). Never reachable from a module's service with user input alone.
 */
export async function withSystemTx<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}

/**
 * Secret links (invitations, email verification, …) arrive without a tenant: find which tenant a
 * token's hash belongs to, as the owner, so the rest can run in that tenant's transaction. Only the
 * hash of a 256-bit random token can find a row, so this reveals nothing to a guesser.
 */
export async function tenantOfToken(
  db: Db,
  table: 'invitations' | 'email_verifications' | 'password_reset_tokens',
  tokenHash: string,
): Promise<{ tenantId: string; id: string } | undefined> {
  const { rows } = await sql<{ tenantId: string; id: string }>`
    select tenant_id as "tenantId", id from ${sql.table(table)} where token_hash = ${tokenHash}`.execute(db);
  return rows[0];
}
