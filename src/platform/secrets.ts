import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './db.ts';

/**
 * The installation secret lives in the database so every process on it agrees without extra
 * configuration; ROLLCALL_SECRET overrides it.
 */
export async function loadInstallationSecret(db: Db, override: string | null): Promise<string> {
  if (override) return override;
  await sql`insert into platform_secrets (name, value) values ('installation', ${randomBytes(32).toString('base64url')})
            on conflict (name) do nothing`.execute(db);
  const row = await db
    .selectFrom('platformSecrets')
    .select('value')
    .where('name', '=', 'installation')
    .executeTakeFirstOrThrow();
  return row.value;
}
