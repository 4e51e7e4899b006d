import { v7 as uuidv7 } from 'uuid';
import { recordAudit, recordAudits } from '../../platform/audit.ts';
import type { Principal } from '../../platform/auth.ts';
import type { Ctx } from '../../platform/context.ts';
import { type Tx, tenantOfToken, withSystemTx, withTenantTx } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { queueMail, queueMails } from '../../platform/mail.ts';
import type { Platform } from '../../platform/platform.ts';
import { hashToken, newToken } from '../../platform/tokens.ts';
import { authorize } from '../access/authorize.ts';
import { importWelcomeEmail, passwordResetEmail } from '../notifications/templates.ts';
import * as usersRepo from '../users/users.repository.ts';
import { type Caller, loadScopedUser } from '../users/users.service.ts';
import { AuthErrors } from './auth.errors.ts';
import * as repo from './auth.repository.ts';
import { findTenantBySlug, findUserByLogin } from './auth.repository.ts';
import { describeDevice } from './devices.ts';
import { assertValidCidrs, ipAllowed } from './ip-restrictions.ts';
import { mfaSettingsOf } from './mfa.service.ts';
import {
  assertPasswordAcceptable,
  DEFAULT_LOCKOUT_POLICY,
  DEFAULT_PASSWORD_POLICY,
  type LockoutPolicy,
  type PasswordPolicy,
  passwordPolicyOf,
} from './password-policy.ts';
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts';
import { securityEvents } from './security-events.ts';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from './session-policy.ts';

const label = (u: { firstName: string; lastName: string }) => `${u.firstName} ${u.lastName}`;

async function tenantSettings(tx: Tx, tenantId: string) {
  return (
    await tx.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirstOrThrow()
  ).settings;
}

/**
 * Sets a user's password under the tenant's policy (rule 25): the policy's rules, no reuse of the
 * last N, history kept as hashes, and every other session of the user ended (rule 27).
 */
export async function setPasswordInTx(
  tx: Tx,
  ctx: Ctx,
  userId: string,
  password: string,
  opts: { keepSessionId?: string; mustChange?: boolean; by: 'self' | 'admin'; skipPolicy?: boolean },
) {
  const tenantId = ctx.tenantId;
  const user = await usersRepo.findUser(tx, tenantId, userId, { forUpdate: true });
  if (!user) throw AuthErrors.tokenNotFound();
  const policy = passwordPolicyOf(await tenantSettings(tx, tenantId));
  if (!opts.skipPolicy) assertPasswordAcceptable(policy, password, user);
  if (policy.historyCount > 0 && !opts.skipPolicy) {
    const previous = await tx
      .selectFrom('passwordHistory')
      .select('passwordHash')
      .where('tenantId', '=', tenantId)
      .where('userId', '=', userId)
      .orderBy('createdAt', 'desc')
      .limit(policy.historyCount - (user.passwordHash ? 1 : 0))
      .execute();
    const hashes = [user.passwordHash, ...previous.map((p) => p.passwordHash)].filter(
      (h): h is string => !!h,
    );
    for (const h of hashes)
      if (await verifyPassword(h, password)) throw AuthErrors.passwordReused(policy.historyCount);
  }
  const now = ctx.clock.now();
  if (user.passwordHash) {
    await tx
      .insertInto('passwordHistory')
      .values({ tenantId, id: uuidv7(), userId, passwordHash: user.passwordHash, createdAt: now })
      .execute();
  }
  await tx
    .updateTable('users')
    .set({
      passwordHash: await hashPassword(password),
      passwordChangedAt: now,
      mustChangePassword: opts.mustChange ?? false,
      updatedAt: now,
    })
    .where('tenantId', '=', tenantId)
    .where('id', '=', userId)
    .execute();
  const ended = await repo.revokeSessionsOfUser(tx, tenantId, userId, now, opts.keepSessionId);
  if (opts.keepSessionId) {
    await tx
      .updateTable('sessions')
      .set({ purpose: 'full' })
      .where('tenantId', '=', tenantId)
      .where('id', '=', opts.keepSessionId)
      .execute();
  }
  await recordAudit(tx, ctx, {
    action: 'user.password_changed',
    target: { type: 'user', id: userId, label: label(user) },
    after: { by: opts.by, mustChangeAtNextSignIn: opts.mustChange ?? false, endedSessions: ended },
  });
  securityEvents.emit({ type: 'password_changed', tenantId, userId, at: now, by: opts.by });
  return { endedSessions: ended };
}

/** Change one's own password; the current one is required, this session stays, the others end. */
export async function changeOwnPassword(
  platform: Platform,
  ctx: Ctx,
  principal: Principal,
  body: { currentPassword: string; newPassword: string },
) {
  await withTenantTx(platform.db, principal.tenantId, async (tx) => {
    const user = await usersRepo.findUser(tx, principal.tenantId, principal.userId);
    if (!user?.passwordHash || !(await verifyPassword(user.passwordHash, body.currentPassword))) {
      await recordAudit(tx, ctx, {
        action: 'user.password_change_failed',
        target: { type: 'user', id: principal.userId, label: principal.label },
        after: { reason: 'current_password_wrong' },
      });
      return 'wrong' as const;
    }
    await setPasswordInTx(tx, ctx, principal.userId, body.newPassword, {
      keepSessionId: principal.sessionId,
      by: 'self',
    });
    return 'ok' as const;
  }).then((r) => {
    if (r === 'wrong') throw AuthErrors.currentPasswordWrong();
  });
}

/**
 * An administrator resets a user's password: `force_change` makes the current one work once more, only
 * to set a new one; `temporary` sets a generated one (returned once) that must be changed at next
 * sign-in. Either way the user's sessions end.
 */
export async function adminResetPassword(
  platform: Platform,
  caller: Caller,
  userId: string,
  mode: 'force_change' | 'temporary',
) {
  authorize(caller.principal, 'users.passwords');
  return withTenantTx(platform.db, caller.ctx.tenantId, (tx) =>
    adminResetPasswordInTx(tx, caller, userId, mode),
  );
}

export async function adminResetPasswordInTx(
  tx: Tx,
  caller: Caller,
  userId: string,
  mode: 'force_change' | 'temporary',
) {
  authorize(caller.principal, 'users.passwords');
  const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
  const now = caller.ctx.clock.now();
  if (mode === 'temporary') {
    const temporary = generatePassword(
      Math.max(20, passwordPolicyOf(await tenantSettings(tx, caller.ctx.tenantId)).minLength),
    );
    const result = await setPasswordInTx(tx, caller.ctx, userId, temporary, {
      mustChange: true,
      by: 'admin',
      skipPolicy: true,
    });
    return { temporaryPassword: temporary, ...result, changed: true };
  }
  await tx
    .updateTable('users')
    .set({ mustChangePassword: true, updatedAt: now })
    .where('tenantId', '=', caller.ctx.tenantId)
    .where('id', '=', userId)
    .execute();
  const ended = await repo.revokeSessionsOfUser(tx, caller.ctx.tenantId, userId, now);
  await recordAudit(tx, caller.ctx, {
    action: 'user.password_reset_forced',
    target: { type: 'user', id: userId, label: label(user) },
    after: { mustChangeAtNextSignIn: true, endedSessions: ended },
  });
  return { temporaryPassword: null, endedSessions: ended, changed: true };
}

/** Lifts a temporary lockout before it expires. */
export async function unlockUser(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'users.passwords');
  await withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
    if (!user.lockedUntil && user.failedSignIns === 0) return;
    await repo.resetFailedSignIns(tx, caller.ctx.tenantId, userId);
    await recordAudit(tx, caller.ctx, {
      action: 'user.unlocked',
      target: { type: 'user', id: userId, label: label(user) },
      before: { lockedUntil: user.lockedUntil, failedSignIns: user.failedSignIns },
    });
  });
}

// ---------------------------------------------------------------- sessions and devices (rule 27)

type LiveSession = Awaited<ReturnType<typeof repo.liveSessions>>[number];

function sessionView(s: LiveSession, currentId?: string) {
  const device =
    s.browser || s.os
      ? { browser: s.browser, os: s.os, deviceType: s.deviceType }
      : describeDevice(s.userAgent ?? undefined);
  return {
    id: s.id,
    current: s.id === currentId,
    ...device,
    ip: s.ip,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    expiresAt: s.expiresAt,
    passwordChangeOnly: s.purpose === 'password_change',
  };
}

async function idleMinutesOf(tx: Tx, tenantId: string): Promise<number> {
  const settings = (await tenantSettings(tx, tenantId)) as { session?: Partial<SessionPolicy> };
  return settings.session?.idleMinutes ?? DEFAULT_SESSION_POLICY.idleMinutes;
}

export async function listOwnSessions(platform: Platform, principal: Principal) {
  return withTenantTx(platform.db, principal.tenantId, async (tx) => {
    const now = platform.clock.now();
    const live = await repo.liveSessions(
      tx,
      principal.tenantId,
      principal.userId,
      now,
      await idleMinutesOf(tx, principal.tenantId),
    );
    return { items: live.map((s) => sessionView(s, principal.sessionId)).reverse() };
  });
}

export async function endOwnSession(platform: Platform, ctx: Ctx, principal: Principal, sessionId: string) {
  await withTenantTx(platform.db, principal.tenantId, async (tx) => {
    const session = await tx
      .selectFrom('sessions')
      .select(['id', 'userId'])
      .where('tenantId', '=', principal.tenantId)
      .where('id', '=', sessionId)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    if (!session || session.userId !== principal.userId) throw AuthErrors.sessionNotFound();
    await repo.revokeSession(tx, principal.tenantId, sessionId, platform.clock.now());
    await recordAudit(tx, ctx, {
      action: 'auth.session.ended',
      target: { type: 'user', id: principal.userId, label: principal.label },
      after: { sessionIds: [sessionId], reason: 'ended_by_user' },
    });
  });
}

/** "Sign out everywhere": every session but this one. */
export async function endOtherSessions(platform: Platform, ctx: Ctx, principal: Principal) {
  return withTenantTx(platform.db, principal.tenantId, async (tx) => {
    const now = platform.clock.now();
    const ended = await repo.revokeSessionsOfUser(
      tx,
      principal.tenantId,
      principal.userId,
      now,
      principal.sessionId,
    );
    if (ended > 0) {
      await recordAudit(tx, ctx, {
        action: 'auth.session.ended',
        target: { type: 'user', id: principal.userId, label: principal.label },
        after: { count: ended, reason: 'signed_out_everywhere' },
      });
      securityEvents.emit({
        type: 'sessions_ended',
        tenantId: principal.tenantId,
        userId: principal.userId,
        at: now,
        count: ended,
      });
    }
    return { ended };
  });
}

export async function listUserSessions(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'users.sessions');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    await loadScopedUser(tx, caller, userId);
    const now = caller.ctx.clock.now();
    const live = await repo.liveSessions(
      tx,
      caller.ctx.tenantId,
      userId,
      now,
      await idleMinutesOf(tx, caller.ctx.tenantId),
    );
    return { items: live.map((s) => sessionView(s, caller.principal.sessionId)).reverse() };
  });
}

/** Remote session termination: one session, or (without an id) all of them. */
export async function endUserSessions(
  platform: Platform,
  caller: Caller,
  userId: string,
  sessionId?: string,
) {
  authorize(caller.principal, 'users.sessions');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const user = await loadScopedUser(tx, caller, userId);
    const now = caller.ctx.clock.now();
    let ended: number;
    if (sessionId) {
      const session = await tx
        .selectFrom('sessions')
        .select(['id', 'userId'])
        .where('tenantId', '=', caller.ctx.tenantId)
        .where('id', '=', sessionId)
        .where('revokedAt', 'is', null)
        .executeTakeFirst();
      if (!session || session.userId !== userId) throw AuthErrors.sessionNotFound();
      ended = await repo.revokeSession(tx, caller.ctx.tenantId, sessionId, now);
    } else {
      ended = await repo.revokeSessionsOfUser(tx, caller.ctx.tenantId, userId, now);
    }
    if (ended > 0) {
      await recordAudit(tx, caller.ctx, {
        action: 'auth.session.ended',
        target: { type: 'user', id: userId, label: label(user) },
        after: { count: ended, reason: 'ended_by_admin', ...(sessionId ? { sessionIds: [sessionId] } : {}) },
      });
      securityEvents.emit({
        type: 'sessions_ended',
        tenantId: caller.ctx.tenantId,
        userId,
        at: now,
        count: ended,
      });
    }
    return { ended };
  });
}

// ---------------------------------------------------------------- the tenant's security policy

export interface SecurityPolicy {
  ipAllowList: string[];
  mfa: { required: boolean; requiredRoleIds: string[] };
  password: PasswordPolicy;
  lockout: LockoutPolicy;
  session: SessionPolicy;
}

export function effectiveSecurityPolicy(settings: unknown): SecurityPolicy {
  const s = (settings ?? {}) as {
    password?: Partial<PasswordPolicy>;
    lockout?: Partial<LockoutPolicy>;
    session?: Partial<SessionPolicy>;
  };
  return {
    ipAllowList: ((settings as { ipAllowList?: string[] })?.ipAllowList ?? []) as string[],
    mfa: mfaSettingsOf(settings),
    password: { ...DEFAULT_PASSWORD_POLICY, ...s.password },
    lockout: { ...DEFAULT_LOCKOUT_POLICY, ...s.lockout },
    session: { ...DEFAULT_SESSION_POLICY, ...s.session },
  };
}

export async function getSecurityPolicy(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'settings.manage');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) =>
    effectiveSecurityPolicy(await tenantSettings(tx, caller.ctx.tenantId)),
  );
}

/**
 * Changing the policy applies at each user's next password change; `forcePasswordChange` makes every
 * active user change theirs at the next sign-in instead.
 */
export async function setSecurityPolicy(
  platform: Platform,
  caller: Caller,
  body: {
    password?: Partial<PasswordPolicy>;
    lockout?: Partial<LockoutPolicy>;
    session?: Partial<SessionPolicy>;
    mfa?: { required?: boolean; requiredRoleIds?: string[] };
    ipAllowList?: string[];
    forcePasswordChange?: boolean;
  },
) {
  authorize(caller.principal, 'settings.manage');
  const ipAllowList = body.ipAllowList ? assertValidCidrs(body.ipAllowList, 'body/ipAllowList') : undefined;
  // an allow-list that leaves out the administrator setting it would lock them out on the spot
  if (
    ipAllowList &&
    ipAllowList.length > 0 &&
    caller.principal.tenantId === caller.ctx.tenantId &&
    !ipAllowed(caller.ctx.ip, { tenant: ipAllowList, user: [], roles: [] })
  ) {
    throw new AppError(
      'conflict',
      'security.ip_self_lockout',
      `Your own address (${caller.ctx.ip}) is not in the new allow-list; add it first.`,
    );
  }
  const tenantId = caller.ctx.tenantId;
  return withTenantTx(platform.db, tenantId, async (tx) => {
    const row = await tx
      .selectFrom('tenants')
      .select('settings')
      .where('id', '=', tenantId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const before = effectiveSecurityPolicy(row.settings);
    const settings = row.settings as Record<string, unknown>;
    const next = {
      ...settings,
      password: { ...(settings.password as object), ...body.password },
      lockout: { ...(settings.lockout as object), ...body.lockout },
      session: { ...(settings.session as object), ...body.session },
      mfa: { ...(settings.mfa as object), ...body.mfa },
      ...(ipAllowList ? { ipAllowList } : {}),
    };
    await tx
      .updateTable('tenants')
      .set({ settings: JSON.stringify(next), updatedAt: caller.ctx.clock.now() })
      .where('id', '=', tenantId)
      .execute();
    let forced = 0;
    if (body.forcePasswordChange) {
      const result = await tx
        .updateTable('users')
        .set({ mustChangePassword: true })
        .where('tenantId', '=', tenantId)
        .where('status', '=', 'active')
        .where('passwordHash', 'is not', null)
        .executeTakeFirst();
      forced = Number(result.numUpdatedRows);
    }
    const after = effectiveSecurityPolicy(next);
    await recordAudit(tx, caller.ctx, {
      action: 'tenant.security_policy_changed',
      target: { type: 'tenant', id: tenantId },
      before,
      after: { ...after, ...(body.forcePasswordChange ? { forcedPasswordChangeFor: forced } : {}) },
    });
    return after;
  });
}

// ---------------------------------------------------------------- reset by email link

const RESET_MINUTES = 60;

export const ResetErrors = {
  linkInvalid: () =>
    new AppError(
      'invalid',
      'auth.reset_link_invalid',
      'This password reset link has expired or was already used. Ask for a new one.',
    ),
};

async function issueResetLink(
  platform: Platform,
  tx: Tx,
  ctx: Ctx,
  user: { id: string; email: string; firstName: string },
) {
  const token = newToken('rc_pwr');
  const now = ctx.clock.now();
  // a new link replaces any earlier one
  await tx
    .updateTable('passwordResetTokens')
    .set({ usedAt: now })
    .where('tenantId', '=', ctx.tenantId)
    .where('userId', '=', user.id)
    .where('usedAt', 'is', null)
    .execute();
  await tx
    .insertInto('passwordResetTokens')
    .values({
      tenantId: ctx.tenantId,
      id: uuidv7(),
      userId: user.id,
      tokenHash: hashToken(token),
      sentTo: user.email,
      expiresAt: new Date(now.getTime() + RESET_MINUTES * 60_000),
      createdAt: now,
    })
    .execute();
  const tenant = await tx
    .selectFrom('tenants')
    .select('name')
    .where('id', '=', ctx.tenantId)
    .executeTakeFirstOrThrow();
  const link = `${platform.baseUrl}/reset-password?token=${encodeURIComponent(token)}`;
  await queueMail(platform, tx, ctx, {
    to: user.email,
    toUserId: user.id,
    kind: 'password_reset',
    ...passwordResetEmail({
      tenantName: tenant.name,
      firstName: user.firstName,
      link,
      minutes: RESET_MINUTES,
    }),
  });
}

/**
 * "Forgot my password": answers the same whether or not the account exists; a link goes only to an
 * active user with an email address.
 */
export async function requestPasswordReset(
  platform: Platform,
  body: { tenant: string; login: string },
  info: { ip?: string; userAgent?: string; requestId?: string },
) {
  const tenant = await withSystemTx(platform.db, (tx) => findTenantBySlug(tx, body.tenant.trim()));
  if (tenant?.status !== 'active') return;
  await withTenantTx(platform.db, tenant.id, async (tx) => {
    const user = await findUserByLogin(tx, tenant.id, body.login);
    const ctx: Ctx = {
      tenantId: tenant.id,
      actor: { type: 'anonymous', label: body.login.slice(0, 254) },
      clock: platform.clock,
      ...info,
    };
    if (user?.status !== 'active' || !user.email) {
      await recordAudit(tx, ctx, {
        action: 'auth.password_reset_refused',
        target: user
          ? { type: 'user', id: user.id, label: label(user) }
          : { type: 'login', label: body.login.slice(0, 254) },
        after: { reason: !user ? 'unknown_login' : !user.email ? 'no_email' : `status_${user.status}` },
      });
      return;
    }
    await issueResetLink(platform, tx, ctx, { id: user.id, email: user.email, firstName: user.firstName });
    await recordAudit(tx, ctx, {
      action: 'auth.password_reset_requested',
      target: { type: 'user', id: user.id, label: label(user) },
    });
  });
}

/**
 * What a reset link is for, so its page can greet the person and check the new password live:
 * the organization, the login, the password rules. Nothing for a link that no longer works.
 */
export async function inspectPasswordReset(platform: Platform, token: string) {
  const found = await tenantOfToken(platform.db, 'password_reset_tokens', hashToken(token));
  if (!found) throw ResetErrors.linkInvalid();
  return withTenantTx(platform.db, found.tenantId, async (tx) => {
    const row = await tx
      .selectFrom('passwordResetTokens')
      .selectAll()
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', found.id)
      .executeTakeFirstOrThrow();
    if (row.usedAt || new Date(row.expiresAt).getTime() <= platform.clock.now().getTime())
      throw ResetErrors.linkInvalid();
    const user = await usersRepo.findUser(tx, found.tenantId, row.userId);
    if (user?.status !== 'active') throw ResetErrors.linkInvalid();
    const tenant = await tx
      .selectFrom('tenants')
      .select(['name', 'slug'])
      .where('id', '=', found.tenantId)
      .executeTakeFirstOrThrow();
    return {
      tenantName: tenant.name,
      tenantSlug: tenant.slug,
      login: user.email ?? user.username ?? '',
      firstName: user.firstName,
      expiresAt: row.expiresAt,
      passwordPolicy: passwordPolicyOf(await tenantSettings(tx, found.tenantId)),
    };
  });
}

export async function completePasswordReset(
  platform: Platform,
  body: { token: string; newPassword: string },
  info: { ip?: string; userAgent?: string; requestId?: string },
) {
  const found = await tenantOfToken(platform.db, 'password_reset_tokens', hashToken(body.token));
  if (!found) throw ResetErrors.linkInvalid();
  await withTenantTx(platform.db, found.tenantId, async (tx) => {
    const now = platform.clock.now();
    const row = await tx
      .selectFrom('passwordResetTokens')
      .selectAll()
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', found.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (row.usedAt || new Date(row.expiresAt).getTime() <= now.getTime()) throw ResetErrors.linkInvalid();
    const user = await usersRepo.findUser(tx, found.tenantId, row.userId);
    if (user?.status !== 'active') throw ResetErrors.linkInvalid();
    const ctx: Ctx = {
      tenantId: found.tenantId,
      actor: { type: 'user', userId: user.id, tenantId: found.tenantId, label: label(user) },
      clock: platform.clock,
      ...info,
    };
    await setPasswordInTx(tx, ctx, user.id, body.newPassword, { by: 'self' });
    await tx
      .updateTable('passwordResetTokens')
      .set({ usedAt: now })
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', found.id)
      .execute();
    await repo.resetFailedSignIns(tx, found.tenantId, user.id);
    // the link was opened from the mailbox it went to: that address is the person's, as if confirmed
    if (!user.emailVerifiedAt && user.email && row.sentTo?.toLowerCase() === user.email.toLowerCase())
      await verifyEmailByLinkInTx(tx, ctx, user.id, user.email);
  });
}

async function verifyEmailByLinkInTx(tx: Tx, ctx: Ctx, userId: string, email: string) {
  const now = ctx.clock.now();
  await tx
    .updateTable('users')
    .set({ emailVerifiedAt: now })
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', userId)
    .execute();
  // a confirmation link still out for this address has nothing left to prove
  await tx
    .updateTable('emailVerifications')
    .set({ status: 'replaced', closedAt: now })
    .where('tenantId', '=', ctx.tenantId)
    .where('userId', '=', userId)
    .where('status', '=', 'sent')
    .execute();
  await recordAudit(tx, ctx, {
    action: 'user.email_verified',
    target: { type: 'user', id: userId, label: ctx.actor.label },
    after: { email, by: 'password_link' },
  });
}

/** How long the link of a welcome email works: people added by an import may not read mail at once. */
export const WELCOME_LINK_DAYS = 7;

/**
 * Welcome emails for users an import created, in the import's batch transaction: each names who
 * added them, the organization and login to sign in with, and carries a single-use link to choose
 * a password (a reset link that lives for days). One statement for the links; one message and
 * delivery job each, through the outbox.
 */
export async function sendWelcomeLinksInTx(
  platform: Platform,
  tx: Tx,
  ctx: Ctx,
  users: ReadonlyArray<{
    id: string;
    email: string;
    username: string | null;
    firstName: string;
    lastName: string;
  }>,
) {
  if (users.length === 0) return;
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + WELCOME_LINK_DAYS * 86_400_000);
  const tokens = users.map(() => newToken('rc_pwr'));
  await tx
    .insertInto('passwordResetTokens')
    .values(
      users.map((u, i) => ({
        tenantId: ctx.tenantId,
        id: uuidv7(),
        userId: u.id,
        tokenHash: hashToken(tokens[i]!),
        sentTo: u.email,
        expiresAt,
        createdAt: now,
      })),
    )
    .execute();
  const tenant = await tx
    .selectFrom('tenants')
    .select(['name', 'slug'])
    .where('id', '=', ctx.tenantId)
    .executeTakeFirstOrThrow();
  await queueMails(
    platform,
    tx,
    ctx,
    users.map((u, i) => ({
      to: u.email,
      toUserId: u.id,
      kind: 'import_welcome',
      ...importWelcomeEmail({
        tenantName: tenant.name,
        importerName: ctx.actor.label,
        firstName: u.firstName,
        slug: tenant.slug,
        email: u.email,
        username: u.username,
        link: `${platform.baseUrl}/reset-password?token=${encodeURIComponent(tokens[i]!)}`,
        days: WELCOME_LINK_DAYS,
      }),
    })),
  );
  await recordAudits(
    tx,
    ctx,
    users.map((u) => ({
      action: 'user.welcome_link_sent',
      target: { type: 'user', id: u.id, label: `${u.firstName} ${u.lastName}` },
      after: { email: u.email, expiresAt: expiresAt.toISOString() },
    })),
  );
}

/** An administrator sends a reset link (one user, or many through the bulk action). */
export async function sendResetLinkInTx(tx: Tx, platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'users.passwords');
  const user = await loadScopedUser(tx, caller, userId);
  if (!user.email)
    throw new AppError('conflict', 'user.no_email', 'This user has no email address to send a link to.');
  if (user.status !== 'active')
    throw new AppError('conflict', 'user.not_active', 'Only active users can reset their password.');
  await issueResetLink(platform, tx, caller.ctx, {
    id: user.id,
    email: user.email,
    firstName: user.firstName,
  });
  await recordAudit(tx, caller.ctx, {
    action: 'user.password_reset_link_sent',
    target: { type: 'user', id: userId, label: label(user) },
  });
  return { changed: true };
}

/** Rule 28, per user: the ranges this user may sign in and work from (empty = no restriction of its own). */
export async function setUserIpRanges(platform: Platform, caller: Caller, userId: string, ranges: string[]) {
  authorize(caller.principal, 'settings.manage');
  const normalized = assertValidCidrs(ranges, 'body/ipRanges');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
    await tx
      .updateTable('users')
      .set({ ipRanges: normalized, updatedAt: caller.ctx.clock.now() })
      .where('tenantId', '=', caller.ctx.tenantId)
      .where('id', '=', userId)
      .execute();
    await recordAudit(tx, caller.ctx, {
      action: 'user.ip_ranges_changed',
      target: { type: 'user', id: userId, label: label(user) },
      before: { ipRanges: user.ipRanges },
      after: { ipRanges: normalized },
    });
    return { ipRanges: normalized };
  });
}
