import { Type } from 'typebox';
import { recordAudit } from '../../../platform/audit.ts';
import { AppError } from '../../../platform/errors.ts';
import { auditableUrl, literalAddressRefused } from '../../../platform/outbound.ts';
import { webhookSecretOf } from '../../../platform/webhooks.ts';
import { defineAction } from '../action.ts';
import { fullName } from '../action-helpers.ts';
import { TransientStepError } from '../flows.errors.ts';
import { callWebhook } from '../webhook-call.ts';

/**
 * POSTs the step as JSON to a URL, signed with the tenant's webhook secret (HMAC-SHA256). A 2xx
 * answer is success; a timeout, 408, 429 or 5xx is retried with backoff under the same
 * `Idempotency-Key`, so a receiver that keys on it does the work once even when Rollcall restarts
 * between the call and recording its answer.
 */
const Params = Type.Object(
  {
    url: Type.String({
      format: 'uri',
      pattern: '^https?://',
      maxLength: 2000,
      description: 'https:// or http://',
    }),
    payload: Type.Optional(
      Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), {
        maxProperties: 50,
        description: 'extra JSON sent as `data`',
      }),
    ),
    timeoutSeconds: Type.Integer({ minimum: 1, maximum: 30, default: 10 }),
  },
  { additionalProperties: false },
);

export default defineAction({
  type: 'webhook',
  label: 'Call a webhook',
  description: 'POSTs a signed JSON description of the step to a URL; any 2xx answer is success.',
  permission: 'users.read',
  keepsUser: true,
  remote: true,
  order: 100,
  params: Params,
  check(params) {
    // an address it would refuse to call anyway is refused when the step is saved, with a reason
    const refused = literalAddressRefused(params.url);
    return refused
      ? [
          {
            field: 'url',
            message: `${refused} is a private or reserved address Rollcall does not call`,
            code: 'url_not_allowed',
          },
        ]
      : [];
  },
  async describe(ctx, params) {
    return `POST ${fullName(ctx.user)}’s details, signed, to ${new URL(params.url).host}`;
  },
  async execute(ctx, params) {
    const secret = await webhookSecretOf(ctx.platform, ctx.tx, ctx.tenant.id);
    const u = ctx.user;
    const now = ctx.caller.ctx.clock.now();
    const body = {
      type: 'flow.step',
      id: ctx.idempotencyKey,
      occurredAt: now.toISOString(),
      attempt: ctx.attempt,
      tenant: { id: ctx.tenant.id, name: ctx.tenant.name },
      run: {
        id: ctx.run.id,
        template: ctx.run.templateName,
        event: ctx.run.event,
        eventDate: ctx.run.eventDate,
      },
      step: { position: ctx.position, dueAt: ctx.dueAt.toISOString() },
      user: {
        id: u.id,
        firstName: u.firstName,
        lastName: u.lastName,
        email: u.email,
        username: u.username,
        employeeId: u.employeeId,
        status: u.status,
      },
      data: params.payload ?? {},
    };
    const result = await callWebhook({
      url: params.url,
      event: 'flow.step',
      body,
      secret,
      timeoutMs: (params.timeoutSeconds ?? 10) * 1000,
      idempotencyKey: ctx.idempotencyKey,
      now,
    });
    if (!result.ok) {
      if (result.transient) throw new TransientStepError('flow_step.webhook_unavailable', result.error);
      throw new AppError('conflict', 'flow_step.webhook_refused', result.error, {
        details: { status: result.status },
      });
    }
    await recordAudit(ctx.tx, ctx.caller.ctx, {
      action: 'flow.webhook_called',
      target: { type: 'user', id: u.id, label: fullName(u) },
      after: { url: auditableUrl(params.url), status: result.status, idempotencyKey: ctx.idempotencyKey },
    });
    return {
      summary: `${new URL(params.url).host} answered ${result.status}`,
      changed: true,
      details: { status: result.status },
    };
  },
});
