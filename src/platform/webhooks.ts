import { createHmac, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Ctx } from './context.ts';
import { type Tx, withTenantTx } from './db.ts';
import { postOutbound } from './outbound.ts';
import type { Platform } from './platform.ts';
import { seal, unseal } from './sealed.ts';
import { safeEqual } from './tokens.ts';

/**
 * Signed webhooks. Every delivery is a row written in the caller's transaction plus a durable job
 * enqueued there, retried with backoff, so a change and its notification commit together.
 *
 * Signature: `Rollcall-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` with the
 * tenant's secret and `Rollcall-Timestamp` (Unix seconds). The timestamp is inside the signed text,
 * so a captured delivery cannot be replayed later with a new timestamp; receivers verify over the
 * raw bytes and refuse timestamps too far from their clock. `Rollcall-Webhook-Id` stays the same
 * across retries of one delivery, for de-duplication.
 */
export const WEBHOOK_JOB = 'webhooks.deliver';
export const WEBHOOK_HEADERS = {
  id: 'rollcall-webhook-id',
  event: 'rollcall-event',
  timestamp: 'rollcall-timestamp',
  signature: 'rollcall-signature',
} as const;
/** The events Rollcall announces to a tenant's endpoints. */
export const WEBHOOK_EVENTS: string[] = ['resource.owner_changed'];
const RETRY_LIMIT = 8;
const TIMEOUT_MS = 10_000;
const SEAL_PURPOSE = 'webhook-secret';

export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: the signature matches the raw body and the timestamp is recent. */
export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  opts: { now: Date; toleranceSeconds?: number },
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp)) return false;
  if (Math.abs(opts.now.getTime() / 1000 - timestamp) > (opts.toleranceSeconds ?? 300)) return false;
  return safeEqual(headers.signature, webhookSignature(secret, timestamp, body));
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/** The tenant's signing secret, created on first use. */
export async function webhookSecretOf(platform: Platform, tx: Tx, tenantId: string): Promise<string> {
  await tx
    .insertInto('webhookSecrets')
    .values({
      tenantId,
      secretSealed: seal(platform.secret, SEAL_PURPOSE, newSecret()),
      createdAt: platform.clock.now(),
    })
    .onConflict((oc) => oc.column('tenantId').doNothing())
    .execute();
  const row = await tx
    .selectFrom('webhookSecrets')
    .select('secretSealed')
    .where('tenantId', '=', tenantId)
    .executeTakeFirstOrThrow();
  return unseal(platform.secret, SEAL_PURPOSE, row.secretSealed);
}

/** A new secret; deliveries from now on are signed with it. */
export async function rotateWebhookSecret(platform: Platform, tx: Tx, tenantId: string): Promise<string> {
  const secret = newSecret();
  const sealed = seal(platform.secret, SEAL_PURPOSE, secret);
  await tx
    .insertInto('webhookSecrets')
    .values({ tenantId, secretSealed: sealed, createdAt: platform.clock.now() })
    .onConflict((oc) =>
      oc.column('tenantId').doUpdateSet({ secretSealed: sealed, createdAt: platform.clock.now() }),
    )
    .execute();
  return secret;
}

export interface WebhookMessage {
  url: string;
  event: string;
  data: unknown;
  endpointId?: string | null;
}

/** Writes one delivery and enqueues it, in the caller's transaction. */
export async function queueWebhook(
  platform: Platform,
  tx: Tx,
  ctx: Ctx,
  message: WebhookMessage,
): Promise<{ id: string }> {
  const id = uuidv7();
  const now = ctx.clock.now();
  const body = JSON.stringify({
    id,
    event: message.event,
    occurredAt: now.toISOString(),
    tenantId: ctx.tenantId,
    data: message.data,
  });
  await tx
    .insertInto('webhookDeliveries')
    .values({
      tenantId: ctx.tenantId,
      id,
      endpointId: message.endpointId ?? null,
      url: message.url,
      event: message.event,
      body,
      status: 'queued',
      createdAt: now,
    })
    .execute();
  await platform.jobs.enqueue(
    tx,
    WEBHOOK_JOB,
    { tenantId: ctx.tenantId, id },
    { singletonKey: `webhook:${id}` },
  );
  return { id };
}

/** Sends `event` to every enabled endpoint of the tenant subscribed to it; returns how many. */
export async function announce(platform: Platform, tx: Tx, ctx: Ctx, event: string, data: unknown) {
  const endpoints = await tx
    .selectFrom('webhookEndpoints')
    .select(['id', 'url'])
    .where('tenantId', '=', ctx.tenantId)
    .where('enabled', '=', true)
    .where((eb) => eb(eb.val(event), '=', eb.fn.any('events')))
    .execute();
  for (const e of endpoints)
    await queueWebhook(platform, tx, ctx, { url: e.url, event, data, endpointId: e.id });
  return endpoints.length;
}

export function registerWebhookJob(platform: Platform): void {
  platform.jobs.define<{ tenantId: string; id: string }>({
    name: WEBHOOK_JOB,
    retryLimit: RETRY_LIMIT,
    retryDelaySeconds: 30,
    concurrency: 4,
    handler: (payload, job) => deliverWebhook(platform, payload, job.retryCount ?? 0),
  });
}

/** One attempt at a delivery; throws (so the job is retried) while attempts remain. */
export async function deliverWebhook(
  platform: Platform,
  { tenantId, id }: { tenantId: string; id: string },
  retryCount: number,
): Promise<void> {
  const found = await withTenantTx(platform.db, tenantId, async (tx) => {
    const delivery = await tx
      .selectFrom('webhookDeliveries')
      .selectAll()
      .where('tenantId', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (delivery?.status !== 'queued') return null;
    return { delivery, secret: await webhookSecretOf(platform, tx, tenantId) };
  });
  if (!found) return;
  const { delivery, secret } = found;
  const timestamp = Math.floor(platform.clock.now().getTime() / 1000);
  let status: number | null = null;
  let error: string | null = null;
  try {
    const res = await postOutbound(delivery.url, {
      timeoutMs: TIMEOUT_MS,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Rollcall-Webhooks/1',
        [WEBHOOK_HEADERS.id]: delivery.id,
        [WEBHOOK_HEADERS.event]: delivery.event,
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [WEBHOOK_HEADERS.signature]: webhookSignature(secret, timestamp, delivery.body),
      },
      body: delivery.body,
    });
    status = res.status;
    if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
  } catch (e) {
    error = String((e as Error).message).slice(0, 500);
  }
  const last = retryCount >= RETRY_LIMIT;
  await withTenantTx(platform.db, tenantId, (tx) =>
    tx
      .updateTable('webhookDeliveries')
      .set({
        attempts: delivery.attempts + 1,
        lastStatus: status,
        lastError: error,
        ...(error === null
          ? { status: 'delivered', deliveredAt: platform.clock.now() }
          : last
            ? { status: 'failed' }
            : {}),
      })
      .where('tenantId', '=', tenantId)
      .where('id', '=', id)
      .execute(),
  );
  // thrown, the job is retried with backoff; after the last attempt the delivery stays failed
  if (error !== null && !last) throw new Error(`webhook ${id} to ${delivery.url}: ${error}`);
}
