import { AppError } from '../../platform/errors.ts';

export const GroupErrors = {
  notFound: () => new AppError('not_found', 'group.not_found', 'No such group in this tenant.'),
  nameTaken: (name: string) =>
    new AppError('conflict', 'group.name_taken', `A group named "${name}" already exists.`, {
      errors: [{ field: 'body/name', message: 'is already taken', code: 'unique' }],
    }),
  defaultUndeletable: () =>
    new AppError('conflict', 'group.default_undeletable', 'The Default group cannot be deleted.'),
  defaultUnrenamable: () =>
    new AppError('conflict', 'group.default_unrenamable', 'The Default group cannot be renamed.'),
  lastGroup: (userIds: string[]) =>
    new AppError(
      'conflict',
      'user.last_group',
      'Every user belongs to at least one group; this would leave a user with none.',
      {
        details: { userIds },
      },
    ),
  defaultMemberNotMember: () =>
    new AppError(
      'invalid',
      'group.default_member_not_member',
      'The default group member must be a member of the group.',
    ),
  defaultMemberUnlicensed: () =>
    new AppError(
      'invalid',
      'group.default_member_unlicensed',
      'The default group member must hold a people licence (rule 7).',
    ),
  defaultMemberInactive: () =>
    new AppError(
      'invalid',
      'group.default_member_inactive',
      'The default group member must be an active user.',
    ),
  unknownGroups: (ids: string[]) =>
    new AppError('invalid', 'group.unknown', 'Some groups named do not exist in this tenant.', {
      details: { ids },
    }),
  noGroupRole: () =>
    new AppError('conflict', 'group.no_group_role', 'This group has no group role to unassign.'),
  mastered: (source: string) =>
    new AppError(
      'conflict',
      'group.mastered_by_source',
      `This group is provisioned by the ${source.toUpperCase()} directory: its name and members change only there.`,
      { details: { source } },
    ),
  managedInRollcall: (source: string) =>
    new AppError(
      'conflict',
      'group.managed_in_rollcall',
      `This group was made in Rollcall: the ${source.toUpperCase()} directory may read it but not change it. Provision a group of its own instead.`,
      { details: { source } },
    ),
  exceptUserNotMember: () =>
    new AppError('invalid', 'group.except_user_not_member', 'The user named must be a member of the group.'),
};
