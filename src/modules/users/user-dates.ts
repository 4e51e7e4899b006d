import type { Principal } from '../../platform/auth.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Actor, Ctx } from '../../platform/context.ts';
import type { Tx } from '../../platform/db.ts';
import type { UserRow } from './users.repository.ts';

/**
 * The dates of a user that lifecycle events hang on (leave date, hire date, date-valued custom
 * attributes). Whoever changes them (an administrator, SCIM, an import) goes through the users
 * service, which tells the listeners here inside the same transaction: User Flows starts,
 * reschedules or cancels runs from it (rule 23) without the directory knowing about flows.
 */
export interface UserDatesChange {
  before: Pick<UserRow, 'leaveDate' | 'hireDate' | 'customAttributes'> | null;
  after: UserRow;
}

export interface DatesChangeCtx {
  tenantId: string;
  actor: Actor;
  clock: Clock;
  requestId?: string;
  /** What whoever changes the date may grant (rule 13): a run their change starts holds no more. */
  ceiling: ReadonlySet<string>;
}

export function datesCtxOf(caller: { principal: Principal; ctx: Ctx }): DatesChangeCtx {
  return { ...caller.ctx, ceiling: caller.principal.ceiling ?? caller.principal.permissions };
}

type Listener = (tx: Tx, ctx: DatesChangeCtx, change: UserDatesChange) => Promise<void>;

const listeners: Listener[] = [];

export function onUserDatesChanged(listener: Listener): void {
  if (!listeners.includes(listener)) listeners.push(listener);
}

export function datesDiffer(change: UserDatesChange): boolean {
  const b = change.before;
  // a new user has no runs yet: only the dates that can start one matter
  if (!b) return change.after.leaveDate !== null || change.after.hireDate !== null;
  return (
    b.leaveDate !== change.after.leaveDate ||
    b.hireDate !== change.after.hireDate ||
    JSON.stringify(dateAttributes(b.customAttributes)) !==
      JSON.stringify(dateAttributes(change.after.customAttributes))
  );
}

/** The custom attributes holding a calendar date: the only ones an event can hang on. */
function dateAttributes(attributes: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((attributes as Record<string, unknown> | null) ?? {}).sort())
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) out[k] = v;
  return out;
}

export async function userDatesChanged(tx: Tx, ctx: DatesChangeCtx, change: UserDatesChange): Promise<void> {
  if (!datesDiffer(change)) return;
  for (const listener of listeners) await listener(tx, ctx, change);
}
