import { Type } from 'typebox';
import { ownedNeedingRecipient } from '../../ownership/ownership.service.ts';
import { removeUserInTx } from '../../users/users.service.ts';
import { defineAction } from '../action.ts';
import {
  describeRecipient,
  findRecipient,
  fullName,
  NoRecipient,
  plural,
  RecipientParam,
} from '../action-helpers.ts';

/**
 * Rule 19, executed by the run: whatever the user owns moves to the recipient (required when there
 * is anything), then the user becomes a tombstone. Cannot be undone.
 */
const Params = Type.Object({ recipient: Type.Optional(RecipientParam) }, { additionalProperties: false });

export default defineAction({
  type: 'remove',
  label: 'Remove',
  description: 'Removes the user from the tenant; what they own goes to the recipient. Cannot be undone.',
  permission: 'users.remove',
  takesAccess: true,
  order: 120,
  params: Params,
  async describe(ctx, params) {
    const count = await ownedNeedingRecipient(ctx.tx, ctx.tenant.id, ctx.user.id);
    const recipient = params.recipient
      ? await findRecipient(ctx.tx, ctx.user, params.recipient).catch(() => null)
      : null;
    const what =
      count > 0
        ? `; ${plural(count, 'owned item')} go to ${params.recipient ? describeRecipient(params.recipient, recipient) : 'nobody — a recipient is required, the step will fail'}`
        : '';
    return `Remove ${fullName(ctx.user)} from the tenant for good${what}`;
  },
  async execute(ctx, params) {
    if (ctx.user.status === 'removed') return { summary: 'Already removed', changed: false };
    let transferTo: string | undefined;
    if (params.recipient) {
      const recipient = await findRecipient(ctx.tx, ctx.user, params.recipient);
      if (!recipient && (await ownedNeedingRecipient(ctx.tx, ctx.tenant.id, ctx.user.id)) > 0)
        throw NoRecipient();
      transferTo = recipient?.id;
    }
    const result = await removeUserInTx(ctx.tx, ctx.platform, ctx.caller, ctx.user.id, { transferTo });
    const moved = result.moved.length;
    return {
      summary: moved > 0 ? `Removed; ${plural(moved, 'owned item')} transferred` : 'Removed',
      changed: true,
      details: { transferredTo: transferTo ?? null },
    };
  },
});
