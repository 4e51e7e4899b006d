import { createHmac, randomBytes } from 'node:crypto';
import type { Tx } from './db.ts';
import type { Platform } from './platform.ts';
import { seal, unseal } from './sealed.ts';
import { safeEqual } from './tokens.ts';

/**
 * Signed webhooks. Signature: `Rollcall-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw
 * body>")>` with the tenant's secret and `Rollcall-Timestamp` (Unix seconds). The timestamp is inside
 * the signed text, so a captured call cannot be replayed later with a new timestamp; receivers verify
 * over the raw bytes and refuse timestamps too far from their clock. `Rollcall-Webhook-Id` stays the
 * same across retries of one delivery, for de-duplication. Each tenant has its own secret, sealed
 * under the installation secret.
 */
export const WEBHOOK_HEADERS = {
  id: 'rollcall-webhook-id',
  event: 'rollcall-event',
  timestamp: 'rollcall-timestamp',
  signature: 'rollcall-signature',
} as const;
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
