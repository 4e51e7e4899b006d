import type { Principal } from '../../platform/auth.ts';
import { type Ctx, personOf } from '../../platform/context.ts';
import { PlatformErrors } from '../../platform/errors.ts';
import { UserErrors } from '../users/users.errors.ts';
import { AccessErrors } from './access.errors.ts';
import { beyondCeiling } from './evaluator.ts';
import { PERMISSION_KEYS } from './permissions.catalog.ts';

/**
 * Authorization lives in services, and these are its words: a permission check, the data scope
 * (which users the caller may act on), and the privilege ceiling (rule 13).
 */
export function authorize(principal: Principal, permission: string): void {
  if (!principal.permissions.has(permission)) throw PlatformErrors.forbidden(permission);
}

export interface ScopedUser {
  id: string;
  department: string | null;
  managerIds: readonly string[];
}

/**
 * Data scopes: `users.scope.all` reaches everyone; `department` the users of the caller's own
 * department; `managed` the caller's direct reports; `self` the caller. Provider staff acting in a
 * customer tenant have no department or reports there, so only `all` reaches its users.
 */
export function inUserScope(principal: Principal, tenantId: string, target: ScopedUser): boolean {
  const p = principal.permissions;
  if (p.has('users.scope.all')) return true;
  if (principal.tenantId !== tenantId) return false;
  if (p.has('users.scope.self') && target.id === principal.userId) return true;
  if (p.has('users.scope.managed') && target.managerIds.includes(principal.userId)) return true;
  if (
    p.has('users.scope.department') &&
    principal.department &&
    target.department?.trim().toLowerCase() === principal.department.trim().toLowerCase()
  ) {
    return true;
  }
  return false;
}

export function assertInUserScope(principal: Principal, tenantId: string, target: ScopedUser): void {
  if (!inUserScope(principal, tenantId, target)) throw UserErrors.outOfScope();
}

/**
 * Whether `userId` (of the tenant acted in) is the caller themselves — or, for a flow run, the
 * person it acts for: rule 14's "no one removes themselves" holds through a run too.
 */
export function isSelf(caller: { principal: Principal; ctx: Ctx }, userId: string): boolean {
  const tenantId = caller.ctx.tenantId;
  if (caller.principal.userId === userId && caller.principal.tenantId === tenantId) return true;
  const person = personOf(caller.ctx.actor);
  return person !== null && person.userId === userId && person.tenantId === tenantId;
}

export function assertKnownPermissions(permissions: Iterable<string>): void {
  const unknown = [...permissions].filter((p) => !PERMISSION_KEYS.has(p));
  if (unknown.length > 0) throw AccessErrors.unknownPermissions(unknown);
}

/** Rule 13: whoever grants (by role, group role, override, custom-role edit, invitation) holds it. */
export function assertWithinCeiling(principal: Principal, permissions: Iterable<string>): void {
  const missing = beyondCeiling(principal.ceiling ?? principal.permissions, permissions);
  if (missing.length > 0) throw AccessErrors.ceiling(missing);
}

/** A provider role that reaches customers may only reach those the granting user reaches. */
export function assertCustomerReachWithinCeiling(
  principal: Principal,
  role: { customerAccess: string; customerTenantIds: readonly string[] },
): void {
  if (role.customerAccess === 'none' || principal.customerAccess === 'all') return;
  if (role.customerAccess === 'all') throw AccessErrors.customerReachCeiling();
  if (role.customerTenantIds.some((id) => !principal.customerTenantIds.has(id)))
    throw AccessErrors.customerReachCeiling();
}
