import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import type { Principal } from '../../platform/auth.ts';
import type { Ctx } from '../../platform/context.ts';
import { type Tx, withSystemTx, withTenantTx } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { queueMail } from '../../platform/mail.ts';
import type { Platform } from '../../platform/platform.ts';
import { seal, unseal } from '../../platform/sealed.ts';
import { hashToken, hmac, newToken, safeEqual } from '../../platform/tokens.ts';
import { authorize } from '../access/authorize.ts';
import { signInCodeEmail } from '../notifications/templates.ts';
import { signInBlocked } from '../users/user-status.ts';
import { type Caller, loadScopedUser } from '../users/users.service.ts';
import type { RequestInfo } from './auth.service.ts';
import { securityEvents } from './security-events.ts';

/**
 * Rule 26: second factors. TOTP (6 digits, 30 s, ±1 step, a used code never accepted again), ten
 * single-use recovery codes, and the challenge a password sign-in leaves open until the second
 * factor is proven. Enforced per tenant and per role: an enforced user without a factor gets a
 * session that may only enrol one.
 */
export const MfaErrors = {
  challengeInvalid: () =>
    new AppError(
      'unauthenticated',
      'auth.mfa_challenge_invalid',
      'This sign-in has expired or was already completed; sign in again.',
    ),
  codeWrong: () => new AppError('unauthenticated', 'auth.mfa_code_wrong', 'The code is not correct.'),
  tooManyAttempts: () =>
    new AppError('unauthenticated', 'auth.mfa_too_many_attempts', 'Too many wrong codes; sign in again.'),
  methodUnavailable: (method: string) =>
    new AppError('invalid', 'auth.mfa_method_unavailable', `“${method}” is not set up for this account.`),
  factorNotFound: () => new AppError('not_found', 'mfa.factor_not_found', 'No such second factor.'),
  alreadyConfirmed: () => new AppError('conflict', 'mfa.already_confirmed', 'This factor is already active.'),
  lastFactorEnforced: () =>
    new AppError(
      'conflict',
      'mfa.last_factor_enforced',
      'Your organization requires a second factor; add another before removing this one.',
    ),
  noFactor: () => new AppError('conflict', 'mfa.no_factor', 'Set up a second factor first.'),
};

const CHALLENGE_MINUTES = 5;
const MAX_ATTEMPTS = 5;
const RECOVERY_CODES = 10;
const TOTP_PERIOD = 30;

export interface MfaSettings {
  required?: boolean;
  requiredRoleIds?: string[];
}

export function mfaSettingsOf(settings: unknown): Required<MfaSettings> {
  const m = (settings as { mfa?: MfaSettings })?.mfa ?? {};
  return { required: m.required ?? false, requiredRoleIds: m.requiredRoleIds ?? [] };
}

export async function confirmedFactorKinds(tx: Tx, tenantId: string, userId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('mfaFactors')
    .select('kind')
    .distinct()
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('confirmedAt', 'is not', null)
    .execute();
  return rows.map((r) => r.kind);
}

/** Enforced for the tenant, or for one of the user's roles (direct or through a group). */
export async function isMfaEnforced(
  tx: Tx,
  tenantId: string,
  userId: string,
  settings: unknown,
): Promise<boolean> {
  const m = mfaSettingsOf(settings);
  if (m.required) return true;
  if (m.requiredRoleIds.length === 0) return false;
  const direct = await tx
    .selectFrom('userRoles')
    .select('roleId')
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('roleId', 'in', m.requiredRoleIds)
    .executeTakeFirst();
  if (direct) return true;
  const viaGroup = await tx
    .selectFrom('groupMembers as gm')
    .innerJoin('groups as g', (j) =>
      j.onRef('g.tenantId', '=', 'gm.tenantId').onRef('g.id', '=', 'gm.groupId'),
    )
    .select('g.roleId')
    .where('gm.tenantId', '=', tenantId)
    .where('gm.userId', '=', userId)
    .where('g.roleId', 'in', m.requiredRoleIds)
    .executeTakeFirst();
  return viaGroup !== undefined;
}

export async function openChallenge(tx: Tx, ctx: Ctx, userId: string, info: RequestInfo) {
  const token = newToken('rc_mfa');
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + CHALLENGE_MINUTES * 60_000);
  await tx
    .insertInto('mfaChallenges')
    .values({
      tenantId: ctx.tenantId,
      id: uuidv7(),
      userId,
      tokenHash: hashToken(token),
      expiresAt,
      ip: info.ip ?? null,
      userAgent: info.userAgent ?? null,
      createdAt: now,
    })
    .execute();
  return { token, expiresAt };
}

// ---------------------------------------------------------------- TOTP

function totpFor(secretBase32: string, label: string): TOTP {
  return new TOTP({
    issuer: 'Rollcall',
    label,
    secret: Secret.fromBase32(secretBase32),
    digits: 6,
    period: TOTP_PERIOD,
    algorithm: 'SHA1',
  });
}

/**
 * Checks a code against the factor's secret at the clock's time (±1 step) and records the step it
 * matched, atomically: the same code (or an older one) is refused the second time.
 */
async function verifyTotp(
  tx: Tx,
  platform: Platform,
  ctx: Ctx,
  factor: { id: string; secretEnc: string | null; lastUsedStep: string | null },
  code: string,
) {
  if (!/^\d{6}$/.test(code) || !factor.secretEnc) return false;
  const secret = unseal(platform.secret, 'totp', factor.secretEnc);
  const at = ctx.clock.now().getTime();
  const delta = totpFor(secret, 'x').validate({ token: code, window: 1, timestamp: at });
  if (delta === null) return false;
  const step = Math.floor(at / 1000 / TOTP_PERIOD) + delta;
  const claimed = await tx
    .updateTable('mfaFactors')
    .set({ lastUsedStep: String(step), lastUsedAt: ctx.clock.now() })
    .where('tenantId', '=', ctx.tenantId)
    .where('id', '=', factor.id)
    .where((eb) => eb.or([eb('lastUsedStep', 'is', null), eb('lastUsedStep', '<', String(step))]))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1;
}

export async function startTotpEnrolment(platform: Platform, ctx: Ctx, principal: Principal, name?: string) {
  const secret = new Secret({ size: 20 }).base32;
  const account = principal.user.email ?? principal.user.username ?? principal.label;
  const uri = totpFor(secret, `${principal.tenant.slug}:${account}`).toString();
  const id = uuidv7();
  await withTenantTx(platform.db, principal.tenantId, async (tx) => {
    // an unfinished enrolment is replaced, never left to pile up
    await tx
      .deleteFrom('mfaFactors')
      .where('tenantId', '=', principal.tenantId)
      .where('userId', '=', principal.userId)
      .where('kind', '=', 'totp')
      .where('confirmedAt', 'is', null)
      .execute();
    await tx
      .insertInto('mfaFactors')
      .values({
        tenantId: principal.tenantId,
        id,
        userId: principal.userId,
        kind: 'totp',
        name: name?.trim() || 'Authenticator app',
        secretEnc: seal(platform.secret, 'totp', secret),
        createdAt: ctx.clock.now(),
      })
      .execute();
  });
  return {
    factorId: id,
    secret,
    otpauthUri: uri,
    qrCode: await QRCode.toDataURL(uri, { margin: 1, width: 220 }),
  };
}

export async function confirmTotpEnrolment(
  platform: Platform,
  ctx: Ctx,
  principal: Principal,
  factorId: string,
  code: string,
) {
  return withTenantTx(platform.db, principal.tenantId, async (tx) => {
    const factor = await tx
      .selectFrom('mfaFactors')
      .selectAll()
      .where('tenantId', '=', principal.tenantId)
      .where('id', '=', factorId)
      .where('userId', '=', principal.userId)
      .forUpdate()
      .executeTakeFirst();
    if (factor?.kind !== 'totp') throw MfaErrors.factorNotFound();
    if (factor.confirmedAt) throw MfaErrors.alreadyConfirmed();
    if (!(await verifyTotp(tx, platform, ctx, factor, code))) throw MfaErrors.codeWrong();
    const first = (await confirmedFactorKinds(tx, principal.tenantId, principal.userId)).length === 0;
    await tx
      .updateTable('mfaFactors')
      .set({ confirmedAt: ctx.clock.now() })
      .where('tenantId', '=', principal.tenantId)
      .where('id', '=', factorId)
      .execute();
    const recoveryCodes = first ? await issueFirstFactorRecoveryCodes(tx, platform, ctx, principal) : null;
    await recordAudit(tx, ctx, {
      action: 'user.mfa_factor_added',
      target: { type: 'user', id: principal.userId, label: principal.label },
      after: { factorId, kind: 'totp', name: factor.name, recoveryCodesIssued: recoveryCodes !== null },
    });
    return { factorId, recoveryCodes };
  }).then((r) => {
    securityEvents.emit({
      type: 'mfa_changed',
      tenantId: principal.tenantId,
      userId: principal.userId,
      at: ctx.clock.now(),
      change: 'added',
    });
    return r;
  });
}

/**
 * A user's first factor comes with their recovery codes, and ends the enrolment-only restriction of
 * the session that enrolled it.
 */
export async function issueFirstFactorRecoveryCodes(
  tx: Tx,
  platform: Platform,
  ctx: Ctx,
  principal: Principal,
) {
  const codes = await replaceRecoveryCodes(tx, platform, ctx, principal.userId);
  if (principal.sessionId) {
    await tx
      .updateTable('sessions')
      .set({ purpose: 'full' })
      .where('tenantId', '=', principal.tenantId)
      .where('id', '=', principal.sessionId)
      .where('purpose', '=', 'mfa_enrolment')
      .execute();
  }
  return codes;
}

// ---------------------------------------------------------------- recovery codes

function recoveryHash(platform: Platform, code: string) {
  return hmac(platform.secret, `recovery:${code.replace(/[\s-]/g, '').toLowerCase()}`);
}

async function replaceRecoveryCodes(tx: Tx, platform: Platform, ctx: Ctx, userId: string): Promise<string[]> {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const codes = Array.from({ length: RECOVERY_CODES }, () => {
    const bytes = randomBytes(10);
    const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
  await tx
    .deleteFrom('recoveryCodes')
    .where('tenantId', '=', ctx.tenantId)
    .where('userId', '=', userId)
    .execute();
  await tx
    .insertInto('recoveryCodes')
    .values(
      codes.map((c) => ({
        tenantId: ctx.tenantId,
        id: uuidv7(),
        userId,
        codeHash: recoveryHash(platform, c),
        createdAt: ctx.clock.now(),
      })),
    )
    .execute();
  return codes;
}

export async function regenerateRecoveryCodes(platform: Platform, ctx: Ctx, principal: Principal) {
  return withTenantTx(platform.db, principal.tenantId, async (tx) => {
    if ((await confirmedFactorKinds(tx, principal.tenantId, principal.userId)).length === 0)
      throw MfaErrors.noFactor();
    const codes = await replaceRecoveryCodes(tx, platform, ctx, principal.userId);
    await recordAudit(tx, ctx, {
      action: 'user.recovery_codes_regenerated',
      target: { type: 'user', id: principal.userId, label: principal.label },
    });
    return { recoveryCodes: codes };
  });
}

async function consumeRecoveryCode(tx: Tx, platform: Platform, ctx: Ctx, userId: string, code: string) {
  const used = await tx
    .updateTable('recoveryCodes')
    .set({ usedAt: ctx.clock.now() })
    .where('tenantId', '=', ctx.tenantId)
    .where('userId', '=', userId)
    .where('codeHash', '=', recoveryHash(platform, code))
    .where('usedAt', 'is', null)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1;
}

// ---------------------------------------------------------------- completing a sign-in

export interface MfaCompletion {
  mfaToken: string;
  method: 'totp' | 'recovery_code' | 'email' | 'passkey';
  code?: string;
  /** The authenticator's answer, for `passkey`. */
  credential?: unknown;
}

/** `POST /api/v1/auth/mfa`: proves the second factor of a sign-in that answered `mfaRequired`. */
export async function completeMfa(platform: Platform, body: MfaCompletion, info: RequestInfo) {
  const tokenHash = hashToken(body.mfaToken);
  const found = await withSystemTx(platform.db, (tx) =>
    tx
      .selectFrom('mfaChallenges')
      .select(['tenantId', 'id'])
      .where('tokenHash', '=', tokenHash)
      .executeTakeFirst(),
  );
  if (!found) throw MfaErrors.challengeInvalid();
  const { openSessionInTx } = await import('./auth.service.ts');
  const result = await withTenantTx(platform.db, found.tenantId, async (tx) => {
    const now = platform.clock.now();
    const challenge = await tx
      .selectFrom('mfaChallenges')
      .selectAll()
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', found.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (challenge.completedAt || new Date(challenge.expiresAt).getTime() <= now.getTime())
      return { error: MfaErrors.challengeInvalid() };
    if (challenge.attempts >= MAX_ATTEMPTS) return { error: MfaErrors.tooManyAttempts() };
    const user = await tx
      .selectFrom('users')
      .selectAll()
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', challenge.userId)
      .executeTakeFirstOrThrow();
    const tenant = await tx
      .selectFrom('tenants')
      .select(['settings', 'status'])
      .where('id', '=', found.tenantId)
      .executeTakeFirstOrThrow();
    const ctx: Ctx = {
      tenantId: found.tenantId,
      actor: {
        type: 'user',
        userId: user.id,
        tenantId: found.tenantId,
        label: `${user.firstName} ${user.lastName}`,
      },
      clock: platform.clock,
      ...info,
    };
    if (user.status !== 'active' || tenant.status !== 'active' || signInBlocked(user, now))
      return { error: MfaErrors.challengeInvalid() };
    let ok = false;
    if (body.method === 'totp') {
      const factors = await tx
        .selectFrom('mfaFactors')
        .select(['id', 'secretEnc', 'lastUsedStep'])
        .where('tenantId', '=', found.tenantId)
        .where('userId', '=', user.id)
        .where('kind', '=', 'totp')
        .where('confirmedAt', 'is not', null)
        .execute();
      if (factors.length === 0) return { error: MfaErrors.methodUnavailable('totp') };
      for (const f of factors) if (!ok) ok = await verifyTotp(tx, platform, ctx, f, body.code ?? '');
    } else if (body.method === 'recovery_code') {
      ok = await consumeRecoveryCode(tx, platform, ctx, user.id, body.code ?? '');
    } else if (body.method === 'email') {
      ok =
        challenge.emailCodeHash !== null &&
        challenge.emailCodeExpiresAt !== null &&
        new Date(challenge.emailCodeExpiresAt).getTime() > now.getTime() &&
        safeEqual(challenge.emailCodeHash, hashToken(`email:${challenge.id}:${body.code ?? ''}`));
    } else if (body.method === 'passkey') {
      const { verifySecondFactorPasskey } = await import('./passkeys.service.ts');
      ok = await verifySecondFactorPasskey(
        tx,
        platform,
        found.tenantId,
        user.id,
        challenge.webauthnChallenge,
        body.credential,
      );
    }
    const target = { type: 'user', id: user.id, label: `${user.firstName} ${user.lastName}` };
    if (!ok) {
      await tx
        .updateTable('mfaChallenges')
        .set({ attempts: challenge.attempts + 1 })
        .where('tenantId', '=', found.tenantId)
        .where('id', '=', found.id)
        .execute();
      await recordAudit(tx, ctx, {
        action: 'auth.mfa.failed',
        target,
        after: { method: body.method, attempt: challenge.attempts + 1 },
      });
      return {
        error: challenge.attempts + 1 >= MAX_ATTEMPTS ? MfaErrors.tooManyAttempts() : MfaErrors.codeWrong(),
        commit: true,
      };
    }
    await tx
      .updateTable('mfaChallenges')
      .set({ completedAt: now })
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', found.id)
      .execute();
    if (body.method === 'recovery_code') {
      const left = await tx
        .selectFrom('recoveryCodes')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('tenantId', '=', found.tenantId)
        .where('userId', '=', user.id)
        .where('usedAt', 'is', null)
        .executeTakeFirstOrThrow();
      await recordAudit(tx, ctx, {
        action: 'user.recovery_code_used',
        target,
        after: { remaining: Number(left.n) },
      });
    }
    const session = await openSessionInTx(tx, ctx, tenant.settings, user, info, {
      method: `password+${body.method}`,
      enrol: false,
    });
    const t = await tx
      .selectFrom('tenants')
      .select(['id', 'kind', 'parentId', 'name', 'slug'])
      .where('id', '=', found.tenantId)
      .executeTakeFirstOrThrow();
    return { session, user, tenant: t };
  });
  if ('error' in result && result.error) throw result.error;
  const done = result as Exclude<typeof result, { error: AppError }>;
  securityEvents.emit({
    type: 'signed_in',
    tenantId: found.tenantId,
    userId: done.user.id,
    at: platform.clock.now(),
    method: `password+${body.method}`,
  });
  return done;
}

// ---------------------------------------------------------------- my factors, an admin's reset

export async function listFactors(platform: Platform, principal: Principal) {
  return withTenantTx(platform.db, principal.tenantId, async (tx) => {
    const factors = await tx
      .selectFrom('mfaFactors')
      .select(['id', 'kind', 'name', 'createdAt', 'lastUsedAt'])
      .where('tenantId', '=', principal.tenantId)
      .where('userId', '=', principal.userId)
      .where('confirmedAt', 'is not', null)
      .orderBy('createdAt')
      .execute();
    const left = await tx
      .selectFrom('recoveryCodes')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tenantId', '=', principal.tenantId)
      .where('userId', '=', principal.userId)
      .where('usedAt', 'is', null)
      .executeTakeFirstOrThrow();
    const settings = (
      await tx
        .selectFrom('tenants')
        .select('settings')
        .where('id', '=', principal.tenantId)
        .executeTakeFirstOrThrow()
    ).settings;
    return {
      factors,
      recoveryCodesRemaining: Number(left.n),
      enforced: await isMfaEnforced(tx, principal.tenantId, principal.userId, settings),
    };
  });
}

export async function removeFactor(platform: Platform, ctx: Ctx, principal: Principal, factorId: string) {
  await withTenantTx(platform.db, principal.tenantId, async (tx) => {
    const factor = await tx
      .selectFrom('mfaFactors')
      .select(['id', 'kind', 'name', 'confirmedAt'])
      .where('tenantId', '=', principal.tenantId)
      .where('userId', '=', principal.userId)
      .where('id', '=', factorId)
      .executeTakeFirst();
    if (!factor) throw MfaErrors.factorNotFound();
    const settings = (
      await tx
        .selectFrom('tenants')
        .select('settings')
        .where('id', '=', principal.tenantId)
        .executeTakeFirstOrThrow()
    ).settings;
    const confirmed = await tx
      .selectFrom('mfaFactors')
      .select('id')
      .where('tenantId', '=', principal.tenantId)
      .where('userId', '=', principal.userId)
      .where('confirmedAt', 'is not', null)
      .execute();
    const last = factor.confirmedAt !== null && confirmed.length === 1;
    if (last && (await isMfaEnforced(tx, principal.tenantId, principal.userId, settings)))
      throw MfaErrors.lastFactorEnforced();
    await tx
      .deleteFrom('mfaFactors')
      .where('tenantId', '=', principal.tenantId)
      .where('id', '=', factorId)
      .execute();
    if (last)
      await tx
        .deleteFrom('recoveryCodes')
        .where('tenantId', '=', principal.tenantId)
        .where('userId', '=', principal.userId)
        .execute();
    await recordAudit(tx, ctx, {
      action: 'user.mfa_factor_removed',
      target: { type: 'user', id: principal.userId, label: principal.label },
      before: { factorId, kind: factor.kind, name: factor.name },
    });
  });
}

/** An administrator takes away a user's second factors (lost phone); the user enrols again. */
export async function adminResetMfa(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'users.passwords');
  await withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const user = await loadScopedUser(tx, caller, userId, { forUpdate: true });
    const removed = await tx
      .deleteFrom('mfaFactors')
      .where('tenantId', '=', caller.ctx.tenantId)
      .where('userId', '=', userId)
      .executeTakeFirst();
    await tx
      .deleteFrom('recoveryCodes')
      .where('tenantId', '=', caller.ctx.tenantId)
      .where('userId', '=', userId)
      .execute();
    await recordAudit(tx, caller.ctx, {
      action: 'user.mfa_reset',
      target: { type: 'user', id: userId, label: `${user.firstName} ${user.lastName}` },
      after: { removedFactors: Number(removed.numDeletedRows) },
    });
  });
}

// ---------------------------------------------------------------- one-time codes by email

const EMAIL_CODE_MINUTES = 10;

/** Emails a one-time code for a pending sign-in; a new request replaces the previous code. */
export async function sendEmailCode(platform: Platform, mfaToken: string, info: RequestInfo) {
  const found = await withSystemTx(platform.db, (tx) =>
    tx
      .selectFrom('mfaChallenges')
      .select(['tenantId', 'id'])
      .where('tokenHash', '=', hashToken(mfaToken))
      .executeTakeFirst(),
  );
  if (!found) throw MfaErrors.challengeInvalid();
  await withTenantTx(platform.db, found.tenantId, async (tx) => {
    const now = platform.clock.now();
    const challenge = await tx
      .selectFrom('mfaChallenges')
      .selectAll()
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', found.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (challenge.completedAt || new Date(challenge.expiresAt).getTime() <= now.getTime())
      throw MfaErrors.challengeInvalid();
    const user = await tx
      .selectFrom('users')
      .select(['id', 'email', 'firstName', 'lastName'])
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', challenge.userId)
      .executeTakeFirstOrThrow();
    if (!user.email) throw MfaErrors.methodUnavailable('email');
    const tenant = await tx
      .selectFrom('tenants')
      .select('name')
      .where('id', '=', found.tenantId)
      .executeTakeFirstOrThrow();
    const code = String(randomBytes(4).readUInt32BE() % 1_000_000).padStart(6, '0');
    await tx
      .updateTable('mfaChallenges')
      .set({
        emailCodeHash: hashToken(`email:${challenge.id}:${code}`),
        emailCodeExpiresAt: new Date(now.getTime() + EMAIL_CODE_MINUTES * 60_000),
      })
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', found.id)
      .execute();
    const ctx: Ctx = {
      tenantId: found.tenantId,
      actor: {
        type: 'user',
        userId: user.id,
        tenantId: found.tenantId,
        label: `${user.firstName} ${user.lastName}`,
      },
      clock: platform.clock,
      ...info,
    };
    const mail = signInCodeEmail({
      tenantName: tenant.name,
      firstName: user.firstName,
      code,
      minutes: EMAIL_CODE_MINUTES,
    });
    await queueMail(platform, tx, ctx, { to: user.email, toUserId: user.id, kind: 'sign_in_code', ...mail });
    await recordAudit(tx, ctx, {
      action: 'auth.mfa.email_code_sent',
      target: { type: 'user', id: user.id, label: ctx.actor.label },
    });
  });
}
