import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Platform } from '../../platform/platform.ts';
import { NullableTimestamp, TenantParams, Timestamp, Uuid, withProblems } from '../../platform/schemas.ts';
import { callerOf, tenantScopeHook } from '../../platform/tenant-scope.ts';
import * as webhooks from './webhooks.service.ts';

const Url = Type.String({ maxLength: 2000, pattern: '^https?://[^\\s]+$' });
const Events = Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 20, uniqueItems: true });
const Endpoint = Type.Object({
  id: Uuid,
  url: Type.String(),
  description: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
const DeliveryOutcome = {
  status: Type.String({
    description: 'queued while attempts remain, delivered on a 2xx answer, failed after the last attempt',
  }),
  attempts: Type.Integer(),
  lastStatus: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status of the last attempt' }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  deliveredAt: NullableTimestamp,
};
const EndpointWithLastDelivery = Type.Object({
  ...Endpoint.properties,
  lastDelivery: Type.Union([Type.Object({ event: Type.String(), ...DeliveryOutcome }), Type.Null()], {
    description: 'The newest delivery to this endpoint, if any',
  }),
});
const Secret = Type.Object({
  secret: Type.String({
    description:
      'HMAC-SHA256 key: `Rollcall-Signature` is `v1=` + hex HMAC of `<Rollcall-Timestamp>.<raw body>`',
  }),
});
const EndpointParams = Type.Object({ tenantId: Uuid, endpointId: Uuid });

export const webhookRoutes: FastifyPluginAsyncTypebox<{ platform: Platform }> = async (app, { platform }) => {
  const preHandler = tenantScopeHook(platform);
  const base = '/api/v1/tenants/:tenantId/webhooks';
  const tags = ['webhooks'];
  const config = { permission: 'settings.manage' };

  app.get(
    base,
    {
      preHandler,
      config,
      schema: {
        tags,
        summary: 'Webhook endpoints, and the events they may subscribe to',
        params: TenantParams,
        response: withProblems({
          200: Type.Object({
            items: Type.Array(EndpointWithLastDelivery),
            events: Type.Array(Type.String()),
          }),
        }),
      },
    },
    async (request) => webhooks.listEndpoints(platform, callerOf(request)),
  );

  app.post(
    base,
    {
      preHandler,
      config,
      schema: {
        tags,
        summary: 'Add an endpoint that receives signed events',
        params: TenantParams,
        body: Type.Object(
          { url: Url, events: Events, description: Type.Optional(Type.String({ maxLength: 300 })) },
          { additionalProperties: false },
        ),
        response: withProblems({ 201: Endpoint }),
      },
    },
    async (request, reply) =>
      reply.status(201).send(await webhooks.createEndpoint(platform, callerOf(request), request.body)),
  );

  app.patch(
    `${base}/:endpointId`,
    {
      preHandler,
      config,
      schema: {
        tags,
        summary: 'Change an endpoint (address, events, description, enabled)',
        params: EndpointParams,
        body: Type.Object(
          {
            url: Type.Optional(Url),
            events: Type.Optional(Events),
            description: Type.Optional(Type.String({ maxLength: 300 })),
            enabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: withProblems({ 200: Endpoint }),
      },
    },
    async (request) =>
      webhooks.updateEndpoint(platform, callerOf(request), request.params.endpointId, request.body),
  );

  app.delete(
    `${base}/:endpointId`,
    {
      preHandler,
      config,
      schema: {
        tags,
        summary: 'Remove an endpoint',
        params: EndpointParams,
        response: withProblems({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await webhooks.deleteEndpoint(platform, callerOf(request), request.params.endpointId);
      return reply.status(204).send();
    },
  );

  app.get(
    `${base}/secret`,
    {
      preHandler,
      config,
      schema: {
        tags,
        summary: 'The tenant’s signing secret (created on first use; reading it is audited)',
        params: TenantParams,
        response: withProblems({ 200: Secret }),
      },
    },
    async (request) => webhooks.revealSecret(platform, callerOf(request)),
  );

  app.post(
    `${base}/secret/rotate`,
    {
      preHandler,
      config,
      schema: {
        tags,
        summary: 'Replace the signing secret; deliveries from now on use the new one',
        params: TenantParams,
        response: withProblems({ 200: Secret }),
      },
    },
    async (request) => webhooks.rotateSecret(platform, callerOf(request)),
  );

  app.get(
    `${base}/deliveries`,
    {
      preHandler,
      config,
      schema: {
        tags,
        summary: 'Recent deliveries, newest first, with their status and attempts',
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
                endpointId: Type.Union([Uuid, Type.Null()]),
                url: Type.String(),
                event: Type.String(),
                ...DeliveryOutcome,
              }),
            ),
          }),
        }),
      },
    },
    async (request) => webhooks.listDeliveries(platform, callerOf(request), request.query.limit ?? 100),
  );
};
