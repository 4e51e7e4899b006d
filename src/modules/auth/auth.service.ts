import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import type { Principal } from '../../platform/auth.ts';
import type { Ctx } from '../../platform/context.ts';
import { type Tx, withTenantTx } from '../../platform/db.ts';
import type { SessionPurpose, User } from '../../platform/db-schema.ts';
import type { Platform } from '../../platform/platform.ts';
import { hashToken, newToken } from '../../platform/tokens.ts';
import { signInBlocked } from '../users/user-status.ts';
import { AuthErrors } from './auth.errors.ts';
import * as repo from './auth.repository.ts';
import { describeDevice } from './devices.ts';
import { ipAllowed, ipNotAllowed } from './ip-restrictions.ts';
import * as mfa from './mfa.service.ts';
import { lockoutPolicyOf, passwordPolicyOf } from './password-policy.ts';
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import { securityEvents } from './security-events.ts';
import { sessionPolicyOf } from './session-policy.ts';

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

type TenantSummary = {
  id: string;
  kind: 'provider' | 'customer';
  parentId: string | null;
  name: string;
  slug: string;
};

export type LoginResult =
  | {
      mfaRequired: false;
      sessionToken: string;
      passwordChangeRequired: boolean;
      mfaEnrolmentRequired: boolean;
      expiresAt: Date;
      user: User;
      tenant: TenantSummary;
    }
  | {
      mfaRequired: true;
      mfaToken: string;
      mfaExpiresAt: Date;
      methods: string[];
      user: User;
      tenant: TenantSummary;
    };

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
 * Failures count toward a temporary lockout (a flag with an expiry, not a status); a password that
 * expired or that an admin reset yields a session that may only change the password.
 */
export async function login(platform: Platform, input: LoginInput, info: RequestInfo): Promise<LoginResult> {
  const { tenant, user } = await repo.findSignInTarget(platform.db, input.tenant, input.login);
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
  const now = platform.clock.now();
  const locked = user?.lockedUntil != null && new Date(user.lockedUntil).getTime() > now.getTime();
  const passwordOk =
    (await verifyPassword(
      locked ? await dummyPasswordHash() : (user?.passwordHash ?? (await dummyPasswordHash())),
      input.password,
    )) && !locked;
  const reason = !user
    ? 'unknown_login'
    : locked
      ? 'locked'
      : !passwordOk
        ? 'wrong_password'
        : user.status !== 'active'
          ? `status_${user.status}`
          : signInBlocked(user, now)
            ? 'sign_in_blocked_by_transfer'
            : null;

  const failed = async (why: string) => {
    await withTenantTx(platform.db, tenant.id, async (tx) => {
      const target = user
        ? { type: 'user', id: user.id, label: `${user.firstName} ${user.lastName}` }
        : { type: 'login', label: input.login.slice(0, 254) };
      await recordAudit(tx, ctx, { action: 'auth.login.failed', target, after: { reason: why } });
      if (user && why === 'wrong_password') {
        const lockout = lockoutPolicyOf(tenant.settings);
        const counted = await repo.countFailedSignIn(tx, tenant.id, user.id, now, lockout);
        if (counted.lockedNow) {
          await recordAudit(tx, ctx, {
            action: 'auth.account_locked',
            target,
            after: { failures: counted.failures, lockedUntil: counted.lockedUntil },
          });
          securityEvents.emit({ type: 'account_locked', tenantId: tenant.id, userId: user.id, at: now });
        }
      }
    });
    securityEvents.emit({
      type: 'sign_in_failed',
      tenantId: tenant.id,
      userId: user?.id ?? null,
      at: now,
      reason: why,
    });
    throw AuthErrors.invalidCredentials();
  };
  if (reason || !user) return failed(reason ?? 'unknown_login');

  const userCtx: Ctx = {
    ...ctx,
    actor: {
      type: 'user',
      userId: user.id,
      tenantId: tenant.id,
      label: `${user.firstName} ${user.lastName}`,
    },
  };
  const outcome = await withTenantTx(platform.db, tenant.id, async (tx) => {
    // a parallel failure may have locked the account since the password was checked
    const mfaSettings = mfa.mfaSettingsOf(tenant.settings);
    const facts = await repo.signInFacts(tx, tenant.id, user.id, mfaSettings.requiredRoleIds);
    if (facts.lockedUntil && new Date(facts.lockedUntil).getTime() > now.getTime())
      return { kind: 'locked' as const };
    // rule 28: the allow-lists of the tenant, the user and their roles
    const ipRules = {
      tenant: ((tenant.settings as { ipAllowList?: string[] }).ipAllowList ?? []) as string[],
      user: facts.userIpRanges,
      roles: facts.roleIpRanges,
    };
    if (!ipAllowed(info.ip, ipRules)) return { kind: 'ip' as const };
    // the counter only needs clearing when a failure was counted since the last success
    if (user.failedSignIns > 0 || user.lockedUntil) await repo.resetFailedSignIns(tx, tenant.id, user.id);
    if (user.passwordHash && needsRehash(user.passwordHash)) {
      await tx
        .updateTable('users')
        .set({ passwordHash: await hashPassword(input.password) })
        .where('tenantId', '=', tenant.id)
        .where('id', '=', user.id)
        .execute();
      await recordAudit(tx, userCtx, {
        action: 'user.password_rehashed',
        target: { type: 'user', id: user.id, label: `${user.firstName} ${user.lastName}` },
      });
    }
    // rule 26: a user with a second factor proves it before any session exists
    const factors = facts.factorKinds;
    if (factors.length > 0) {
      const challenge = await mfa.openChallenge(tx, userCtx, user.id, info);
      return {
        kind: 'mfa' as const,
        challenge,
        methods: [...factors, 'recovery_code', ...(user.email ? ['email'] : [])],
      };
    }
    const enrol = mfaSettings.required || facts.mfaByRole;
    const opened = await openSessionInTx(tx, userCtx, tenant.settings, user, info, {
      method: 'password',
      enrol,
    });
    return { kind: 'session' as const, ...opened };
  });
  if (outcome.kind === 'locked') return failed('locked');
  if (outcome.kind === 'ip') {
    await withTenantTx(platform.db, tenant.id, (tx) =>
      recordAudit(tx, userCtx, {
        action: 'auth.login.failed',
        target: { type: 'user', id: user.id, label: `${user.firstName} ${user.lastName}` },
        after: { reason: 'ip_not_allowed', ip: info.ip ?? null },
      }),
    );
    throw ipNotAllowed();
  }
  const tenantSummary = {
    id: tenant.id,
    kind: tenant.kind,
    parentId: tenant.parentId,
    name: tenant.name,
    slug: tenant.slug,
  };
  if (outcome.kind === 'mfa') {
    return {
      mfaRequired: true,
      mfaToken: outcome.challenge.token,
      mfaExpiresAt: outcome.challenge.expiresAt,
      methods: [...new Set(outcome.methods)],
      user,
      tenant: tenantSummary,
    };
  }
  securityEvents.emit({
    type: 'signed_in',
    tenantId: tenant.id,
    userId: user.id,
    at: now,
    method: 'password',
  });
  return { ...outcome, user, tenant: tenantSummary, mfaRequired: false };
}

/**
 * Opens a session for a user who proved who they are: the concurrent-session limit (refuse, or end
 * the oldest), the device, the session's purpose (full, password change only, MFA enrolment only),
 * and the audit event, all in the caller's transaction.
 */
export async function openSessionInTx(
  tx: Tx,
  userCtx: Ctx,
  tenantSettings: unknown,
  user: Pick<User, 'id' | 'tenantId' | 'firstName' | 'lastName' | 'passwordChangedAt' | 'mustChangePassword'>,
  info: RequestInfo,
  opts: { method: string; enrol: boolean },
) {
  const now = userCtx.clock.now();
  const sessionPolicy = sessionPolicyOf(tenantSettings);
  const passwordPolicy = passwordPolicyOf(tenantSettings);
  const tenantId = user.tenantId;
  const label = `${user.firstName} ${user.lastName}`;
  const passwordExpired =
    passwordPolicy.maxAgeDays > 0 &&
    (!user.passwordChangedAt ||
      new Date(user.passwordChangedAt).getTime() + passwordPolicy.maxAgeDays * 86_400_000 <= now.getTime());
  const purpose: SessionPurpose = opts.enrol
    ? 'mfa_enrolment'
    : user.mustChangePassword || passwordExpired
      ? 'password_change'
      : 'full';
  if (sessionPolicy.maxConcurrent > 0) {
    const live = await repo.liveSessions(tx, tenantId, user.id, now, sessionPolicy.idleMinutes);
    if (live.length >= sessionPolicy.maxConcurrent) {
      if (sessionPolicy.onLimit === 'refuse') throw AuthErrors.sessionLimit(sessionPolicy.maxConcurrent);
      const ending = live.slice(0, live.length - sessionPolicy.maxConcurrent + 1);
      for (const old of ending) await repo.revokeSession(tx, tenantId, old.id, now);
      await recordAudit(tx, userCtx, {
        action: 'auth.session.ended',
        target: { type: 'user', id: user.id, label },
        after: { sessionIds: ending.map((x) => x.id), reason: 'concurrent_session_limit' },
      });
    }
  }
  const device = describeDevice(info.userAgent);
  const sessionToken = newToken('rc_s');
  const sessionId = uuidv7();
  const expiresAt = new Date(now.getTime() + sessionPolicy.absoluteHours * 3_600_000);
  await repo.insertSession(tx, {
    tenantId,
    id: sessionId,
    userId: user.id,
    tokenHash: hashToken(sessionToken),
    ip: info.ip ?? null,
    userAgent: info.userAgent ?? null,
    browser: device.browser,
    os: device.os,
    deviceType: device.deviceType,
    purpose,
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
  });
  await recordAudit(tx, userCtx, {
    action: 'auth.login.succeeded',
    target: { type: 'user', id: user.id, label },
    after: {
      method: opts.method,
      sessionId,
      expiresAt,
      ...device,
      ...(purpose !== 'full' ? { restrictedTo: purpose } : {}),
    },
  });
  return {
    sessionToken,
    expiresAt,
    passwordChangeRequired: purpose === 'password_change',
    mfaEnrolmentRequired: purpose === 'mfa_enrolment',
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
      emailVerified: u.emailVerified ?? false,
      initials: initials(u.firstName, u.lastName),
    },
    tenant: principal.tenant,
    permissions: [...principal.permissions].sort(),
    customerAccess: principal.customerAccess,
    authenticatedBy: principal.via,
    passwordChangeRequired: principal.restricted === 'password_change',
    mfaEnrolmentRequired: principal.restricted === 'mfa_enrolment',
    setupRequired: (principal.setupPending ?? false) && principal.via === 'session',
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
