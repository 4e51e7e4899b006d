import { Type } from 'typebox';
import { changeStatusInTx } from '../../users/users.service.ts';
import { defineAction } from '../action.ts';
import { fullName, plural } from '../action-helpers.ts';

async function openAccess(
  tx: import('../../../platform/db.ts').Tx,
  tenantId: string,
  userId: string,
  now: Date,
) {
  const sessions = await tx
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .where('expiresAt', '>', now)
    .executeTakeFirstOrThrow();
  const tokens = await tx
    .selectFrom('apiTokens')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('tenantId', '=', tenantId)
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .executeTakeFirstOrThrow();
  return { sessions: Number(sessions.n), tokens: Number(tokens.n) };
}

/** Rule 3: a suspended user keeps data and licence but cannot sign in; sessions and tokens end. */
export default defineAction({
  type: 'suspend',
  label: 'Suspend sign-in',
  description: 'Blocks sign-in and ends every session and API token. Data and licences stay.',
  permission: 'users.suspend',
  takesAccess: true,
  order: 10,
  params: Type.Object({}, { additionalProperties: false }),
  async describe(ctx) {
    if (ctx.user.status !== 'active') return `Suspend ${fullName(ctx.user)} (already ${ctx.user.status} now)`;
    // counted now, as the sentence says: by the step's hour some may have expired and others opened
    const now = ctx.platform.clock.now();
    const open = await openAccess(ctx.tx, ctx.tenant.id, ctx.user.id, now);
    const counts = `${plural(open.sessions, 'session')} and ${plural(open.tokens, 'API token')} open now`;
    return ctx.dueAt.getTime() <= now.getTime()
      ? `Suspend ${fullName(ctx.user)}’s sign-in and end the ${counts}`
      : `Suspend ${fullName(ctx.user)}’s sign-in and end every session and API token open then (${counts})`;
  },
  async execute(ctx) {
    // further along already (archived or removed): nothing left to suspend
    if (ctx.user.status === 'archived' || ctx.user.status === 'removed')
      return { summary: `Already ${ctx.user.status}`, changed: false };
    const { changed } = await changeStatusInTx(ctx.tx, ctx.caller, ctx.user.id, 'suspend');
    return { summary: changed ? 'Suspended; sessions and tokens ended' : 'Already suspended', changed };
  },
});
