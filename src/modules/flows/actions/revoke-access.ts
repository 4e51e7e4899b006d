import { Type } from 'typebox';
import { revokeUserAccessInTx } from '../../users/users.service.ts';
import { defineAction } from '../action.ts';
import { fullName } from '../action-helpers.ts';

/** Rule 27: every session (all devices) and every personal API token of the user ends. */
export default defineAction({
  type: 'revoke_access',
  label: 'End all sessions and API tokens',
  description: 'Signs the user out everywhere and revokes their API tokens.',
  permission: 'users.sessions',
  takesAccess: true,
  keepsUser: true,
  order: 20,
  params: Type.Object({}, { additionalProperties: false }),
  async describe(ctx) {
    return `Sign ${fullName(ctx.user)} out of every device and revoke their API tokens`;
  },
  async execute(ctx) {
    const { changed } = await revokeUserAccessInTx(ctx.tx, ctx.caller, ctx.user.id);
    return { summary: changed ? 'Sessions and API tokens ended' : 'No open sessions or tokens', changed };
  },
});
