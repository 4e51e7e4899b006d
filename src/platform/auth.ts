import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { type AccessInputs, evaluatePermissions } from '../modules/access/evaluator.ts';
import { type IpRules, ipAllowed, ipNotAllowed } from '../modules/auth/ip-restrictions.ts';
import { DEFAULT_SESSION_POLICY } from '../modules/auth/session-policy.ts';
import type { Ctx } from './context.ts';
import { withSystemTx } from './db.ts';
import type { Tenant } from './db-schema.ts';
import { PlatformErrors } from './errors.ts';
import type { Platform } from './platform.ts';
import { hashToken, hmac, safeEqual } from './tokens.ts';

/** What `user_access_inputs()` returns: the evaluator's inputs plus each role's customer reach. */
export type StoredAccessInputs = Omit<AccessInputs, 'directRoles' | 'groupRoles'> & {
  userIpRanges: string[];
  tenantIpRanges: string[];
  directRoles: Array<
    AccessInputs['directRoles'][number] & {
      key: string | null;
      customerAccess: string;
      customerTenantIds: string[];
      ipRanges?: string[];
    }
  >;
  groupRoles: Array<
    AccessInputs['groupRoles'][number] & {
      key: string | null;
      customerAccess: string;
      customerTenantIds: string[];
      ipRanges?: string[];
    }
  >;
};

/**
 * Who is calling. A principal is resolved once per request from the session cookie or a Bearer API
 * token; its permissions are computed once and cached on the request.
 */
export const SESSION_COOKIE = 'rollcall_session';
export const CSRF_COOKIE = 'rollcall_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface Principal {
  userId: string;
  tenantId: string;
  tenantKind: 'provider' | 'customer';
  label: string;
  /** The user and tenant as loaded with the credential: enough for "who am I" without another query. */
  user: {
    firstName: string;
    lastName: string;
    email: string | null;
    username: string | null;
    status: string;
    kind: string;
    emailVerified?: boolean;
  };
  /** Joined by invitation and not through the first-sign-in setup yet (sessions and tokens only). */
  setupPending?: boolean;
  tenant: { id: string; kind: 'provider' | 'customer'; parentId: string | null; name: string; slug: string };
  /** `scim_token`: an identity provider provisioning the tenant; `userId` is then the token's id. */
  via: 'session' | 'api_token' | 'scim_token';
  /** A session that may only change its password (expired or admin-reset password). */
  restricted: 'password_change' | 'mfa_enrolment' | null;
  sessionId?: string;
  tokenId?: string;
  /** The user's department, for the `users.scope.department` data scope. */
  department: string | null;
  permissions: ReadonlySet<string>;
  /**
   * What this principal may grant (rule 13), when not its own permissions: a SCIM token grants group
   * roles within the permissions of the administrator who created it.
   */
  ceiling?: ReadonlySet<string>;
  customerAccess: 'none' | 'all' | 'selected';
  customerTenantIds: ReadonlySet<string>;
}

/** Refresh `last_seen_at` at most this often, so an active console does not write on every click. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

interface PrincipalRow {
  kind: 'session' | 'api_token';
  purpose: 'full' | 'password_change' | 'mfa_enrolment';
  id: string;
  tenantId: string;
  userId: string;
  lastSeenAt: Date | null;
  expiresAt: Date | null;
  idleMinutes: number | null;
  firstName: string;
  lastName: string;
  email: string | null;
  username: string | null;
  status: string;
  userKind: string;
  emailVerified: boolean;
  setupPending: boolean;
  tenantKind: 'provider' | 'customer';
  tenantParentId: string | null;
  tenantName: string;
  tenantSlug: string;
  department: string | null;
  signInBlockedUntil: Date | null;
  access: StoredAccessInputs;
}

export function csrfTokenFor(secret: string, sessionToken: string): string {
  return hmac(secret, `csrf:${sessionToken}`);
}

function readBearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1]! : null;
}

/**
 * One query finds the credential, its user (who must be active), the tenant's session policy and
 * the union of the permissions of the user's direct roles and group roles.
 */
function principalSql(credential: string): string {
  return `
      with credential as (${credential})
      select c.kind, c.id, c.purpose, c.tenant_id as "tenantId", c.user_id as "userId", c.last_seen_at as "lastSeenAt",
             c.expires_at as "expiresAt", (tn.settings #>> '{session,idleMinutes}')::int as "idleMinutes",
             u.first_name as "firstName", u.last_name as "lastName", u.email, u.username, u.status,
             u.kind as "userKind", u.department, u.email_verified_at is not null as "emailVerified",
             u.setup_pending as "setupPending", u.sign_in_blocked_until as "signInBlockedUntil",
             tn.kind as "tenantKind", tn.parent_id as "tenantParentId",
             tn.name as "tenantName", tn.slug as "tenantSlug",
             user_access_inputs(c.tenant_id, c.user_id) as access
        from credential c
        join users u on u.tenant_id = c.tenant_id and u.id = c.user_id and u.status = 'active'
        join tenants tn on tn.id = c.tenant_id and tn.status = 'active'`;
}

const PRINCIPAL_SQL = {
  session:
    principalSql(`select 'session' as kind, s.id, s.purpose, s.tenant_id, s.user_id, s.last_seen_at, s.expires_at
      from sessions s where s.token_hash = $1 and s.revoked_at is null`),
  api_token:
    principalSql(`select 'api_token' as kind, t.id, 'full' as purpose, t.tenant_id, t.user_id, t.last_used_at as last_seen_at, t.expires_at
      from api_tokens t where t.token_hash = $1 and t.revoked_at is null`),
};

async function loadPrincipal(
  platform: Platform,
  kind: 'session' | 'api_token',
  token: string,
): Promise<PrincipalRow | null> {
  const tokenHash = hashToken(token);
  const now = platform.clock.now();
  // One autocommit statement (no BEGIN/COMMIT round trips: it only reads), prepared by name so each
  // connection plans it once; planning this query costs more than running it.
  const result = await platform.pool.query<PrincipalRow>({
    name: `rollcall.principal.${kind}`,
    text: kind === 'session' ? PRINCIPAL_SQL.session : PRINCIPAL_SQL.api_token,
    values: [tokenHash],
  });
  const row = result.rows[0];
  if (!row) return null;
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return null;
  // a duration transfer's sign-in block holds for API tokens too
  if (row.signInBlockedUntil && row.signInBlockedUntil.getTime() > now.getTime()) return null;
  if (kind === 'session' && row.lastSeenAt) {
    const idleMs = (row.idleMinutes ?? DEFAULT_SESSION_POLICY.idleMinutes) * 60_000;
    if (now.getTime() - row.lastSeenAt.getTime() > idleMs) return null;
  }
  if (!row.lastSeenAt || now.getTime() - row.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
    const table = kind === 'session' ? 'sessions' : 'api_tokens';
    const column = kind === 'session' ? 'last_seen_at' : 'last_used_at';
    await platform.db
      .executeQuery(
        sql`update ${sql.table(table)} set ${sql.ref(column)} = ${now} where tenant_id = ${row.tenantId} and id = ${row.id}`.compile(
          platform.db,
        ),
      )
      .catch(() => {});
  }
  return row;
}

export async function resolvePrincipal(
  platform: Platform,
  request: FastifyRequest,
): Promise<Principal | null> {
  const bearer = readBearer(request);
  const cookie = request.cookies[SESSION_COOKIE];
  const via = bearer ? 'api_token' : cookie ? 'session' : null;
  if (!via) return null;
  const token = (bearer ?? cookie)!;
  if (via === 'session' && isUnsafe(request.method)) {
    // unsafe requests authenticated by cookie must prove they come from our pages (double submit)
    const header = request.headers[CSRF_HEADER];
    const expected = csrfTokenFor(platform.secret, token);
    if (typeof header !== 'string' || !safeEqual(header, expected)) throw PlatformErrors.csrf();
  }
  const row = await loadPrincipal(platform, via, token);
  if (!row) return null;
  const principal = toPrincipal(row, via);
  if (!ipAllowed(request.ip, ipRulesOf(row.access))) throw ipNotAllowed();
  return principal;
}

function toPrincipal(row: PrincipalRow, via: 'session' | 'api_token'): Principal {
  const effective = evaluatePermissions(row.access);
  const roles = [...row.access.directRoles, ...row.access.groupRoles];
  const access = roles.map((r) => r.customerAccess);
  return {
    userId: row.userId,
    tenantId: row.tenantId,
    tenantKind: row.tenantKind,
    label: `${row.firstName} ${row.lastName}`,
    user: {
      firstName: row.firstName,
      lastName: row.lastName,
      email: row.email,
      username: row.username,
      status: row.status,
      kind: row.userKind,
      emailVerified: row.emailVerified,
    },
    setupPending: row.setupPending,
    tenant: {
      id: row.tenantId,
      kind: row.tenantKind,
      parentId: row.tenantParentId,
      name: row.tenantName,
      slug: row.tenantSlug,
    },
    via,
    restricted: row.purpose === 'full' ? null : row.purpose,
    sessionId: via === 'session' ? row.id : undefined,
    tokenId: via === 'api_token' ? row.id : undefined,
    department: row.department,
    permissions: effective.granted,
    customerAccess: access.includes('all') ? 'all' : access.includes('selected') ? 'selected' : 'none',
    customerTenantIds: new Set(roles.flatMap((r) => r.customerTenantIds)),
  };
}

const USER_PRINCIPAL_SQL = principalSql(
  `select 'session' as kind, $2::uuid as id, 'full' as purpose, $1::uuid as tenant_id, $2::uuid as user_id,
          null::timestamptz as last_seen_at, null::timestamptz as expires_at`,
);

/**
 * The principal of a user for work done on their behalf after their request ended (an import they
 * started runs as a job): their permissions as they are now, or null when they can no longer act
 * (no longer active, tenant suspended).
 */
export async function principalOfUser(
  platform: Platform,
  tenantId: string,
  userId: string,
): Promise<Principal | null> {
  const result = await platform.pool.query<PrincipalRow>({
    name: 'rollcall.principal.user',
    text: USER_PRINCIPAL_SQL,
    values: [tenantId, userId],
  });
  const row = result.rows[0];
  return row ? { ...toPrincipal(row, 'session'), sessionId: undefined } : null;
}

export function isUnsafe(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/** The principal, or a 401: for routes that need a signed-in caller. */
export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw PlatformErrors.unauthenticated();
  return request.principal;
}

export function requirePermission(principal: Principal, permission: string): void {
  if (!principal.permissions.has(permission)) throw PlatformErrors.forbidden(permission);
}

/**
 * Whether the principal may act in `tenant`: their own tenant always; a customer of their provider
 * when one of their roles reaches all customers or lists this one. Anything else looks like a
 * tenant that does not exist, so probing ids tells nothing.
 */
export function canReachTenant(principal: Principal, tenant: Pick<Tenant, 'id' | 'parentId'>): boolean {
  if (tenant.id === principal.tenantId) return true;
  if (tenant.parentId !== principal.tenantId || principal.tenantKind !== 'provider') return false;
  return principal.customerAccess === 'all' || principal.customerTenantIds.has(tenant.id);
}

export async function resolveTenantForPrincipal(
  platform: Platform,
  principal: Principal,
  tenantId: string,
): Promise<Tenant> {
  const tenant = await withSystemTx(platform.db, (tx) =>
    tx.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst(),
  );
  if (!tenant || !canReachTenant(principal, tenant)) throw PlatformErrors.tenantNotFound();
  return tenant;
}

export function contextFor(platform: Platform, request: FastifyRequest, tenantId: string): Ctx {
  const principal = request.principal;
  return {
    tenantId,
    actor: principal
      ? {
          type: principal.via === 'api_token' ? 'api_token' : 'user',
          userId: principal.userId,
          tokenId: principal.tokenId,
          tenantId: principal.tenantId,
          label: principal.label,
        }
      : { type: 'anonymous', label: 'anonymous' },
    requestId: request.id,
    ip: request.ip,
    userAgent: request.headers['user-agent']?.slice(0, 512),
    clock: platform.clock,
  };
}

export function clearSessionCookies(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
  reply.clearCookie(CSRF_COOKIE, { path: '/', sameSite: 'lax', secure });
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** The allow-lists that apply to a user, from the evaluator's inputs. */
export function ipRulesOf(access: StoredAccessInputs): IpRules {
  const roleLists = [...access.directRoles, ...access.groupRoles]
    .map((r) => r.ipRanges ?? [])
    .filter((l) => l.length > 0);
  return { tenant: access.tenantIpRanges ?? [], user: access.userIpRanges ?? [], roles: roleLists };
}
