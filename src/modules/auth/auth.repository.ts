import { sql } from 'kysely';
import { type Db, PREPARED, type Tx } from '../../platform/db.ts';
import type { ApiToken, Session, Tenant, User } from '../../platform/db-schema.ts';

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

export async function insertSession(
  tx: Tx,
  session: Omit<Session, 'revokedAt' | 'purpose'> & { purpose?: Session['purpose'] },
): Promise<void> {
  await tx.insertInto('sessions').values(session).modifyEnd(sql.raw(PREPARED)).execute();
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

/**
 * Counts a failed sign-in in one statement, so parallel failures cannot under-count: the window
 * restarts when it has passed, and reaching the threshold sets the lock's expiry.
 */
export async function countFailedSignIn(
  tx: Tx,
  tenantId: string,
  userId: string,
  now: Date,
  policy: { maxFailures: number; windowMinutes: number; lockMinutes: number },
) {
  const windowStart = new Date(now.getTime() - policy.windowMinutes * 60_000);
  const lockUntil = new Date(now.getTime() + policy.lockMinutes * 60_000);
  const row = await sql<{ failedSignIns: number; lockedUntil: Date | null; wasLocked: boolean }>`
    with counted as (
      select case when failed_window_started_at is null or failed_window_started_at < ${windowStart} then 1
                  else failed_sign_ins + 1 end as n,
             case when failed_window_started_at is null or failed_window_started_at < ${windowStart} then ${now}::timestamptz
                  else failed_window_started_at end as started,
             locked_until is not null and locked_until > ${now} as was_locked
        from users where tenant_id = ${tenantId} and id = ${userId} for update
    )
    update users u set failed_sign_ins = c.n, failed_window_started_at = c.started,
           locked_until = case when ${policy.maxFailures} > 0 and c.n >= ${policy.maxFailures} and not c.was_locked
                               then ${lockUntil}::timestamptz else u.locked_until end
      from counted c
     where u.tenant_id = ${tenantId} and u.id = ${userId}
     returning u.failed_sign_ins, u.locked_until, c.was_locked`.execute(tx);
  const r = row.rows[0]!;
  const lockedNow =
    !r.wasLocked && r.lockedUntil !== null && new Date(r.lockedUntil).getTime() > now.getTime();
  return { failures: r.failedSignIns, lockedUntil: r.lockedUntil, lockedNow };
}

export async function lockUserForSignIn(tx: Tx, tenantId: string, userId: string) {
  return tx
    .selectFrom('users')
    .select(['lockedUntil', 'status'])
    .where('tenantId', '=', tenantId)
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

export async function resetFailedSignIns(tx: Tx, tenantId: string, userId: string) {
  await tx
    .updateTable('users')
    .set({ failedSignIns: 0, failedWindowStartedAt: null, lockedUntil: null })
    .where('tenantId', '=', tenantId)
    .where('id', '=', userId)
    .where((eb) => eb.or([eb('failedSignIns', '>', 0), eb('lockedUntil', 'is not', null)]))
    .execute();
}

/** A user's sessions that still work, oldest first. */
export async function liveSessions(tx: Tx, tenantId: string, userId: string, now: Date, idleMinutes: number) {
  return tx
    .selectFrom('sessions')
    .select([
      'id',
      'createdAt',
      'lastSeenAt',
      'ip',
      'userAgent',
      'browser',
      'os',
      'deviceType',
      'expiresAt',
      'purpose',
    ])
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .where('expiresAt', '>', now)
    .where('lastSeenAt', '>', new Date(now.getTime() - idleMinutes * 60_000))
    .orderBy('createdAt')
    .execute();
}

export async function revokeSessionsOfUser(
  tx: Tx,
  tenantId: string,
  userId: string,
  at: Date,
  exceptSessionId?: string,
) {
  let q = tx
    .updateTable('sessions')
    .set({ revokedAt: at })
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null);
  if (exceptSessionId) q = q.where('id', '<>', exceptSessionId);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Sign-in's first read, in one statement on the owner connection (the tenant is not known until
 * the slug is resolved): the tenant by slug and the user by email or username within it.
 */
export async function findSignInTarget(db: Db, slug: string, login: string) {
  const value = login.trim().toLowerCase();
  const result = await sql<{
    tenant: Record<string, unknown>;
    user: Record<string, unknown> | null;
  }>`${sql.raw(PREPARED)}
    select to_jsonb(t) as tenant,
           (select to_jsonb(u) from users u
             where u.tenant_id = t.id and u.status <> 'removed'
               and (lower(u.email) = ${value} or lower(u.username) = ${value})
             limit 1) as user
      from tenants t where lower(t.slug) = ${slug.trim().toLowerCase()}`.execute(db);
  const row = result.rows[0];
  if (!row) return { tenant: undefined, user: undefined };
  return {
    tenant: row.tenant as unknown as Tenant,
    user: (row.user ?? undefined) as unknown as User | undefined,
  };
}

/**
 * What sign-in needs to know once the password is right, in one round trip: the lockout, the second
 * factors, the user's and their roles' IP allow-lists (rule 28) and whether a role that requires MFA
 * is among theirs. Only these: the full permission inputs are the principal's business, later.
 */
export async function signInFacts(tx: Tx, tenantId: string, userId: string, mfaRoleIds: readonly string[]) {
  const result = await sql<{
    lockedUntil: string | null;
    factorKinds: string[] | null;
    userIpRanges: string[];
    roleIpRanges: string[][] | null;
    mfaByRole: boolean;
  }>`${sql.raw(PREPARED)}
    with user_role_ids as (
      select ur.role_id from user_roles ur where ur.tenant_id = ${tenantId} and ur.user_id = ${userId}
      union
      select g.role_id from group_members gm
        join groups g on g.tenant_id = gm.tenant_id and g.id = gm.group_id
       where gm.tenant_id = ${tenantId} and gm.user_id = ${userId} and g.role_id is not null
    )
    select u.locked_until, u.ip_ranges as user_ip_ranges,
           (select array_agg(distinct f.kind) from mfa_factors f
             where f.tenant_id = u.tenant_id and f.user_id = u.id and f.confirmed_at is not null) as factor_kinds,
           (select jsonb_agg(to_jsonb(r.ip_ranges)) from roles r
             where r.tenant_id = u.tenant_id and r.id in (select role_id from user_role_ids)
               and cardinality(r.ip_ranges) > 0) as role_ip_ranges,
           exists (select 1 from user_role_ids where role_id = any(${sql.val(mfaRoleIds)}::uuid[])) as mfa_by_role
      from users u where u.tenant_id = ${tenantId} and u.id = ${userId}
       -- one sign-in of a user at a time: the session limit and the lockout count right under parallel requests
       for update of u`.execute(tx);
  const row = result.rows[0]!;
  return {
    lockedUntil: row.lockedUntil,
    factorKinds: row.factorKinds ?? [],
    userIpRanges: row.userIpRanges,
    roleIpRanges: row.roleIpRanges ?? [],
    mfaByRole: row.mfaByRole,
  };
}
