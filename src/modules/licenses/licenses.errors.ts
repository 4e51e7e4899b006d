import { AppError } from '../../platform/errors.ts';

export const LicenseErrors = {
  noneFree: (type: string, quantity: number) =>
    new AppError(
      'conflict',
      'license.none_free',
      `All ${quantity} ${type} licences of this tenant are in use. Free one, or ask your provider for more.`,
      {
        details: { type, quantity },
      },
    ),
  unknownPool: (type: string) =>
    new AppError('not_found', 'license.unknown_pool', `This tenant has no “${type}” licence pool.`),
  providerOnly: () =>
    new AppError(
      'forbidden',
      'license.provider_only',
      'Licence quantities are set by the provider of the tenant.',
    ),
  belowUsage: (type: string, used: number) =>
    new AppError(
      'conflict',
      'license.below_usage',
      `${used} ${type} licences are assigned; unassign some before lowering the quantity below that.`,
      {
        details: { type, used },
      },
    ),
  userNotActive: () =>
    new AppError('conflict', 'license.user_not_live', 'Archived and removed users cannot hold a licence.'),
};
