import { AppError } from '../../platform/errors.ts';

export const OwnershipErrors = {
  transferNotFound: () =>
    new AppError('not_found', 'transfer.not_found', 'No such transfer or scheduled removal in this tenant.'),
  alreadyPending: (transferId: string, kind: string) =>
    new AppError(
      'conflict',
      'transfer.already_pending',
      kind === 'removal'
        ? 'This user is already scheduled for removal; cancel that first.'
        : 'This user already has a pending ownership transfer; cancel it first.',
      { details: { transferId, kind } },
    ),
  alreadyRun: (status: string) =>
    new AppError(
      'conflict',
      'transfer.already_run',
      status === 'failed'
        ? 'This change already ran and failed; there is nothing left to cancel.'
        : 'This change already ran and cannot be undone; to give ownerships back, transfer them back.',
      { details: { status } },
    ),
  inThePast: (field: string) =>
    new AppError('invalid', 'transfer.in_the_past', 'The date and hour picked are already past.', {
      errors: [{ field, message: 'is in the past' }],
    }),
  endBeforeStart: () =>
    new AppError('invalid', 'transfer.end_before_start', 'A duration must end after it starts.', {
      errors: [{ field: 'body/end', message: 'must be after the start' }],
    }),
  invalidDate: (field: string) =>
    new AppError('invalid', 'transfer.invalid_date', 'That is not a real calendar date.', {
      errors: [{ field, message: 'is not a real date' }],
    }),
  missingInstant: (field: string) =>
    new AppError('invalid', 'request.invalid', `${field.split('/').pop()} is required for this kind.`, {
      errors: [{ field, message: 'is required' }],
    }),

  resourceNotFound: () => new AppError('not_found', 'resource.not_found', 'No such resource in this tenant.'),
  unknownType: (type: string, known: string[]) =>
    new AppError('invalid', 'resource.unknown_type', `"${type}" is not a resource type Rollcall knows.`, {
      errors: [{ field: 'body/type', message: `must be one of ${known.join(', ')}` }],
      details: { known },
    }),
  resourceExists: (id: string) =>
    new AppError(
      'conflict',
      'resource.exists',
      'A resource of this type with this external id is already registered.',
      { details: { id } },
    ),
  invalidOwner: (field = 'body/ownerId') =>
    new AppError('invalid', 'resource.invalid_owner', 'The owner must be an active member of this tenant.', {
      errors: [{ field, message: 'is not an active member' }],
    }),

  shareUserSuspended: () =>
    new AppError(
      'conflict',
      'share.user_suspended',
      'Nothing can be newly shared with a suspended user; existing shares can still be changed or stopped.',
    ),
  shareOwnerSuspended: () =>
    new AppError(
      'conflict',
      'share.owner_suspended',
      'The owner of this resource is suspended: it cannot be newly shared until they are reactivated or it changes owner.',
    ),
  shareUserInactive: (status: string) =>
    new AppError('conflict', 'share.user_inactive', `Nothing can be shared with a user who is ${status}.`, {
      details: { status },
    }),
  shareWithOwner: () =>
    new AppError('invalid', 'share.with_owner', 'The owner already has full access to their resource.'),

  unknownKind: (type: string) =>
    new AppError('not_found', 'ownership.unknown_kind', `"${type}" is not a kind of ownership.`),
  notChangeable: (type: string) =>
    new AppError(
      'invalid',
      'ownership.not_changeable',
      `The owner of a ${type} is not changed here (licences are assigned on the licences page).`,
    ),
  itemNotFound: () =>
    new AppError('not_found', 'ownership.item_not_found', 'No such owned item in this tenant.'),
};
