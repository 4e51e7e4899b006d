import { createHmac, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Tx } from './db.ts';
import { seal, unseal } from './sealed.ts';
import { safeEqual } from './tokens.ts';

/**
 * Outgoing webhooks, signed so a receiver can tell they come from this tenant's Rollcall and were
 * not replayed: `X-Rollcall-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` with
 * the timestamp (Unix seconds) in `X-Rollcall-Timestamp`. Each tenant has its own secret, kept sealed
 * under the installation secret and shown to its administrators. `Idempotency-Key` stays the same
 * when a delivery is retried, so the receiver can do the work once.
 */
export const SIGNATURE_HEADER = 'x-rollcall-signature';
export const TIMESTAMP_HEADER = 'x-rollcall-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const PURPOSE = 'webhook-secret';

export function signWebhook(secret: string, timestamp: number, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/** What a receiver does (and the tests): recompute, compare in constant time, refuse stale calls. */
export function verifyWebhookSignature(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  rawBody: string,
  opts: { now?: number; toleranceSeconds?: number } = {},
): boolean {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(ts)) return false;
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? 300)) return false;
  return safeEqual(headers.signature, signWebhook(secret, ts, rawBody));
}

/** The tenant's signing secret, made on first use. */
export async function webhookSecretInTx(
  tx: Tx,
  installationSecret: string,
  tenantId: string,
): Promise<{ secret: string; createdAt: Date }> {
  const fresh = `whsec_${randomBytes(32).toString('base64url')}`;
  await sql`insert into webhook_secrets (tenant_id, secret_sealed, created_at)
            values (${tenantId}, ${seal(installationSecret, PURPOSE, fresh)}, now())
            on conflict (tenant_id) do nothing`.execute(tx);
  const row = await tx
    .selectFrom('webhookSecrets')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .executeTakeFirstOrThrow();
  return { secret: unseal(installationSecret, PURPOSE, row.secretSealed), createdAt: row.createdAt };
}

export async function rotateWebhookSecretInTx(
  tx: Tx,
  installationSecret: string,
  tenantId: string,
  at: Date,
) {
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  await sql`insert into webhook_secrets (tenant_id, secret_sealed, created_at)
            values (${tenantId}, ${seal(installationSecret, PURPOSE, secret)}, ${at})
            on conflict (tenant_id) do update set secret_sealed = excluded.secret_sealed, created_at = excluded.created_at`.execute(
    tx,
  );
  return { secret, createdAt: at };
}

export interface WebhookDelivery {
  url: string;
  body: unknown;
  secret: string;
  timeoutMs: number;
  idempotencyKey: string;
  now: Date;
}

export type WebhookResult =
  | { ok: true; status: number }
  | { ok: false; status: number | null; transient: boolean; error: string };

/**
 * One POST. A 2xx answer is success; 408, 429, 5xx, a timeout or a network error may pass and are
 * worth retrying; any other answer will not change by asking again.
 */
export async function deliverWebhook(d: WebhookDelivery): Promise<WebhookResult> {
  const raw = JSON.stringify(d.body);
  const timestamp = Math.floor(d.now.getTime() / 1000);
  try {
    const res = await fetch(d.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Rollcall-Webhooks/1',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(d.secret, timestamp, raw),
        [IDEMPOTENCY_HEADER]: d.idempotencyKey,
      },
      body: raw,
      redirect: 'manual',
      signal: AbortSignal.timeout(d.timeoutMs),
    });
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const transient = res.status === 408 || res.status === 429 || res.status >= 500;
    return {
      ok: false,
      status: res.status,
      transient,
      error: `The webhook answered ${res.status} ${res.statusText}`.trim(),
    };
  } catch (error) {
    const e = error as Error;
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
    return {
      ok: false,
      status: null,
      transient: true,
      error: timedOut
        ? `The webhook did not answer within ${Math.round(d.timeoutMs / 1000)} s`
        : `The webhook could not be reached: ${(e.cause as Error | undefined)?.message ?? e.message}`,
    };
  }
}
