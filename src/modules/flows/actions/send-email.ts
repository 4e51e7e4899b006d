import { Type } from 'typebox';
import { recordAudit } from '../../../platform/audit.ts';
import { queueMail } from '../../../platform/mail.ts';
import { flowStepEmail } from '../../notifications/templates.ts';
import * as usersRepo from '../../users/users.repository.ts';
import { type DescribeContext, defineAction } from '../action.ts';
import { fullName, listNames } from '../action-helpers.ts';
import { describeInZone } from '../zoned-time.ts';

/**
 * An email written in the template, with variables, to the user, their managers or an address. It
 * goes through the outbox in the step's transaction, so it is queued exactly once with the step;
 * delivery is the outbox's (retried, never to a suspended or archived user: rule 3).
 */
export const EMAIL_VARIABLES = [
  'firstName',
  'lastName',
  'fullName',
  'email',
  'username',
  'jobTitle',
  'department',
  'leaveDate',
  'hireDate',
  'eventDate',
  'stepDate',
  'tenantName',
  'managerNames',
] as const;

const Params = Type.Object(
  {
    to: Type.Union([Type.Literal('user'), Type.Literal('managers'), Type.Literal('address')]),
    address: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    subject: Type.String({ minLength: 1, maxLength: 200 }),
    body: Type.String({ minLength: 1, maxLength: 10_000 }),
  },
  { additionalProperties: false },
);

const VARIABLE = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

function unknownVariables(text: string): string[] {
  return [...text.matchAll(VARIABLE)]
    .map((m) => m[1]!)
    .filter((v) => !(EMAIL_VARIABLES as readonly string[]).includes(v));
}

async function variables(ctx: DescribeContext): Promise<Record<string, string>> {
  const u = ctx.user;
  const managers = await usersRepo.managersOf(ctx.tx, u.tenantId, u.id);
  return {
    firstName: u.firstName,
    lastName: u.lastName,
    fullName: fullName(u),
    email: u.email ?? '',
    username: u.username ?? '',
    jobTitle: u.jobTitle ?? '',
    department: u.department ?? '',
    leaveDate: u.leaveDate ?? '',
    hireDate: u.hireDate ?? '',
    eventDate: ctx.eventDate,
    stepDate: describeInZone(ctx.dueAt, ctx.timeZone).local.slice(0, 10),
    tenantName: ctx.tenant.name,
    managerNames: listNames(managers.map(fullName)),
  };
}

const fill = (text: string, vars: Record<string, string>) =>
  text.replace(VARIABLE, (_, name: string) => vars[name] ?? '');

async function recipients(ctx: DescribeContext, params: { to: string; address?: string }) {
  if (params.to === 'address')
    return [{ address: params.address!, userId: undefined, name: params.address! }];
  if (params.to === 'user')
    return ctx.user.email ? [{ address: ctx.user.email, userId: ctx.user.id, name: fullName(ctx.user) }] : [];
  const managers = await usersRepo.managersOf(ctx.tx, ctx.user.tenantId, ctx.user.id);
  return managers
    .filter((m) => m.email && m.status === 'active')
    .map((m) => ({ address: m.email!, userId: m.id, name: fullName(m) }));
}

export default defineAction({
  type: 'send_email',
  label: 'Send an email',
  description: 'Emails the user, their managers or an address, from a subject and text with {{variables}}.',
  permission: 'users.read',
  keepsUser: true,
  order: 90,
  params: Params,
  check(params) {
    const errors = [];
    if (params.to === 'address' && !params.address)
      errors.push({ field: 'address', message: 'is required when sending to an address' });
    for (const [field, text] of [
      ['subject', params.subject],
      ['body', params.body],
    ] as const) {
      const unknown = unknownVariables(text);
      if (unknown.length > 0)
        errors.push({
          field,
          message: `unknown variable ${unknown.map((v) => `{{${v}}}`).join(', ')}; known: ${EMAIL_VARIABLES.join(', ')}`,
        });
    }
    return errors;
  },
  async describe(ctx, params) {
    const to = await recipients(ctx, params);
    const subject = fill(params.subject, await variables(ctx));
    if (to.length === 0)
      return `Email “${subject}”: nobody to send it to now (${params.to === 'user' ? 'no email address' : 'no manager with an email address'})`;
    return `Email “${subject}” to ${listNames(to.map((r) => r.name))}`;
  },
  async execute(ctx, params) {
    const to = await recipients(ctx, params);
    if (to.length === 0) return { summary: 'Nobody to email', changed: false };
    const vars = await variables(ctx);
    const rendered = flowStepEmail({
      tenantName: ctx.tenant.name,
      subject: fill(params.subject, vars),
      body: fill(params.body, vars),
    });
    const queued = [];
    for (const r of to) {
      const mail = await queueMail(ctx.platform, ctx.tx, ctx.caller.ctx, {
        to: r.address,
        toUserId: r.userId,
        kind: 'flow_step',
        ...rendered,
      });
      queued.push({ to: r.address, outboxId: mail.id, status: mail.status });
    }
    await recordAudit(ctx.tx, ctx.caller.ctx, {
      action: 'flow.email_queued',
      target: { type: 'user', id: ctx.user.id, label: fullName(ctx.user) },
      after: { subject: rendered.subject, recipients: queued },
    });
    const sent = queued.filter((q) => q.status === 'queued').length;
    return {
      summary: `Emailed “${rendered.subject}” to ${listNames(to.map((r) => r.name))}${sent < queued.length ? ` (${queued.length - sent} suppressed: not reachable by email)` : ''}`,
      changed: true,
      details: { recipients: queued },
    };
  },
});
