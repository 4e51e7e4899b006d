import { Type } from 'typebox';
import type { Tx } from '../../../platform/db.ts';
import * as accessRepo from '../../access/access.repository.ts';
import { setUserRolesInTx } from '../../access/access.service.ts';
import type { UserRow } from '../../users/users.repository.ts';
import * as usersRepo from '../../users/users.repository.ts';
import { defineAction } from '../action.ts';
import { ceilingRefusal, listNames, plural } from '../action-helpers.ts';

/**
 * Takes away direct roles: all but the base role of the user's kind (User, or External User for
 * portal users), which stays because every user keeps one direct role (rule 12); or those listed by
 * name. Group roles go with the groups (see "Remove from groups").
 */
const Params = Type.Object(
  {
    scope: Type.Union([Type.Literal('all_but_base'), Type.Literal('listed')], { default: 'all_but_base' }),
    roles: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        minItems: 1,
        maxItems: 50,
        uniqueItems: true,
      }),
    ),
  },
  { additionalProperties: false },
);

async function plan(tx: Tx, user: UserRow, params: { scope: string; roles?: string[] }) {
  const current = (await usersRepo.rolesOfUsers(tx, user.tenantId, [user.id])).map(
    ({ userId: _, ...r }) => r,
  );
  const baseKey = user.kind === 'external' ? 'external_user' : 'user';
  const listed = new Set((params.roles ?? []).map((n) => n.trim().toLowerCase()));
  const drop =
    params.scope === 'listed'
      ? current.filter((r) => listed.has(r.name.toLowerCase()) || (r.key !== null && listed.has(r.key)))
      : current.filter((r) => r.key !== baseKey);
  const keep = current.filter((r) => !drop.includes(r));
  return { drop, keep, baseKey };
}

export default defineAction({
  type: 'remove_roles',
  label: 'Remove roles',
  description: 'Removes every direct role but the base user role, or the roles listed.',
  permission: 'roles.manage',
  takesAccess: true,
  keepsUser: true,
  order: 50,
  params: Params,
  check(params) {
    return params.scope === 'listed' && !params.roles?.length
      ? [{ field: 'roles', message: 'list at least one role when the scope is listed' }]
      : [];
  },
  async describe(ctx, params) {
    const { drop, keep } = await plan(ctx.tx, ctx.user, params);
    if (drop.length === 0) return 'Remove roles: none to remove now';
    const base = keep.length === 0 ? ' (the base User role is given, as everyone keeps one role)' : '';
    return `Remove ${plural(drop.length, 'role')}: ${listNames(drop.map((r) => r.name))}${base}`;
  },
  async wouldRefuse(ctx, params, ceiling) {
    const { drop } = await plan(ctx.tx, ctx.user, params);
    return ceilingRefusal(
      ctx.tx,
      ctx.tenant.id,
      drop.map((r) => r.id),
      ceiling,
      (roles) => `taking away ${roles}`,
    );
  },
  async execute(ctx, params) {
    const { drop, keep, baseKey } = await plan(ctx.tx, ctx.user, params);
    if (drop.length === 0) return { summary: 'Holds none of those roles', changed: false };
    let remaining = keep.map((r) => r.id);
    if (remaining.length === 0) {
      const base = await accessRepo.findRoleByKey(ctx.tx, ctx.tenant.id, baseKey);
      remaining = [base!.id];
    }
    await setUserRolesInTx(ctx.tx, ctx.caller, ctx.user.id, remaining);
    const names = drop.map((r) => r.name);
    return {
      summary: `Removed ${plural(drop.length, 'role')}: ${listNames(names)}`,
      changed: true,
      details: { roles: names },
    };
  },
});
