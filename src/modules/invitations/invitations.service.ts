import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { type Tx, tenantOfToken, withTenantTx } from '../../platform/db.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import { queueMail } from '../../platform/mail.ts';
import type { Platform } from '../../platform/platform.ts';
import { hashToken, newToken } from '../../platform/tokens.ts';
import { AccessErrors } from '../access/access.errors.ts';
import * as accessRepo from '../access/access.repository.ts';
import { assertWithinCeiling, authorize } from '../access/authorize.ts';
import { assertPasswordAcceptable, passwordPolicyOf } from '../auth/password-policy.ts';
import { hashPassword } from '../auth/passwords.ts';
import { GroupErrors } from '../groups/groups.errors.ts';
import * as groupsRepo from '../groups/groups.repository.ts';
import { invitationEmail, welcomeEmail } from '../notifications/templates.ts';
import { planTransition } from '../users/user-status.ts';
import { assertGroupRolesWithinCeiling, type Caller, loadScopedUser } from '../users/users.service.ts';

/**
 * Rule 15: invitations. One request may name many addresses (a field may hold several, split on
 * spaces and commas), each with groups and roles within the inviter's ceiling; every address is
 * answered on its own. Each creates a pending user and emails a single-use link that expires.
 */
export const InvitationErrors = {
  badAddress: (email: string) =>
    new AppError('invalid', 'invitation.invalid_email', `“${email}” is not an email address.`),
  duplicate: (email: string) =>
    new AppError('invalid', 'invitation.duplicate', `“${email}” appears more than once in this request.`),
  /** The address is a member's: what the administrator can do depends on the member's status. */
  alreadyMember: (email: string, status: 'active' | 'suspended' | 'archived') =>
    new AppError(
      'conflict',
      'invitation.already_member',
      {
        active: `${email} is already a member of this tenant.`,
        suspended: `${email} belongs to a suspended member of this tenant: reactivate them instead of inviting again.`,
        archived: `${email} belongs to an archived member of this tenant. Archived users are never reactivated; to invite the address again, remove that user first.`,
      }[status],
      { details: { status } },
    ),
  alreadyInvited: (email: string) =>
    new AppError(
      'conflict',
      'invitation.already_invited',
      `${email} is already invited; resend the invitation instead.`,
    ),
  notFound: () => new AppError('not_found', 'invitation.not_found', 'No such invitation.'),
  notOpen: (status: string) =>
    new AppError('conflict', 'invitation.not_open', `This invitation is ${status}.`, { details: { status } }),
  linkInvalid: (reason: 'expired' | 'used' | 'cancelled' | 'unknown') =>
    new AppError(
      'invalid',
      'invitation.link_invalid',
      {
        expired: 'This invitation has expired. Ask for a new one.',
        used: 'This invitation was already accepted. Sign in instead.',
        cancelled: 'This invitation was cancelled.',
        unknown: 'This invitation link is not valid.',
      }[reason],
      { details: { reason } },
    ),
};

const EMAIL = /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/;
const DEFAULT_DAYS = 7;

export function splitAddresses(field: string): string[] {
  return field
    .split(/[\s,;]+/)
    .map((e) => e.trim())
    .filter(Boolean);
}

/** A provisional name from the address until the person accepts and gives theirs. */
function provisionalName(email: string): { firstName: string; lastName: string } {
  const parts = email
    .split('@')[0]!
    .split(/[._-]+/)
    .filter(Boolean);
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return {
    firstName: cap(parts[0] ?? 'Invited').slice(0, 100),
    lastName: parts.length > 1 ? cap(parts.slice(1).join(' ')).slice(0, 100) : '(invited)',
  };
}

async function invitationDays(tx: Tx, tenantId: string): Promise<number> {
  const settings = (
    await tx.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirstOrThrow()
  ).settings as {
    invitationDays?: number;
  };
  return settings.invitationDays ?? DEFAULT_DAYS;
}

async function issueLink(
  platform: Platform,
  tx: Tx,
  ctx: Ctx,
  user: { id: string; email: string },
  _inviterName: string,
) {
  const token = newToken('rc_inv');
  const now = ctx.clock.now();
  const days = await invitationDays(tx, ctx.tenantId);
  await tx
    .updateTable('invitations')
    .set({ status: 'replaced', closedAt: now })
    .where('tenantId', '=', ctx.tenantId)
    .where('userId', '=', user.id)
    .where('status', '=', 'sent')
    .execute();
  const id = uuidv7();
  await tx
    .insertInto('invitations')
    .values({
      tenantId: ctx.tenantId,
      id,
      userId: user.id,
      email: user.email,
      tokenHash: hashToken(token),
      invitedBy: ctx.actor.userId ?? null,
      status: 'sent',
      expiresAt: new Date(now.getTime() + days * 86_400_000),
      createdAt: now,
    })
    .execute();
  const tenant = await tx
    .selectFrom('tenants')
    .select(['name', 'slug'])
    .where('id', '=', ctx.tenantId)
    .executeTakeFirstOrThrow();
  const link = `${platform.baseUrl}/invitation?token=${encodeURIComponent(token)}`;
  await queueMail(platform, tx, ctx, {
    to: user.email,
    toUserId: user.id,
    kind: 'invitation',
    ...invitationEmail({
      tenantName: tenant.name,
      inviterName: ctx.actor.label,
      slug: tenant.slug,
      login: user.email,
      link,
      days,
    }),
  });
  return id;
}

export interface InviteEntry {
  emails: string;
  groupIds?: string[];
  roleIds?: string[];
}

export async function invite(platform: Platform, caller: Caller, entries: InviteEntry[]) {
  authorize(caller.principal, 'invitations.send');
  const tenantId = caller.ctx.tenantId;
  const seen = new Set<string>();
  const results: Array<{
    email: string;
    ok: boolean;
    userId?: string;
    invitationId?: string;
    code?: string;
    detail?: string;
  }> = [];
  for (const entry of entries) {
    for (const raw of splitAddresses(entry.emails)) {
      const email = raw.toLowerCase();
      try {
        if (!EMAIL.test(raw) || raw.length > 254) throw InvitationErrors.badAddress(raw);
        if (seen.has(email)) throw InvitationErrors.duplicate(raw);
        seen.add(email);
        const done = await withTenantTx(platform.db, tenantId, async (tx) => {
          const existing = await tx
            .selectFrom('users')
            .select(['id', 'status'])
            .where('tenantId', '=', tenantId)
            .where(sql`lower(email)`, '=', email)
            .where('status', '<>', 'removed')
            .executeTakeFirst();
          if (existing)
            throw existing.status === 'pending'
              ? InvitationErrors.alreadyInvited(raw)
              : InvitationErrors.alreadyMember(raw, existing.status as 'active' | 'suspended' | 'archived');
          // rule 13: the inviter grants the roles, and the roles of the groups, they name
          const kindRole = (await accessRepo.findRoleByKey(tx, tenantId, 'user'))!.id;
          const roleIds = entry.roleIds?.length ? entry.roleIds : [kindRole];
          const roles = await accessRepo.findRoles(tx, tenantId, roleIds);
          if (roles.length !== roleIds.length)
            throw AccessErrors.unknownRoles(roleIds.filter((r) => !roles.some((x) => x.id === r)));
          assertWithinCeiling(
            caller.principal,
            roles.flatMap((r) => r.permissions),
          );
          const groupIds = entry.groupIds?.length
            ? entry.groupIds
            : [(await groupsRepo.findDefaultGroupId(tx, tenantId))!];
          const groups = await groupsRepo.findGroups(tx, tenantId, groupIds);
          if (groups.length !== groupIds.length)
            throw GroupErrors.unknownGroups(groupIds.filter((g) => !groups.some((x) => x.id === g)));
          await assertGroupRolesWithinCeiling(tx, caller, groups);
          const userId = uuidv7();
          const now = caller.ctx.clock.now();
          await tx
            .insertInto('users')
            .values({
              tenantId,
              id: userId,
              ...provisionalName(raw),
              email: raw,
              status: 'pending',
              statusChangedAt: now,
              createdAt: now,
              updatedAt: now,
            })
            .execute();
          for (const r of roleIds) await accessRepo.assignDirectRole(tx, tenantId, userId, r);
          for (const g of groupIds) await groupsRepo.addMember(tx, tenantId, g, userId);
          const invitationId = await issueLink(
            platform,
            tx,
            caller.ctx,
            { id: userId, email: raw },
            caller.ctx.actor.label,
          );
          await recordAudit(tx, caller.ctx, {
            action: 'invitation.sent',
            target: { type: 'user', id: userId, label: raw },
            after: {
              email: raw,
              roles: roles.map((r) => r.name),
              groups: groups.map((g) => g.name),
              invitationId,
            },
          });
          return { userId, invitationId };
        });
        results.push({ email: raw, ok: true, ...done });
      } catch (error) {
        if (!isAppError(error)) throw error;
        results.push({ email: raw, ok: false, code: error.code, detail: error.message });
      }
    }
  }
  const sent = results.filter((r) => r.ok).length;
  return {
    results,
    sent,
    failed: results.length - sent,
    delivery: platform.config.smtpUrl === null ? ('outbox' as const) : ('smtp' as const),
  };
}

async function findOpenInvitation(tx: Tx, tenantId: string, invitationId: string) {
  const inv = await tx
    .selectFrom('invitations')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('id', '=', invitationId)
    .forUpdate()
    .executeTakeFirst();
  if (!inv) throw InvitationErrors.notFound();
  return inv;
}

/** Resend: a new link, the old one stops working. */
export async function resend(platform: Platform, caller: Caller, invitationId: string) {
  authorize(caller.principal, 'invitations.send');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const inv = await findOpenInvitation(tx, caller.ctx.tenantId, invitationId);
    if (inv.status === 'accepted') throw InvitationErrors.notOpen('accepted');
    const user = await loadScopedUser(tx, caller, inv.userId);
    if (user.status !== 'pending') throw InvitationErrors.notOpen(user.status);
    const id = await issueLink(
      platform,
      tx,
      caller.ctx,
      { id: user.id, email: inv.email },
      caller.ctx.actor.label,
    );
    await recordAudit(tx, caller.ctx, {
      action: 'invitation.resent',
      target: { type: 'user', id: user.id, label: inv.email },
      after: { invitationId: id },
    });
    return { invitationId: id };
  });
}

/** Cancel: the link dies, the pending user stays (and can be invited again or removed). */
export async function cancel(platform: Platform, caller: Caller, invitationId: string) {
  authorize(caller.principal, 'invitations.send');
  await withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const inv = await findOpenInvitation(tx, caller.ctx.tenantId, invitationId);
    if (inv.status !== 'sent') throw InvitationErrors.notOpen(inv.status);
    await loadScopedUser(tx, caller, inv.userId);
    await tx
      .updateTable('invitations')
      .set({ status: 'cancelled', closedAt: caller.ctx.clock.now() })
      .where('tenantId', '=', inv.tenantId)
      .where('id', '=', inv.id)
      .execute();
    await recordAudit(tx, caller.ctx, {
      action: 'invitation.cancelled',
      target: { type: 'user', id: inv.userId, label: inv.email },
      after: { invitationId },
    });
  });
}

export async function listInvitations(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'users.read');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => ({
    items: await tx
      .selectFrom('invitations')
      .select(['id', 'userId', 'email', 'status', 'expiresAt', 'createdAt', 'invitedBy'])
      .where('tenantId', '=', caller.ctx.tenantId)
      .where('status', '<>', 'replaced')
      .orderBy('createdAt', 'desc')
      .limit(500)
      .execute(),
  }));
}

async function resolveToken(platform: Platform, token: string) {
  const found = await tenantOfToken(platform.db, 'invitations', hashToken(token));
  if (!found) throw InvitationErrors.linkInvalid('unknown');
  return found;
}

function checkOpen(inv: { status: string; expiresAt: Date | string }, now: Date) {
  if (inv.status === 'accepted') throw InvitationErrors.linkInvalid('used');
  if (inv.status === 'cancelled' || inv.status === 'replaced')
    throw InvitationErrors.linkInvalid('cancelled');
  if (new Date(inv.expiresAt).getTime() <= now.getTime()) throw InvitationErrors.linkInvalid('expired');
}

/** What the accept page shows before the person commits to anything. */
export async function inspect(platform: Platform, token: string) {
  const found = await resolveToken(platform, token);
  return withTenantTx(platform.db, found.tenantId, async (tx) => {
    const inv = await tx
      .selectFrom('invitations')
      .selectAll()
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', found.id)
      .executeTakeFirstOrThrow();
    checkOpen(inv, platform.clock.now());
    const tenant = await tx
      .selectFrom('tenants')
      .select(['name', 'slug', 'settings'])
      .where('id', '=', found.tenantId)
      .executeTakeFirstOrThrow();
    const user = await tx
      .selectFrom('users')
      .select(['firstName', 'lastName', 'status'])
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', inv.userId)
      .executeTakeFirstOrThrow();
    // an administrator archived or removed the pending user: the link died with the account
    if (user.status !== 'pending') throw InvitationErrors.linkInvalid('cancelled');
    return {
      tenantName: tenant.name,
      tenantSlug: tenant.slug,
      email: inv.email,
      expiresAt: inv.expiresAt,
      passwordPolicy: passwordPolicyOf(tenant.settings),
      suggested: { firstName: user.firstName, lastName: user.lastName },
    };
  });
}

/** Accepting: names and a password under the tenant's policy; the user becomes active and is welcomed. */
export async function accept(
  platform: Platform,
  body: { token: string; firstName: string; lastName: string; password: string },
  info: { ip?: string; userAgent?: string; requestId?: string },
) {
  const found = await resolveToken(platform, body.token);
  return withTenantTx(platform.db, found.tenantId, async (tx) => {
    const now = platform.clock.now();
    const inv = await tx
      .selectFrom('invitations')
      .selectAll()
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', found.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    checkOpen(inv, now);
    const user = await tx
      .selectFrom('users')
      .selectAll()
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', inv.userId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (user.status !== 'pending') throw InvitationErrors.linkInvalid('cancelled');
    const transition = planTransition(user.status, 'activate');
    const tenant = await tx
      .selectFrom('tenants')
      .select(['name', 'slug', 'settings'])
      .where('id', '=', found.tenantId)
      .executeTakeFirstOrThrow();
    const names = { firstName: body.firstName.trim(), lastName: body.lastName.trim() };
    assertPasswordAcceptable(passwordPolicyOf(tenant.settings), body.password, {
      ...names,
      email: user.email,
      username: user.username,
    });
    await tx
      .updateTable('users')
      .set({
        ...names,
        passwordHash: await hashPassword(body.password),
        passwordChangedAt: now,
        status: transition.to,
        statusChangedAt: now,
        // the link arrived at this address, so it is the person's; the setup wizard follows sign-in
        emailVerifiedAt: now,
        setupPending: true,
        updatedAt: now,
      })
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', user.id)
      .execute();
    await tx
      .updateTable('invitations')
      .set({ status: 'accepted', closedAt: now })
      .where('tenantId', '=', found.tenantId)
      .where('id', '=', inv.id)
      .execute();
    const ctx: Ctx = {
      tenantId: found.tenantId,
      actor: {
        type: 'user',
        userId: user.id,
        tenantId: found.tenantId,
        label: `${names.firstName} ${names.lastName}`,
      },
      clock: platform.clock,
      ...info,
    };
    await recordAudit(tx, ctx, {
      action: 'invitation.accepted',
      target: { type: 'user', id: user.id, label: ctx.actor.label },
      before: { status: user.status, firstName: user.firstName, lastName: user.lastName },
      after: { status: 'active', ...names },
    });
    await queueMail(platform, tx, ctx, {
      to: user.email!,
      toUserId: user.id,
      kind: 'welcome',
      ...welcomeEmail({
        tenantName: tenant.name,
        firstName: names.firstName,
        slug: tenant.slug,
        login: user.email!,
        link: platform.baseUrl,
      }),
    });
    return { tenant: tenant.slug, login: user.email! };
  });
}
