import { v7 as uuidv7 } from 'uuid';
import { recordAudit } from '../../platform/audit.ts';
import { type Tx, withTenantTx } from '../../platform/db.ts';
import { AppError } from '../../platform/errors.ts';
import { auditableUrl, literalAddressRefused } from '../../platform/outbound.ts';
import type { Platform } from '../../platform/platform.ts';
import { rotateWebhookSecret, WEBHOOK_EVENTS, webhookSecretOf } from '../../platform/webhooks.ts';
import { authorize } from '../access/authorize.ts';
import type { Caller } from '../users/users.service.ts';
import * as repo from './webhooks.repository.ts';

/**
 * A tenant's webhook endpoints: where Rollcall announces events (an owner change) to integrations,
 * signed with the tenant's secret (see `platform/webhooks.ts`).
 */
const WebhookErrors = {
  notFound: () => new AppError('not_found', 'webhook.not_found', 'No such webhook endpoint in this tenant.'),
  unknownEvents: (events: string[]) =>
    new AppError('invalid', 'webhook.unknown_event', `Unknown event(s): ${events.join(', ')}.`, {
      errors: [{ field: 'body/events', message: `must be among ${WEBHOOK_EVENTS.join(', ')}` }],
      details: { known: WEBHOOK_EVENTS },
    }),
  urlNotAllowed: (host: string) =>
    new AppError(
      'invalid',
      'webhook.url_not_allowed',
      `${host} is a private or reserved address: Rollcall does not send webhooks there (an operator can allow a range with ROLLCALL_WEBHOOK_ALLOW_CIDRS).`,
      {
        errors: [{ field: 'body/url', message: 'is a private or reserved address', code: 'url_not_allowed' }],
      },
    ),
};

function checkUrl(url: string | undefined) {
  const refused = url ? literalAddressRefused(url) : null;
  if (refused) throw WebhookErrors.urlNotAllowed(refused);
}

function checkEvents(events: string[] | undefined) {
  const unknown = (events ?? []).filter((e) => !WEBHOOK_EVENTS.includes(e));
  if (unknown.length > 0) throw WebhookErrors.unknownEvents(unknown);
}

const view = (e: {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  events: e.events,
  enabled: e.enabled,
  createdAt: new Date(e.createdAt).toISOString(),
  updatedAt: new Date(e.updatedAt).toISOString(),
});

export async function listEndpoints(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'settings.manage');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const endpoints = await tx
      .selectFrom('webhookEndpoints')
      .selectAll()
      .where('tenantId', '=', caller.ctx.tenantId)
      .orderBy('createdAt')
      .execute();
    const last = await repo.lastDeliveryByEndpoint(tx, caller.ctx.tenantId);
    return {
      items: endpoints.map((e) => {
        const d = last.get(e.id);
        return {
          ...view(e),
          lastDelivery: d
            ? {
                event: d.event,
                status: d.status,
                attempts: d.attempts,
                lastStatus: d.lastStatus,
                lastError: d.lastError,
                createdAt: new Date(d.createdAt).toISOString(),
                deliveredAt: d.deliveredAt ? new Date(d.deliveredAt).toISOString() : null,
              }
            : null,
        };
      }),
      events: [...WEBHOOK_EVENTS],
    };
  });
}

export async function createEndpoint(
  platform: Platform,
  caller: Caller,
  body: { url: string; events: string[]; description?: string },
) {
  authorize(caller.principal, 'settings.manage');
  checkEvents(body.events);
  checkUrl(body.url);
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const now = caller.ctx.clock.now();
    const e = await tx
      .insertInto('webhookEndpoints')
      .values({
        tenantId: caller.ctx.tenantId,
        id: uuidv7(),
        url: body.url,
        description: body.description ?? '',
        events: body.events,
        createdAt: now,
        updatedAt: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(tx, caller.ctx, {
      action: 'webhook.endpoint_created',
      target: { type: 'webhook_endpoint', id: e.id, label: auditableUrl(e.url) },
      after: { url: auditableUrl(e.url), events: e.events, description: e.description },
    });
    return view(e);
  });
}

export async function updateEndpoint(
  platform: Platform,
  caller: Caller,
  id: string,
  body: { url?: string; events?: string[]; description?: string; enabled?: boolean },
) {
  authorize(caller.principal, 'settings.manage');
  checkEvents(body.events);
  checkUrl(body.url);
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const before = await tx
      .selectFrom('webhookEndpoints')
      .selectAll()
      .where('tenantId', '=', caller.ctx.tenantId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw WebhookErrors.notFound();
    const e = await tx
      .updateTable('webhookEndpoints')
      .set({ ...body, updatedAt: caller.ctx.clock.now() })
      .where('tenantId', '=', caller.ctx.tenantId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const stopped =
      before.enabled && !e.enabled
        ? await stopQueuedDeliveriesInTx(
            tx,
            caller.ctx.tenantId,
            id,
            'Not sent: the endpoint was switched off before it was delivered',
          )
        : 0;
    await recordAudit(tx, caller.ctx, {
      action: 'webhook.endpoint_updated',
      target: { type: 'webhook_endpoint', id, label: auditableUrl(e.url) },
      before: { url: auditableUrl(before.url), events: before.events, enabled: before.enabled },
      after: {
        url: auditableUrl(e.url),
        events: e.events,
        enabled: e.enabled,
        ...(stopped ? { stoppedDeliveries: stopped } : {}),
      },
    });
    return view(e);
  });
}

/**
 * Deliveries of an endpoint still waiting for an attempt or a retry stop: an endpoint deleted or
 * switched off gets nothing more (the delivery job finds them no longer queued and ends).
 */
async function stopQueuedDeliveriesInTx(tx: Tx, tenantId: string, endpointId: string, reason: string) {
  const stopped = await tx
    .updateTable('webhookDeliveries')
    .set({ status: 'failed', lastError: reason })
    .where('tenantId', '=', tenantId)
    .where('endpointId', '=', endpointId)
    .where('status', '=', 'queued')
    .returning('id')
    .execute();
  return stopped.length;
}

export async function deleteEndpoint(platform: Platform, caller: Caller, id: string) {
  authorize(caller.principal, 'settings.manage');
  await withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    // before the row goes: the deliveries lose their endpoint id with it
    const stopped = await stopQueuedDeliveriesInTx(
      tx,
      caller.ctx.tenantId,
      id,
      'Not sent: the endpoint was deleted before it was delivered',
    );
    const gone = await tx
      .deleteFrom('webhookEndpoints')
      .where('tenantId', '=', caller.ctx.tenantId)
      .where('id', '=', id)
      .returning(['url'])
      .executeTakeFirst();
    if (!gone) throw WebhookErrors.notFound();
    await recordAudit(tx, caller.ctx, {
      action: 'webhook.endpoint_deleted',
      target: { type: 'webhook_endpoint', id, label: auditableUrl(gone.url) },
      after: { stoppedDeliveries: stopped },
    });
  });
}

/** The signing secret, for setting up a receiver; reading it is audited. */
export async function revealSecret(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'settings.manage');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const secret = await webhookSecretOf(platform, tx, caller.ctx.tenantId);
    await recordAudit(tx, caller.ctx, {
      action: 'webhook.secret_revealed',
      target: { type: 'webhook_secret', id: caller.ctx.tenantId },
    });
    return { secret };
  });
}

export async function rotateSecret(platform: Platform, caller: Caller) {
  authorize(caller.principal, 'settings.manage');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => {
    const secret = await rotateWebhookSecret(platform, tx, caller.ctx.tenantId);
    await recordAudit(tx, caller.ctx, {
      action: 'webhook.secret_rotated',
      target: { type: 'webhook_secret', id: caller.ctx.tenantId },
    });
    return { secret };
  });
}

export async function listDeliveries(platform: Platform, caller: Caller, limit: number) {
  authorize(caller.principal, 'settings.manage');
  return withTenantTx(platform.db, caller.ctx.tenantId, async (tx) => ({
    items: (
      await tx
        .selectFrom('webhookDeliveries')
        .select([
          'id',
          'endpointId',
          'url',
          'event',
          'status',
          'attempts',
          'lastStatus',
          'lastError',
          'createdAt',
          'deliveredAt',
        ])
        .where('tenantId', '=', caller.ctx.tenantId)
        .orderBy('createdAt', 'desc')
        .limit(limit)
        .execute()
    ).map((d) => ({
      ...d,
      createdAt: new Date(d.createdAt).toISOString(),
      deliveredAt: d.deliveredAt ? new Date(d.deliveredAt).toISOString() : null,
    })),
  }));
}
