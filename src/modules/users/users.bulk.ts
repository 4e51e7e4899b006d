import { withTenantTx } from '../../platform/db.ts';
import { AppError, isAppError } from '../../platform/errors.ts';
import type { Platform } from '../../platform/platform.ts';
import { changeUserRolesInTx } from '../access/access.service.ts';
import { adminResetPasswordInTx, sendResetLinkInTx } from '../auth/credentials.service.ts';
import { changeUserGroupsInTx } from '../groups/groups.service.ts';
import type { BulkBody } from './users.schemas.ts';
import { type Caller, changeStatusInTx, revokeUserAccessInTx } from './users.service.ts';

/**
 * Bulk actions over a list of users: each user's change is its own transaction, whole or not at
 * all, and one user's refusal (last Super Admin, out of scope, …) does not undo the others. The
 * answer says, per user, what happened.
 */
export async function runBulkAction(platform: Platform, caller: Caller, body: BulkBody) {
  if ((body.action === 'assignGroups' || body.action === 'removeGroups') && !body.groupIds) {
    throw new AppError('invalid', 'request.invalid', 'groupIds is required for this action.', {
      errors: [{ field: 'body/groupIds', message: 'is required' }],
    });
  }
  if ((body.action === 'assignRoles' || body.action === 'removeRoles') && !body.roleIds) {
    throw new AppError('invalid', 'request.invalid', 'roleIds is required for this action.', {
      errors: [{ field: 'body/roleIds', message: 'is required' }],
    });
  }
  const results = [];
  for (const id of body.ids) {
    try {
      const outcome = await withTenantTx(platform.db, caller.ctx.tenantId, (tx) => {
        switch (body.action) {
          case 'suspend':
          case 'reactivate':
          case 'archive':
            return changeStatusInTx(tx, caller, id, body.action);
          case 'assignGroups':
            return changeUserGroupsInTx(tx, caller, id, 'add', body.groupIds!);
          case 'removeGroups':
            return changeUserGroupsInTx(tx, caller, id, 'remove', body.groupIds!);
          case 'assignRoles':
            return changeUserRolesInTx(tx, caller, id, 'add', body.roleIds!);
          case 'removeRoles':
            return changeUserRolesInTx(tx, caller, id, 'remove', body.roleIds!);
          case 'revokeAccess':
            return revokeUserAccessInTx(tx, caller, id);
          case 'forcePasswordChange':
            return adminResetPasswordInTx(tx, caller, id, 'force_change');
          case 'sendResetLink':
            return sendResetLinkInTx(tx, platform, caller, id);
        }
      });
      results.push({
        id,
        ok: true,
        changed: outcome.changed,
        ...('endedSessions' in outcome ? { endedSessions: outcome.endedSessions } : {}),
      });
    } catch (error) {
      if (!isAppError(error)) throw error;
      results.push({ id, ok: false, code: error.code, detail: error.message });
    }
  }
  const succeeded = results.filter((r) => r.ok).length;
  return { results, succeeded, failed: results.length - succeeded };
}
