import { Type } from 'typebox';
import { changeStatusInTx } from '../../users/users.service.ts';
import { defineAction } from '../action.ts';
import { fullName } from '../action-helpers.ts';

/** Rule 3: archived for good — no sign-in, licence freed, data kept for the audit trail. */
export default defineAction({
  type: 'archive',
  label: 'Archive',
  description: 'Archives the user for good: no sign-in, licences freed, data kept. Cannot be undone.',
  permission: 'users.archive',
  takesAccess: true,
  order: 110,
  params: Type.Object({}, { additionalProperties: false }),
  async describe(ctx) {
    return `Archive ${fullName(ctx.user)} for good (licences freed, data kept)`;
  },
  async execute(ctx) {
    if (ctx.user.status === 'removed') return { summary: 'Already removed', changed: false };
    const { changed } = await changeStatusInTx(ctx.tx, ctx.caller, ctx.user.id, 'archive');
    return { summary: changed ? 'Archived' : 'Already archived', changed };
  },
});
