import { sql } from 'kysely';
import type { Tx } from '../../platform/db.ts';
import type { ApiToken, Session, User } from '../../platform/db-schema.ts';

export async function findTenantBySlug(tx: Tx, slug: string) {
  return tx
    .selectFrom('tenants')
    .select(['id', 'kind', 'name', 'slug', 'status', 'settings', 'parentId'])
    .where(sql`lower(slug)`, '=', slug.toLowerCase())
    .executeTakeFirst();
}

/** Email or username, case-insensitively; removed tombstones never sign in. */
export async function findUserByLogin(tx: Tx, tenantId: string, login: string): Promise<User | undefined> {
  const value = login.trim().toLowerCase();
  return tx
    .selectFrom('users')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('status', '<>', 'removed')
    .where((eb) => eb.or([eb(sql`lower(email)`, '=', value), eb(sql`lower(username)`, '=', value)]))
    .executeTakeFirst();
}

export async function insertSession(tx: Tx, session: Omit<Session, 'revokedAt'>): Promise<void> {
  await tx.insertInto('sessions').values(session).execute();
}

export async function revokeSession(tx: Tx, tenantId: string, sessionId: string, at: Date): Promise<number> {
  const result = await tx
    .updateTable('sessions')
    .set({ revokedAt: at })
    .where('tenantId', '=', tenantId)
    .where('id', '=', sessionId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertApiToken(
  tx: Tx,
  token: Omit<ApiToken, 'revokedAt' | 'lastUsedAt'>,
): Promise<void> {
  await tx.insertInto('apiTokens').values(token).execute();
}

export async function listApiTokens(tx: Tx, tenantId: string, userId: string) {
  return tx
    .selectFrom('apiTokens')
    .select(['id', 'name', 'prefix', 'createdAt', 'lastUsedAt', 'expiresAt'])
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .orderBy('createdAt', 'desc')
    .execute();
}

export async function revokeApiToken(tx: Tx, tenantId: string, userId: string, tokenId: string, at: Date) {
  return tx
    .updateTable('apiTokens')
    .set({ revokedAt: at })
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('id', '=', tokenId)
    .where('revokedAt', 'is', null)
    .returning(['id', 'name', 'prefix'])
    .executeTakeFirst();
}

export async function findUserById(tx: Tx, tenantId: string, userId: string) {
  return tx
    .selectFrom('users')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('id', '=', userId)
    .executeTakeFirst();
}
