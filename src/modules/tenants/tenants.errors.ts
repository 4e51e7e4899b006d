import { AppError } from '../../platform/errors.ts';

export const TenantErrors = {
  slugTaken: (slug: string) =>
    new AppError('conflict', 'tenant.slug_taken', `The slug "${slug}" is already used by another tenant.`, {
      errors: [{ field: 'body/slug', message: 'is already taken', code: 'unique' }],
    }),
  notProvider: () =>
    new AppError(
      'forbidden',
      'tenant.not_provider',
      'Only a provider (MSP) tenant can create customer tenants.',
    ),
  invalidSettings: (field: string, message: string) =>
    new AppError('invalid', 'tenant.invalid_settings', `Tenant settings: ${field} ${message}.`, {
      errors: [{ field: `body/settings/${field}`, message }],
    }),
  statusChangeForbidden: () =>
    new AppError(
      'forbidden',
      'tenant.status_change_forbidden',
      'Only the provider of a customer tenant can suspend or reactivate it.',
    ),
};
