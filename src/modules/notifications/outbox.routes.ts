import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requirePrincipal } from '../../platform/auth.ts';
import { withTenantTx } from '../../platform/db.ts';
import type { Platform } from '../../platform/platform.ts';
import { NullableTimestamp, TenantParams, Timestamp, Uuid, withProblems } from '../../platform/schemas.ts';
import { scopeOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import { authorize } from '../access/authorize.ts';

/**
 * The outbox: every email with its delivery status. Without SMTP_URL messages are kept here, so a
 * first-time administrator can still follow an invitation link.
 */
export const outboxRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  app.get(
    '/api/v1/tenants/:tenantId/outbox',
    {
      preHandler: tenantScopeHook(platform),
      config: { permission: 'settings.manage' },
      schema: {
        tags: ['notifications'],
        summary: 'Emails of this tenant, newest first, with their delivery status',
        params: TenantParams,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) },
          { additionalProperties: false },
        ),
        response: withProblems({
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Uuid,
                toAddress: Type.String(),
                kind: Type.String(),
                subject: Type.String(),
                textBody: Type.String(),
                status: Type.String(),
                attempts: Type.Integer(),
                lastError: Type.Union([Type.String(), Type.Null()]),
                createdAt: Timestamp,
                sentAt: NullableTimestamp,
              }),
            ),
            smtpConfigured: Type.Boolean(),
          }),
        }),
      },
    },
    async (request) => {
      const principal = requirePrincipal(request);
      authorize(principal, 'settings.manage');
      const tenantId = scopeOf(request).tenant.id;
      const items = await withTenantTx(platform.db, tenantId, (tx) =>
        tx
          .selectFrom('outbox')
          .select([
            'id',
            'toAddress',
            'kind',
            'subject',
            'textBody',
            'status',
            'attempts',
            'lastError',
            'createdAt',
            'sentAt',
          ])
          .where('tenantId', '=', tenantId)
          .orderBy('createdAt', 'desc')
          .limit(request.query.limit ?? 100)
          .execute(),
      );
      return { items, smtpConfigured: platform.config.smtpUrl !== null };
    },
  );
};
