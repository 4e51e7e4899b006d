import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import { DEFAULT_ABSOLUTE_HOURS, type Principal } from '../../platform/auth.ts';
import type { Ctx } from '../../platform/context.ts';
import { withSystemTx, withTenantTx } from '../../platform/db.ts';
import type { User } from '../../platform/db-schema.ts';
import type { Platform } from '../../platform/platform.ts';
import { hashToken, newToken } from '../../platform/tokens.ts';
import { AuthErrors } from './auth.errors.ts';
import * as repo from './auth.repository.ts';
import { dummyPasswordHash, verifyPassword } from './passwords.ts';

export interface LoginInput {
  tenant: string;
  login: string;
  password: string;
}

export interface RequestInfo {
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

export interface LoginResult {
  sessionToken: string;
  expiresAt: Date;
  user: User;
  tenant: { id: string; kind: 'provider' | 'customer'; parentId: string | null; name: string; slug: string };
}

export function initials(firstName: string, lastName: string): string {
  const first = [...firstName.trim()][0] ?? '';
  const last = [...lastName.trim()][0] ?? '';
  return `${first}${last}`.toUpperCase();
}

export function publicUser(u: User) {
  return {
    id: u.id,
    tenantId: u.tenantId,
    firstName: u.firstName,
    lastName: u.lastName,
    email: u.email,
    username: u.username,
    status: u.status,
    kind: u.kind,
    initials: initials(u.firstName, u.lastName),
  };
}

/**
 * Password sign-in. Every failure looks the same to the caller and costs about the same time (a
 * missing account is verified against a dummy hash); the real reason goes to the tenant's audit log.
 */
export async function login(platform: Platform, input: LoginInput, info: RequestInfo): Promise<LoginResult> {
  const tenant = await withSystemTx(platform.db, (tx) => repo.findTenantBySlug(tx, input.tenant.trim()));
  if (tenant?.status !== 'active') {
    await verifyPassword(await dummyPasswordHash(), input.password);
    throw AuthErrors.invalidCredentials();
  }
  const ctx: Ctx = {
    tenantId: tenant.id,
    actor: { type: 'anonymous', label: input.login.slice(0, 254) },
    clock: platform.clock,
    ...info,
  };
  const user = await withTenantTx(platform.db, tenant.id, (tx) =>
    repo.findUserByLogin(tx, tenant.id, input.login),
  );
  const passwordOk = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), input.password);
  const reason = !user
    ? 'unknown_login'
    : !passwordOk
      ? 'wrong_password'
      : user.status !== 'active'
        ? `status_${user.status}`
        : null;

  if (reason || !user) {
    await withTenantTx(platform.db, tenant.id, (tx) =>
      recordAudit(tx, ctx, {
        action: 'auth.login.failed',
        target: user
          ? { type: 'user', id: user.id, label: `${user.firstName} ${user.lastName}` }
          : { type: 'login', label: input.login.slice(0, 254) },
        after: { reason },
      }),
    );
    throw AuthErrors.invalidCredentials();
  }

  const now = platform.clock.now();
  const absoluteHours = Number(
    (tenant.settings as { session?: { absoluteHours?: number } }).session?.absoluteHours ??
      DEFAULT_ABSOLUTE_HOURS,
  );
  const expiresAt = new Date(now.getTime() + absoluteHours * 3_600_000);
  const sessionToken = newToken('rc_s');
  const sessionId = uuidv7();
  const userCtx: Ctx = {
    ...ctx,
    actor: {
      type: 'user',
      userId: user.id,
      tenantId: tenant.id,
      label: `${user.firstName} ${user.lastName}`,
    },
  };
  await withTenantTx(platform.db, tenant.id, async (tx) => {
    await repo.insertSession(tx, {
      tenantId: tenant.id,
      id: sessionId,
      userId: user.id,
      tokenHash: hashToken(sessionToken),
      ip: info.ip ?? null,
      userAgent: info.userAgent ?? null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
    });
    await recordAudit(tx, userCtx, {
      action: 'auth.login.succeeded',
      target: { type: 'user', id: user.id, label: `${user.firstName} ${user.lastName}` },
      after: { method: 'password', sessionId, expiresAt },
    });
  });
  return {
    sessionToken,
    expiresAt,
    user,
    tenant: {
      id: tenant.id,
      kind: tenant.kind,
      parentId: tenant.parentId,
      name: tenant.name,
      slug: tenant.slug,
    },
  };
}

export async function logout(platform: Platform, ctx: Ctx, principal: Principal): Promise<void> {
  if (!principal.sessionId) return;
  await withTenantTx(platform.db, principal.tenantId, async (tx) => {
    const ended = await repo.revokeSession(
      tx,
      principal.tenantId,
      principal.sessionId!,
      platform.clock.now(),
    );
    if (ended)
      await recordAudit(tx, ctx, {
        action: 'auth.logout',
        target: { type: 'user', id: principal.userId, label: principal.label },
        after: { sessionId: principal.sessionId },
      });
  });
}

/** Who am I: everything was loaded with the credential, so this costs no further query. */
export function me(principal: Principal) {
  const u = principal.user;
  return {
    user: {
      id: principal.userId,
      tenantId: principal.tenantId,
      ...u,
      initials: initials(u.firstName, u.lastName),
    },
    tenant: principal.tenant,
    permissions: [...principal.permissions].sort(),
    customerAccess: principal.customerAccess,
    authenticatedBy: principal.via,
  };
}

export interface NewApiToken {
  name: string;
  expiresInDays?: number;
}

/** Personal API tokens act as their user, with the user's permissions at the time of each call. */
export async function createApiToken(platform: Platform, ctx: Ctx, principal: Principal, input: NewApiToken) {
  const token = newToken('rc_pat');
  const now = platform.clock.now();
  const row = {
    tenantId: principal.tenantId,
    id: uuidv7(),
    userId: principal.userId,
    name: input.name.trim(),
    tokenHash: hashToken(token),
    prefix: token.slice(0, 12),
    createdAt: now,
    expiresAt: input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000) : null,
  };
  await withTenantTx(platform.db, principal.tenantId, async (tx) => {
    await repo.insertApiToken(tx, row);
    await recordAudit(tx, ctx, {
      action: 'auth.api_token.created',
      target: { type: 'api_token', id: row.id, label: row.name },
      after: { name: row.name, prefix: row.prefix, expiresAt: row.expiresAt },
    });
  });
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: null,
    token,
  };
}

export async function listApiTokens(platform: Platform, principal: Principal) {
  return withTenantTx(platform.db, principal.tenantId, (tx) =>
    repo.listApiTokens(tx, principal.tenantId, principal.userId),
  );
}

export async function revokeApiToken(platform: Platform, ctx: Ctx, principal: Principal, tokenId: string) {
  await withTenantTx(platform.db, principal.tenantId, async (tx) => {
    const revoked = await repo.revokeApiToken(
      tx,
      principal.tenantId,
      principal.userId,
      tokenId,
      platform.clock.now(),
    );
    if (!revoked) throw AuthErrors.tokenNotFound();
    await recordAudit(tx, ctx, {
      action: 'auth.api_token.revoked',
      target: { type: 'api_token', id: revoked.id, label: revoked.name },
    });
  });
}
