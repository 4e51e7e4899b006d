import { Type } from 'typebox';
import type { Tx } from '../../../platform/db.ts';
import * as groupsRepo from '../../groups/groups.repository.ts';
import { changeUserGroupsInTx, setUserGroupsInTx } from '../../groups/groups.service.ts';
import * as usersRepo from '../../users/users.repository.ts';
import { defineAction } from '../action.ts';
import { ceilingRefusal, listNames, plural } from '../action-helpers.ts';

/**
 * Takes the user out of groups: every group but Default (rule 6: a user keeps at least one group,
 * and Default is the one that stays), or the groups listed by name — names, not ids, so a template
 * published to many customers means the same groups in each.
 */
const Params = Type.Object(
  {
    scope: Type.Union([Type.Literal('all_but_default'), Type.Literal('listed')], {
      default: 'all_but_default',
    }),
    groups: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        minItems: 1,
        maxItems: 50,
        uniqueItems: true,
      }),
    ),
  },
  { additionalProperties: false },
);

async function plan(tx: Tx, tenantId: string, userId: string, params: { scope: string; groups?: string[] }) {
  const current = (await usersRepo.groupsOfUsers(tx, tenantId, [userId])).map(({ userId: _, ...g }) => g);
  const listed = new Set((params.groups ?? []).map((n) => n.trim().toLowerCase()));
  const leave =
    params.scope === 'listed'
      ? current.filter((g) => listed.has(g.name.toLowerCase()))
      : current.filter((g) => !g.isDefault);
  const keep = current.filter((g) => !leave.includes(g));
  return { current, leave, keep };
}

export default defineAction({
  type: 'remove_groups',
  label: 'Remove from groups',
  description: 'Removes the user from every group except Default, or from the groups listed.',
  permission: 'groups.manage',
  takesAccess: true,
  keepsUser: true,
  order: 40,
  params: Params,
  check(params) {
    return params.scope === 'listed' && !params.groups?.length
      ? [{ field: 'groups', message: 'list at least one group when the scope is listed' }]
      : [];
  },
  async describe(ctx, params) {
    const { leave, keep } = await plan(ctx.tx, ctx.tenant.id, ctx.user.id, params);
    if (leave.length === 0) return 'Remove from groups: none to remove now';
    const stays = keep.length === 0 ? ' (Default stays, as everyone keeps one group)' : '';
    return `Remove from ${plural(leave.length, 'group')}: ${listNames(leave.map((g) => g.name))}${stays}`;
  },
  async wouldRefuse(ctx, params, ceiling) {
    const { leave } = await plan(ctx.tx, ctx.tenant.id, ctx.user.id, params);
    const groups = await groupsRepo.findGroups(
      ctx.tx,
      ctx.tenant.id,
      leave.map((g) => g.id),
    );
    const roleIds = groups.map((g) => g.roleId).filter((id): id is string => id !== null);
    return ceilingRefusal(
      ctx.tx,
      ctx.tenant.id,
      roleIds,
      ceiling,
      (roles) => `leaving the groups that give ${roles}`,
    );
  },
  async execute(ctx, params) {
    const tenantId = ctx.tenant.id;
    const { leave, keep } = await plan(ctx.tx, tenantId, ctx.user.id, params);
    if (leave.length === 0) return { summary: 'Not in any of those groups', changed: false };
    if (keep.length === 0) {
      const defaultId = await groupsRepo.findDefaultGroupId(ctx.tx, tenantId);
      await setUserGroupsInTx(ctx.tx, ctx.caller, ctx.user.id, [defaultId!]);
    } else {
      await changeUserGroupsInTx(
        ctx.tx,
        ctx.caller,
        ctx.user.id,
        'remove',
        leave.map((g) => g.id),
      );
    }
    const names = leave.map((g) => g.name);
    return {
      summary: `Removed from ${plural(leave.length, 'group')}: ${listNames(names)}`,
      changed: true,
      details: { groups: names },
    };
  },
});
