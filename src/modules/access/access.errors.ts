import { AppError } from '../../platform/errors.ts';

export const AccessErrors = {
  roleNotFound: () => new AppError('not_found', 'role.not_found', 'No such role in this tenant.'),
  unknownRoles: (ids: string[]) =>
    new AppError('invalid', 'role.unknown', 'Some roles named do not exist in this tenant.', {
      details: { ids },
    }),
  nameTaken: (name: string) =>
    new AppError('conflict', 'role.name_taken', `A role named "${name}" already exists.`, {
      errors: [{ field: 'body/name', message: 'is already taken', code: 'unique' }],
    }),
  unknownPermissions: (permissions: string[]) =>
    new AppError(
      'invalid',
      'permission.unknown',
      `Not in the permission catalog: ${permissions.join(', ')}.`,
      {
        details: { permissions },
      },
    ),
  /** Rule 13. */
  ceiling: (permissions: string[]) =>
    new AppError(
      'forbidden',
      'role.ceiling',
      `You cannot grant permissions you do not hold yourself: ${permissions.join(', ')}.`,
      { details: { permissions } },
    ),
  customerReachCeiling: () =>
    new AppError(
      'forbidden',
      'role.ceiling',
      'You cannot grant access to customer tenants you cannot reach yourself.',
      {
        details: { permissions: ['customer_access'] },
      },
    ),
  predefinedImmutable: () =>
    new AppError(
      'conflict',
      'role.predefined_immutable',
      'Predefined roles cannot be changed or deleted; create a custom role.',
    ),
  roleInUse: (users: number, groups: number) =>
    new AppError(
      'conflict',
      'role.in_use',
      `The role is held by ${users} user(s) and ${groups} group(s); unassign it first.`,
      {
        details: { users, groups },
      },
    ),
  /** Rule 12. */
  lastDirectRole: () =>
    new AppError(
      'conflict',
      'user.last_role',
      'Every user keeps at least one direct role; this would remove the last one.',
    ),
  /** Rule 14. */
  lastSuperAdmin: () =>
    new AppError(
      'conflict',
      'tenant.last_super_admin',
      'The tenant must keep at least one active Super Admin.',
    ),
  customerAccessInCustomer: () =>
    new AppError(
      'invalid',
      'role.customer_access_in_customer',
      'Only roles of a provider tenant can reach customer tenants.',
    ),
  foreignCustomer: () =>
    new AppError(
      'invalid',
      'role.unknown_customer',
      'A customer tenant named is not a customer of this provider.',
    ),
};
