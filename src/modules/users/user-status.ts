import type { UserStatus } from '../../platform/db-schema.ts';
import { UserErrors } from './users.errors.ts';

/**
 * DESIGN rule 3, the whole state machine in one table. A transition to the state the user is already
 * in succeeds and changes nothing; anything not listed is refused with a code that names it.
 *
 *   pending ──activate──▶ active ◀──reactivate── suspended
 *      │                    │ ──suspend──────────▶ │
 *      └──archive/remove──▶ archived (final: never reactivated) ──remove──▶ removed (tombstone)
 */
export type StatusAction = 'activate' | 'suspend' | 'reactivate' | 'archive' | 'remove';

const TARGET: Record<StatusAction, UserStatus> = {
  activate: 'active',
  suspend: 'suspended',
  reactivate: 'active',
  archive: 'archived',
  remove: 'removed',
};

const ALLOWED_FROM: Record<StatusAction, readonly UserStatus[]> = {
  activate: ['pending'],
  suspend: ['active'],
  reactivate: ['suspended'],
  archive: ['pending', 'active', 'suspended'],
  remove: ['pending', 'active', 'suspended', 'archived'],
};

export interface Transition {
  from: UserStatus;
  to: UserStatus;
  /** False when the user is already in the target state: nothing to do, nothing to audit. */
  changes: boolean;
}

export function planTransition(from: UserStatus, action: StatusAction): Transition {
  const to = TARGET[action];
  if (from === to) return { from, to, changes: false };
  if (from === 'removed') throw UserErrors.removedIsFinal();
  if (from === 'archived' && action === 'reactivate') throw UserErrors.archivedIsFinal();
  if (!ALLOWED_FROM[action].includes(from)) throw UserErrors.transitionNotAllowed(from, action);
  return { from, to, changes: true };
}

/** Statuses in which a user can sign in and receive email. */
export const isLive = (status: UserStatus) => status === 'active';
/** Statuses that end sessions and tokens on entry. */
export const endsAccess = (status: UserStatus) =>
  status === 'suspended' || status === 'archived' || status === 'removed';

/** A duration transfer may keep a user from signing in until its end; the block lifts itself then. */
export const signInBlocked = (user: { signInBlockedUntil?: Date | string | null }, now: Date) =>
  user.signInBlockedUntil != null && new Date(user.signInBlockedUntil).getTime() > now.getTime();
