import { Type } from 'typebox';
import { adminResetPasswordInTx } from '../../auth/credentials.service.ts';
import { defineAction } from '../action.ts';
import { fullName } from '../action-helpers.ts';

/**
 * The password becomes a long random one nobody is told (it is not kept in the step's result), so
 * the old one no longer works anywhere; sessions end with it.
 */
export default defineAction({
  type: 'reset_password',
  label: 'Reset password to a random one',
  description: 'Replaces the password with a random one that no one learns; sessions end.',
  permission: 'users.passwords',
  takesAccess: true,
  order: 30,
  params: Type.Object({}, { additionalProperties: false }),
  async describe(ctx) {
    return ctx.user.passwordHash
      ? `Replace ${fullName(ctx.user)}’s password with a random one no one learns`
      : `Set a random password for ${fullName(ctx.user)} (none is set now)`;
  },
  async execute(ctx) {
    if (ctx.user.status === 'removed') return { summary: 'User already removed', changed: false };
    const result = await adminResetPasswordInTx(ctx.tx, ctx.caller, ctx.user.id, 'temporary');
    return {
      summary: 'Password replaced by a random one',
      changed: true,
      details: { endedSessions: result.endedSessions },
    };
  },
});
