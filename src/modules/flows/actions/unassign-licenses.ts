import { Type } from 'typebox';
import { unassignLicenseInTx } from '../../licenses/licenses.service.ts';
import { defineAction } from '../action.ts';
import { listNames } from '../action-helpers.ts';

/** Rule 16: the user's seats go back to the pools (and any default-member slot that needed one). */
export default defineAction({
  type: 'unassign_licenses',
  label: 'Unassign licences',
  description: 'Frees every licence seat the user holds.',
  permission: 'licenses.assign',
  keepsUser: true,
  order: 60,
  params: Type.Object({}, { additionalProperties: false }),
  async describe(ctx) {
    const held = await ctx.tx
      .selectFrom('licenseAssignments')
      .select('type')
      .where('tenantId', '=', ctx.tenant.id)
      .where('userId', '=', ctx.user.id)
      .execute();
    return held.length === 0
      ? 'Unassign licences: holds none now'
      : `Free the ${listNames(held.map((h) => h.type))} licence${held.length === 1 ? '' : 's'}`;
  },
  async execute(ctx) {
    const result = await unassignLicenseInTx(ctx.tx, ctx.caller, ctx.user.id);
    return result.released.length === 0
      ? { summary: 'Held no licence', changed: false }
      : {
          summary: `Freed the ${listNames(result.released)} licence${result.released.length === 1 ? '' : 's'}`,
          changed: true,
          details: { released: result.released },
        };
  },
});
