import { Type } from 'typebox';
import { ownedByUser, transferOwnershipsNowInTx } from '../../ownership/ownership.service.ts';
import { defineAction } from '../action.ts';
import {
  describeRecipient,
  findRecipient,
  fullName,
  listNames,
  NoRecipient,
  plural,
  RecipientParam,
} from '../action-helpers.ts';

/**
 * Rule 18, one-time and at once: everything the user owns (groups, default-member slots, licences,
 * flow templates, integrations' resources) moves to their manager or a named user, who joins the
 * user's groups. Roles never move. Recorded as a completed transfer, like one made by hand.
 */
const Params = Type.Object({ recipient: RecipientParam }, { additionalProperties: false });

export default defineAction({
  type: 'transfer_ownerships',
  label: 'Transfer ownerships',
  description: 'Moves everything the user owns to their manager or a named user, who joins their groups.',
  permission: 'ownership.transfer',
  keepsUser: true,
  order: 70,
  params: Params,
  async describe(ctx, params) {
    const owned = await ownedByUser(ctx.tx, ctx.tenant.id, ctx.user.id);
    const recipient = await findRecipient(ctx.tx, ctx.user, params.recipient).catch(() => null);
    const count = owned.reduce((n, o) => n + o.items.length, 0);
    if (count === 0) return `Transfer ownerships: ${fullName(ctx.user)} owns nothing now`;
    const kinds = owned.map(
      (o) =>
        `${o.kind.label}: ${listNames(
          o.items.map((i) => i.name),
          3,
        )}`,
    );
    return `Transfer ${plural(count, 'owned item')} (${kinds.join('; ')}) to ${describeRecipient(params.recipient, recipient)}`;
  },
  async execute(ctx, params) {
    const recipient = await findRecipient(ctx.tx, ctx.user, params.recipient);
    const owned = await ownedByUser(ctx.tx, ctx.tenant.id, ctx.user.id);
    if (owned.length === 0) return { summary: 'Owned nothing', changed: false };
    if (!recipient) throw NoRecipient();
    const { transferId, moved } = await transferOwnershipsNowInTx(
      ctx.tx,
      ctx.platform,
      ctx.caller,
      ctx.user.id,
      recipient.id,
    );
    const owners = moved.filter((m) => m.action === 'owner').length;
    const joined = moved.filter((m) => m.action === 'membership').length;
    return {
      summary: `Moved ${plural(owners, 'owned item')} to ${fullName(recipient)}${joined > 0 ? `, who joined ${plural(joined, 'group')}` : ''}`,
      changed: moved.length > 0,
      details: { transferId, recipientId: recipient.id },
    };
  },
});
