import { OutboundRefused, postOutbound } from '../../platform/outbound.ts';
import { WEBHOOK_HEADERS, webhookSignature } from '../../platform/webhooks.ts';

/**
 * A flow step's webhook is one POST made while the step's transaction is open, because the step's
 * outcome is the answer: a 2xx is success; 408, 429, 5xx, a timeout or a network error may pass and
 * are retried with backoff; any other answer will not change by asking again. The idempotency key
 * (also sent as `Rollcall-Webhook-Id`) stays the same across retries and restarts.
 */
export interface WebhookCall {
  url: string;
  event: string;
  body: unknown;
  secret: string;
  timeoutMs: number;
  idempotencyKey: string;
  now: Date;
}

export type WebhookAnswer =
  | { ok: true; status: number }
  | { ok: false; status: number | null; transient: boolean; error: string };

export async function callWebhook(c: WebhookCall): Promise<WebhookAnswer> {
  const raw = JSON.stringify(c.body);
  const timestamp = Math.floor(c.now.getTime() / 1000);
  try {
    const res = await postOutbound(c.url, {
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Rollcall-Webhooks/1',
        [WEBHOOK_HEADERS.id]: c.idempotencyKey,
        [WEBHOOK_HEADERS.event]: c.event,
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [WEBHOOK_HEADERS.signature]: webhookSignature(c.secret, timestamp, raw),
        'idempotency-key': c.idempotencyKey,
      },
      body: raw,
      timeoutMs: c.timeoutMs,
    });
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    const transient = res.status === 408 || res.status === 429 || res.status >= 500;
    return {
      ok: false,
      status: res.status,
      transient,
      error: `The webhook answered ${res.status} ${res.statusText}`.trim(),
    };
  } catch (error) {
    if (error instanceof OutboundRefused)
      return {
        ok: false,
        status: null,
        transient: false,
        error: `The webhook was not called: ${error.message}`,
      };
    const e = error as Error;
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
    return {
      ok: false,
      status: null,
      transient: true,
      error: timedOut
        ? `The webhook did not answer within ${Math.round(c.timeoutMs / 1000)} s`
        : `The webhook could not be reached: ${(e.cause as Error | undefined)?.message ?? e.message}`,
    };
  }
}
