import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { type Tx, tenantOfToken, withTenantTx } from '../../platform/db.ts';
import { queueMail } from '../../platform/mail.ts';
import type { Platform } from '../../platform/platform.ts';
import { hashToken, newToken } from '../../platform/tokens.ts';
import { authorize } from '../access/authorize.ts';
import { emailVerificationEmail } from '../notifications/templates.ts';
import { UserErrors } from './users.errors.ts';
import type { UserRow } from './users.repository.ts';
import * as repo from './users.repository.ts';
import type { Caller } from './users.service.ts';
import { loadScopedUser } from './users.service.ts';

/**
 * An address an administrator typed (or the person changed) is only trusted once its owner opens a
 * link sent there. Verification is what the console shows and what later features (sign-in by email
 * code to a new address, SSO account linking) can rely on; sign-in itself does not wait for it.
 */
export const VERIFICATION_HOURS = 72;

/** Whether a change by this actor should ask the address's owner to confirm it. */
export function asksForVerification(ctx: Ctx): boolean {
  // directories (SCIM, LDAP) and imports vouch for their addresses; a person typing one does not
  return ctx.actor.type === 'user' || ctx.actor.type === 'api_token';
}

export async function sendVerificationInTx(
  platform: Platform,
  tx: Tx,
  ctx: Ctx,
  user: { id: string; email: string; firstName: string },
) {
  const now = ctx.clock.now();
  await tx
    .updateTable('emailVerifications')
    .set({ status: 'replaced', closedAt: now })
    .where('tenantId', '=', ctx.tenantId)
    .where('userId', '=', user.id)
    .where('status', '=', 'sent')
    .execute();
  const token = newToken('rc_ver');
  await tx
    .insertInto('emailVerifications')
    .values({
      tenantId: ctx.tenantId,
      id: uuidv7(),
      userId: user.id,
      email: user.email,
      tokenHash: hashToken(token),
      status: 'sent',
      expiresAt: new Date(now.getTime() + VERIFICATION_HOURS * 3_600_000),
      createdAt: now,
    })
    .execute();
  const tenant = await tx
    .selectFrom('tenants')
    .select('name')
    .where('id', '=', ctx.tenantId)
    .executeTakeFirstOrThrow();
  await queueMail(platform, tx, ctx, {
    to: user.email,
    toUserId: user.id,
    kind: 'email_verification',
    ...emailVerificationEmail({
      tenantName: tenant.name,
      firstName: user.firstName,
      email: user.email,
      link: `${platform.baseUrl}/verify-email?token=${encodeURIComponent(token)}`,
      hours: VERIFICATION_HOURS,
    }),
  });
}

async function resend(platform: Platform, tx: Tx, ctx: Ctx, user: UserRow) {
  if (!user.email) throw UserErrors.noEmail();
  if (user.emailVerifiedAt) return { alreadyVerified: true, sent: false };
  await sendVerificationInTx(platform, tx, ctx, {
    id: user.id,
    email: user.email,
    firstName: user.firstName,
  });
  await recordAudit(tx, ctx, {
    action: 'user.email_verification_sent',
    target: { type: 'user', id: user.id, label: `${user.firstName} ${user.lastName}` },
    after: { email: user.email },
  });
  return { alreadyVerified: false, sent: true };
}

/** An administrator sends (again) the link to a user's address. */
export async function requestVerification(platform: Platform, caller: Caller, userId: string) {
  authorize(caller.principal, 'users.update');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) =>
    resend(platform, tx, caller.ctx, await loadScopedUser(tx, caller, userId, { forUpdate: true })),
  );
}

/** A person asks for the link to their own address. */
export async function requestOwnVerification(platform: Platform, caller: Caller) {
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const self = await repo.findUser(tx, caller.ctx.tenantId, caller.principal.userId, { forUpdate: true });
    if (!self) throw UserErrors.notFound();
    return resend(platform, tx, caller.ctx, self);
  });
}

/** Opening the link: public, single use, and only for the address it was sent to. */
export async function confirmEmail(
  platform: Platform,
  token: string,
  info: { ip?: string; userAgent?: string; requestId?: string },
) {
  const found = await tenantOfToken(platform.db, 'email_verifications', hashToken(token));
  if (!found) throw UserErrors.verificationLinkInvalid('unknown');
  return withTenantTx(platform.db, found.tenantId, async (tx) => {
    const now = platform.clock.now();
    const link = await tx
      .selectFrom('emailVerifications')
      .selectAll()
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', found.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (link.status === 'verified') throw UserErrors.verificationLinkInvalid('used');
    if (link.status === 'replaced') throw UserErrors.verificationLinkInvalid('replaced');
    if (new Date(link.expiresAt).getTime() <= now.getTime())
      throw UserErrors.verificationLinkInvalid('expired');
    const user = await tx
      .selectFrom('users')
      .select(['id', 'firstName', 'lastName', 'email', 'status'])
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', link.userId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (user.status === 'removed' || user.email?.toLowerCase() !== link.email.toLowerCase())
      throw UserErrors.verificationLinkInvalid('email_changed');
    await tx
      .updateTable('emailVerifications')
      .set({ status: 'verified', closedAt: now })
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', link.id)
      .execute();
    await tx
      .updateTable('users')
      .set({ emailVerifiedAt: now })
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', user.id)
      .execute();
    const label = `${user.firstName} ${user.lastName}`;
    const ctx: Ctx = {
      tenantId: found.tenantId,
      actor: { type: 'user', userId: user.id, tenantId: found.tenantId, label },
      clock: platform.clock,
      ...info,
    };
    await recordAudit(tx, ctx, {
      action: 'user.email_verified',
      target: { type: 'user', id: user.id, label },
      after: { email: link.email },
    });
    return { email: link.email };
  });
}
