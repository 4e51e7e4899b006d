import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import type { Principal } from '../../platform/auth.ts';
import { ipRulesOf } from '../../platform/auth.ts';
import type { Ctx } from '../../platform/context.ts';
import { type Tx, withSystemTx, withTenantTx } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import { hashToken } from '../../platform/tokens.ts';
import { loadAccessInputs } from '../access/access.repository.ts';
import { signInBlocked } from '../users/user-status.ts';
import { findTenantBySlug } from './auth.repository.ts';
import type { RequestInfo } from './auth.service.ts';
import { ipAllowed, ipNotAllowed } from './ip-restrictions.ts';
import { confirmedFactorKinds, issueFirstFactorRecoveryCodes, MfaErrors } from './mfa.service.ts';

/**
 * Passkeys (WebAuthn, what "biometric" means on the web): several per user, named, removable; used
 * as the second factor after a password, or alone, without a password. The relying party is the
 * host users reach Rollcall at (PUBLIC_URL).
 */
export const PasskeyErrors = {
  verificationFailed: () =>
    new AppError('unauthenticated', 'auth.passkey_failed', 'The passkey could not be verified.'),
  challengeInvalid: () =>
    new AppError(
      'unauthenticated',
      'auth.passkey_challenge_invalid',
      'This passkey request has expired; try again.',
    ),
};

const CHALLENGE_MINUTES = 5;

function relyingParty(platform: Platform) {
  const url = new URL(platform.baseUrl);
  return { rpID: url.hostname, origin: url.origin };
}

export async function registrationOptions(platform: Platform, ctx: Ctx, principal: Principal) {
  const { rpID } = relyingParty(platform);
  return withTenantTx(platform.db, principal.tenantId, async (tx) => {
    const existing = await tx
      .selectFrom('mfaFactors')
      .select(['credentialId', 'transports'])
      .where('tenantId', '=', principal.tenantId)
      .where('userId', '=', principal.userId)
      .where('kind', '=', 'passkey')
      .where('confirmedAt', 'is not', null)
      .execute();
    const options = await generateRegistrationOptions({
      rpName: 'Rollcall',
      rpID,
      userName: principal.user.email ?? principal.user.username ?? principal.label,
      userDisplayName: principal.label,
      userID: new TextEncoder().encode(principal.userId),
      attestationType: 'none',
      excludeCredentials: existing.map((e) => ({
        id: e.credentialId!,
        transports: (e.transports ?? undefined) as never,
      })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    await tx
      .deleteFrom('mfaFactors')
      .where('tenantId', '=', principal.tenantId)
      .where('userId', '=', principal.userId)
      .where('kind', '=', 'passkey')
      .where('confirmedAt', 'is', null)
      .execute();
    const factorId = uuidv7();
    await tx
      .insertInto('mfaFactors')
      .values({
        tenantId: principal.tenantId,
        id: factorId,
        userId: principal.userId,
        kind: 'passkey',
        name: 'Passkey',
        pendingChallenge: options.challenge,
        createdAt: ctx.clock.now(),
      })
      .execute();
    return { factorId, options };
  });
}

export async function verifyRegistration(
  platform: Platform,
  ctx: Ctx,
  principal: Principal,
  factorId: string,
  body: { response: unknown; name?: string },
) {
  const { rpID, origin } = relyingParty(platform);
  return withTenantTx(platform.db, principal.tenantId, async (tx) => {
    const factor = await tx
      .selectFrom('mfaFactors')
      .selectAll()
      .where('tenantId', '=', principal.tenantId)
      .where('userId', '=', principal.userId)
      .where('id', '=', factorId)
      .where('kind', '=', 'passkey')
      .forUpdate()
      .executeTakeFirst();
    if (!factor) throw MfaErrors.factorNotFound();
    if (factor.confirmedAt || !factor.pendingChallenge) throw MfaErrors.alreadyConfirmed();
    let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verification = await verifyRegistrationResponse({
        response: body.response as RegistrationResponseJSON,
        expectedChallenge: factor.pendingChallenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: false,
      });
    } catch (error) {
      throw new AppError(
        'invalid',
        'auth.passkey_failed',
        `The passkey could not be registered: ${(error as Error).message}`,
      );
    }
    if (!verification.verified) throw PasskeyErrors.verificationFailed();
    const { credential } = verification.registrationInfo;
    const first = (await confirmedFactorKinds(tx, principal.tenantId, principal.userId)).length === 0;
    await tx
      .updateTable('mfaFactors')
      .set({
        name: body.name?.trim() || 'Passkey',
        credentialId: credential.id,
        publicKey: Buffer.from(credential.publicKey),
        signCount: String(credential.counter),
        transports: (credential.transports as string[] | undefined) ?? null,
        pendingChallenge: null,
        confirmedAt: ctx.clock.now(),
      })
      .where('tenantId', '=', principal.tenantId)
      .where('id', '=', factorId)
      .execute();
    const recoveryCodes = first ? await issueFirstFactorRecoveryCodes(tx, platform, ctx, principal) : null;
    await recordAudit(tx, ctx, {
      action: 'user.mfa_factor_added',
      target: { type: 'user', id: principal.userId, label: principal.label },
      after: {
        factorId,
        kind: 'passkey',
        name: body.name?.trim() || 'Passkey',
        recoveryCodesIssued: recoveryCodes !== null,
      },
    });
    return { factorId, recoveryCodes };
  });
}

type StoredPasskey = {
  id: string;
  credentialId: string | null;
  publicKey: Buffer | null;
  signCount: string | null;
  transports: string[] | null;
};

/** Verifies an assertion against a stored passkey and advances its signature counter. */
async function verifyAssertion(
  tx: Tx,
  platform: Platform,
  tenantId: string,
  passkey: StoredPasskey,
  response: AuthenticationResponseJSON,
  challenge: string,
  requireUserVerification: boolean,
) {
  const { rpID, origin } = relyingParty(platform);
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification,
      credential: {
        id: passkey.credentialId!,
        publicKey: new Uint8Array(passkey.publicKey!),
        counter: Number(passkey.signCount ?? 0),
        transports: (passkey.transports ?? undefined) as never,
      },
    });
  } catch {
    return false;
  }
  if (!result.verified) return false;
  await tx
    .updateTable('mfaFactors')
    .set({ signCount: String(result.authenticationInfo.newCounter), lastUsedAt: new Date() })
    .where('tenantId', '=', tenantId)
    .where('id', '=', passkey.id)
    .execute();
  return true;
}

async function userPasskeys(tx: Tx, tenantId: string, userId: string) {
  return tx
    .selectFrom('mfaFactors')
    .select(['id', 'credentialId', 'publicKey', 'signCount', 'transports'])
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('kind', '=', 'passkey')
    .where('confirmedAt', 'is not', null)
    .execute();
}

// ---------------------------------------------------------------- as the second factor

export async function secondFactorOptions(platform: Platform, mfaToken: string) {
  const { rpID } = relyingParty(platform);
  const found = await withSystemTx(platform.db, (tx) =>
    tx
      .selectFrom('mfaChallenges')
      .select(['tenantId', 'id', 'userId', 'expiresAt', 'completedAt'])
      .where('tokenHash', '=', hashToken(mfaToken))
      .executeTakeFirst(),
  );
  if (!found || found.completedAt || new Date(found.expiresAt).getTime() <= platform.clock.now().getTime())
    throw MfaErrors.challengeInvalid();
  return withTenantTx(platform.db, found.tenantId, async (tx) => {
    const passkeys = await userPasskeys(tx, found.tenantId, found.userId);
    if (passkeys.length === 0) throw MfaErrors.methodUnavailable('passkey');
    const options = await generateAuthenticationOptions({
      rpID,
      allowCredentials: passkeys.map((p) => ({
        id: p.credentialId!,
        transports: (p.transports ?? undefined) as never,
      })),
      userVerification: 'preferred',
    });
    await tx
      .updateTable('mfaChallenges')
      .set({ webauthnChallenge: options.challenge })
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', found.id)
      .execute();
    return options;
  });
}

/** Used by completeMfa for `method: 'passkey'`. */
export async function verifySecondFactorPasskey(
  tx: Tx,
  platform: Platform,
  tenantId: string,
  userId: string,
  challenge: string | null,
  credential: unknown,
) {
  if (!challenge || !credential || typeof credential !== 'object') return false;
  const response = credential as AuthenticationResponseJSON;
  const passkey = (await userPasskeys(tx, tenantId, userId)).find((p) => p.credentialId === response.id);
  if (!passkey) return false;
  return verifyAssertion(tx, platform, tenantId, passkey, response, challenge, false);
}

// ---------------------------------------------------------------- password-less

export async function passwordlessOptions(platform: Platform, tenantSlug: string) {
  const { rpID } = relyingParty(platform);
  const tenant = await withSystemTx(platform.db, (tx) => findTenantBySlug(tx, tenantSlug.trim()));
  // an unknown organization gets options too, so the answer tells nothing
  const options = await generateAuthenticationOptions({
    rpID,
    allowCredentials: [],
    userVerification: 'required',
  });
  const challengeId = uuidv7();
  if (tenant?.status === 'active') {
    const now = platform.clock.now();
    await withTenantTx(platform.db, tenant.id, (tx) =>
      tx
        .insertInto('webauthnChallenges')
        .values({
          tenantId: tenant.id,
          id: challengeId,
          challenge: options.challenge,
          expiresAt: new Date(now.getTime() + CHALLENGE_MINUTES * 60_000),
          createdAt: now,
        })
        .execute(),
    );
  }
  return { challengeId, options };
}

export async function passwordlessSignIn(
  platform: Platform,
  body: { tenant: string; challengeId: string; credential: unknown },
  info: RequestInfo,
) {
  const tenant = await withSystemTx(platform.db, (tx) => findTenantBySlug(tx, body.tenant.trim()));
  if (tenant?.status !== 'active') throw PasskeyErrors.verificationFailed();
  const response = body.credential as AuthenticationResponseJSON;
  const { openSessionInTx } = await import('./auth.service.ts');
  const result = await withTenantTx(platform.db, tenant.id, async (tx) => {
    const now = platform.clock.now();
    const challenge = await tx
      .selectFrom('webauthnChallenges')
      .selectAll()
      .where('tenantId', '=', tenant.id)
      .where('id', '=', body.challengeId)
      .forUpdate()
      .executeTakeFirst();
    if (!challenge || challenge.usedAt || new Date(challenge.expiresAt).getTime() <= now.getTime())
      return { error: PasskeyErrors.challengeInvalid() };
    await tx
      .updateTable('webauthnChallenges')
      .set({ usedAt: now })
      .where('tenantId', '=', tenant.id)
      .where('id', '=', challenge.id)
      .execute();
    const passkey = await tx
      .selectFrom('mfaFactors')
      .select(['id', 'userId', 'credentialId', 'publicKey', 'signCount', 'transports'])
      .where('tenantId', '=', tenant.id)
      .where('credentialId', '=', typeof response?.id === 'string' ? response.id : '')
      .where('kind', '=', 'passkey')
      .where('confirmedAt', 'is not', null)
      .executeTakeFirst();
    if (
      !passkey ||
      !(await verifyAssertion(tx, platform, tenant.id, passkey, response, challenge.challenge, true))
    ) {
      return { error: PasskeyErrors.verificationFailed() };
    }
    const user = await tx
      .selectFrom('users')
      .selectAll()
      .where('tenantId', '=', tenant.id)
      .where('id', '=', passkey.userId)
      .executeTakeFirstOrThrow();
    const ctx: Ctx = {
      tenantId: tenant.id,
      actor: {
        type: 'user',
        userId: user.id,
        tenantId: tenant.id,
        label: `${user.firstName} ${user.lastName}`,
      },
      clock: platform.clock,
      ...info,
    };
    if (
      user.status !== 'active' ||
      (user.lockedUntil && new Date(user.lockedUntil).getTime() > now.getTime()) ||
      signInBlocked(user, now)
    ) {
      const reason =
        user.status !== 'active'
          ? `status_${user.status}`
          : signInBlocked(user, now)
            ? 'sign_in_blocked_by_transfer'
            : 'locked';
      await recordAudit(tx, ctx, {
        action: 'auth.login.failed',
        target: { type: 'user', id: user.id, label: ctx.actor.label },
        after: { reason, method: 'passkey' },
      });
      return { error: PasskeyErrors.verificationFailed(), commit: true };
    }
    if (!ipAllowed(info.ip, ipRulesOf(await loadAccessInputs(tx, tenant.id, user.id))))
      return { error: ipNotAllowed() };
    const session = await openSessionInTx(tx, ctx, tenant.settings, user, info, {
      method: 'passkey',
      enrol: false,
    });
    return {
      session,
      user,
      tenant: {
        id: tenant.id,
        kind: tenant.kind,
        parentId: tenant.parentId,
        name: tenant.name,
        slug: tenant.slug,
      },
    };
  });
  if ('error' in result && result.error) throw result.error;
  return result as Exclude<typeof result, { error: AppError }>;
}
