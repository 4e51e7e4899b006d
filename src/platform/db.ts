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

export function createDb(connectionString: string, options: { max?: number } = {}): DbHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 20,
    idleTimeoutMillis: 30_000,
    application_name: 'rollcall',
  });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  pool.on('connect', prepareMarkedStatements);
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
 * Statements are prepared once per connection under a name, so PostgreSQL parses and plans them once
 * instead of on every call: planning costs more than running most of them (sign-in, the audit chain,
 * a flow step's dozen statements). Marked hot statements (PREPARED in their text) always are; any
 * other statement with parameters is too, until a connection holds PREPARED_PER_CONNECTION of them,
 * so texts that vary without end (long `in (…)` lists) cannot fill its memory. Needs a direct
 * connection to PostgreSQL (or a pooler that keeps prepared statements), which DATABASE_URL is.
 */
export const PREPARED = '/* prepared */';
const PREPARED_PER_CONNECTION = 500;

const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `rc_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    if (statementNames.size < 10_000) statementNames.set(text, name);
  }
  return name;
}

function prepareMarkedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const prepared = new Set<string>();
  (client as { query: unknown }).query = (text: unknown, values?: unknown, callback?: unknown) => {
    if (typeof text === 'string') {
      const marked = text.includes(PREPARED);
      if (marked || (Array.isArray(values) && values.length > 0)) {
        const name = statementName(text);
        if (marked || prepared.has(name) || prepared.size < PREPARED_PER_CONNECTION) {
          prepared.add(name);
          return query({ name, text, values }, callback);
        }
      }
    }
    return query(text, values, callback);
  };
}

/**
 * Runs `fn` in one transaction as the application role with the tenant fixed for RLS. This is the
 * only way services touch tenant data: a query that forgets its `where tenant_id` still sees only
 * this tenant's rows.
 */
export async function withTenantTx<T>(db: Db, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  // the id goes into the statement text below, so it must be exactly a UUID
  if (!UUID.test(tenantId)) throw new Error(`withTenantTx: "${tenantId}" is not a tenant id`);
  return db.connection().execute(async (conn) => {
    // BEGIN and the tenant binding travel as one simple-protocol message: one round trip, not two,
    // for every transaction of the application
    await sql
      .raw(
        `begin; select set_config('app.tenant_id', '${tenantId}', true), set_config('role', '${APP_ROLE}', true)`,
      )
      .execute(conn);
    let result: T;
    try {
      // a connection-bound Kysely inside BEGIN … COMMIT is what a Transaction is; only nesting differs,
      // and nothing nests (savepoints are explicit SQL)
      result = await fn(conn as unknown as Tx);
    } catch (error) {
      await sql
        .raw('rollback')
        .execute(conn)
        .catch(() => {});
      throw error;
    }
    await sql.raw('commit').execute(conn);
    return result;
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
