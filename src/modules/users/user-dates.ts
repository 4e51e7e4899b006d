import type { Tx } from '../../platform/db.ts';
import type { Platform } from '../../platform/platform.ts';
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

type Listener = (
  platform: Platform,
  tx: Tx,
  ctx: {
    tenantId: string;
    actor: import('../../platform/context.ts').Actor;
    clock: import('../../platform/clock.ts').Clock;
  },
  change: UserDatesChange,
) => Promise<void>;

const listeners: Listener[] = [];

export function onUserDatesChanged(listener: Listener): void {
  if (!listeners.includes(listener)) listeners.push(listener);
}

export function datesDiffer(change: UserDatesChange): boolean {
  const b = change.before;
  if (!b)
    return (
      change.after.leaveDate !== null ||
      change.after.hireDate !== null ||
      Object.keys(change.after.customAttributes ?? {}).length > 0
    );
  return (
    b.leaveDate !== change.after.leaveDate ||
    b.hireDate !== change.after.hireDate ||
    JSON.stringify(b.customAttributes ?? {}) !== JSON.stringify(change.after.customAttributes ?? {})
  );
}

export async function userDatesChanged(
  platform: Platform,
  tx: Tx,
  ctx: Parameters<Listener>[2],
  change: UserDatesChange,
): Promise<void> {
  if (!datesDiffer(change)) return;
  for (const listener of listeners) await listener(platform, tx, ctx, change);
}
