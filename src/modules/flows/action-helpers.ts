import { Type } from 'typebox';
import type { Tx } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import * as accessRepo from '../access/access.repository.ts';
import { beyondCeiling } from '../access/evaluator.ts';
import type { UserRow } from '../users/users.repository.ts';
import * as usersRepo from '../users/users.repository.ts';

/** Small pieces several actions share: names, lists, and finding a recipient in the run's tenant. */
export const fullName = (u: { firstName: string; lastName: string }) => `${u.firstName} ${u.lastName}`;

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "A, B and C" — or "A, B, C and 4 more" past six. */
export function listNames(names: string[], max = 6): string {
  if (names.length === 0) return '';
  const shown = names.slice(0, max);
  const rest = names.length - shown.length;
  if (rest > 0) return `${shown.join(', ')} and ${rest} more`;
  return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
}

/** Who receives what a user leaves behind: their manager, or a user named by email or username. */
export const RecipientParam = Type.Union(
  [
    Type.Object({ type: Type.Literal('manager') }, { additionalProperties: false }),
    Type.Object(
      { type: Type.Literal('user'), login: Type.String({ minLength: 1, maxLength: 320 }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'the user’s manager, or a user named by email or username' },
);
export type RecipientParam = { type: 'manager' } | { type: 'user'; login: string };

export const NoRecipient = () =>
  new AppError('conflict', 'flow_step.no_recipient', 'The user has no manager to hand things to.');

/** The recipient a step names, as it stands in the tenant now (null: the user has no manager). */
export async function findRecipient(
  tx: Tx,
  user: UserRow,
  recipient: RecipientParam,
): Promise<UserRow | null> {
  if (recipient.type === 'manager') {
    const managers = await usersRepo.managersOf(tx, user.tenantId, user.id);
    const live = managers.filter((m) => m.status === 'active');
    if (live.length === 0) return null;
    return (await usersRepo.findUser(tx, user.tenantId, live[0]!.id)) ?? null;
  }
  const login = recipient.login.trim().toLowerCase();
  const row = await tx
    .selectFrom('users')
    .select('id')
    .where('tenantId', '=', user.tenantId)
    .where((eb) =>
      eb.or([eb(eb.fn('lower', ['email']), '=', login), eb(eb.fn('lower', ['username']), '=', login)]),
    )
    .where('status', '<>', 'removed')
    .executeTakeFirst();
  if (!row) {
    throw new AppError(
      'conflict',
      'flow_step.recipient_not_found',
      `No user “${recipient.login}” in this tenant.`,
      {
        details: { login: recipient.login },
      },
    );
  }
  return (await usersRepo.findUser(tx, user.tenantId, row.id)) ?? null;
}

export function describeRecipient(recipient: RecipientParam, found: UserRow | null): string {
  if (found) return recipient.type === 'manager' ? `their manager ${fullName(found)}` : fullName(found);
  return recipient.type === 'manager' ? 'their manager (none is set now)' : `“${recipient.login}”`;
}

/**
 * "Would be refused: …" when roles carry permissions beyond the ceiling of the person starting the
 * run (rule 13), naming the roles and the first permissions missing.
 */
export async function ceilingRefusal(
  tx: Tx,
  tenantId: string,
  roleIds: readonly string[],
  ceiling: ReadonlySet<string>,
  what: (roles: string) => string,
): Promise<string | null> {
  const roles = await accessRepo.findRoles(tx, tenantId, [...new Set(roleIds)]);
  const beyond = roles.filter((r) => beyondCeiling(ceiling, r.permissions).length > 0);
  if (beyond.length === 0) return null;
  const missing = beyondCeiling(
    ceiling,
    beyond.flatMap((r) => r.permissions),
  );
  const shown =
    missing.slice(0, 3).join(', ') + (missing.length > 3 ? `, and ${missing.length - 3} more` : '');
  return `Would be refused for you: ${what(listNames(beyond.map((r) => r.name)))}, which carries permissions you do not hold (${shown}). Someone who holds them must start or retry the run.`;
}
