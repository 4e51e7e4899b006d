import { AppError, type FieldError } from '../../platform/errors.ts';

export const FlowErrors = {
  templateNotFound: () =>
    new AppError('not_found', 'flow_template.not_found', 'No such flow template in this tenant.'),
  invalidSteps: (errors: FieldError[]) =>
    new AppError('invalid', 'flow_template.invalid_step', 'Some steps of the template are not valid.', {
      errors,
    }),
  unknownAction: (type: string, position: number) =>
    new AppError(
      'invalid',
      'flow_template.unknown_action',
      `Step ${position}: there is no action “${type}”.`,
      {
        errors: [{ field: `body/steps/${position - 1}/action`, message: 'is not a known action' }],
      },
    ),
  outOfOrder: (position: number) =>
    new AppError(
      'invalid',
      'flow_template.step_out_of_order',
      `Step ${position} is timed before the step above it; steps run in order, so put it earlier or give it a later time.`,
      { errors: [{ field: `body/steps/${position - 1}/when`, message: 'is before the previous step' }] },
    ),
  ceiling: (permissions: string[]) =>
    new AppError(
      'forbidden',
      'flow_template.ceiling',
      `The template uses actions you may not do yourself (${permissions.join(', ')}); a template cannot do more than its author.`,
      { details: { missing: permissions } },
    ),
  archived: () =>
    new AppError(
      'conflict',
      'flow_template.archived',
      'This template is archived; it can no longer be used.',
    ),
  notACopy: () =>
    new AppError('conflict', 'flow_template.not_a_copy', 'This template was not published from a provider.'),
  publishFromProvider: () =>
    new AppError(
      'forbidden',
      'flow_template.provider_only',
      'Only templates of a provider tenant can be published to customers.',
    ),
  copyOnly: () =>
    new AppError(
      'conflict',
      'flow_template.is_copy',
      'A published copy cannot be published further; publish from the provider’s template.',
    ),
  unknownTargets: (ids: string[]) =>
    new AppError('invalid', 'flow_template.unknown_tenants', 'Some tenants named are not your customers.', {
      details: { tenantIds: ids },
    }),
  noTargets: () =>
    new AppError('invalid', 'flow_template.no_targets', 'Name the customer tenants, or choose all of them.', {
      errors: [{ field: 'body/tenantIds', message: 'name at least one tenant, or set allCustomers' }],
    }),
  runNotFound: () => new AppError('not_found', 'flow_run.not_found', 'No such flow run in this tenant.'),
  alreadyActive: (runId: string, event: string) =>
    new AppError(
      'conflict',
      'flow_run.already_active',
      `This user already has an active ${event} run; cancel it or reschedule it instead.`,
      { details: { runId } },
    ),
  userNotEligible: (status: string) =>
    new AppError('conflict', 'flow_run.user_not_eligible', `A ${status} user cannot be put through a flow.`, {
      details: { status },
    }),
  /** Rule 14: `what` names what the run would do to its initiator ("offboard", "suspend", …). */
  selfRun: (what: string[]) =>
    new AppError(
      'forbidden',
      'flow_run.self',
      `You cannot put yourself through this flow (it would ${what.join(', ')} you); another administrator must do it.`,
      { details: { actions: what } },
    ),
  pastSteps: (
    steps: Array<{ position: number; label: string; dueAt: string }>,
    graceHours: number,
    how: string,
  ) =>
    new AppError(
      'conflict',
      'flow_run.past_steps',
      `${steps.length === 1 ? '1 step would' : `${steps.length} steps would`} run at once although ${steps.length === 1 ? 'its time is' : 'their times are'} more than ${graceHours} hours in the past (${steps
        .slice(0, 3)
        .map((s) => `step ${s.position} “${s.label}” was due ${s.dueAt.slice(0, 16).replace('T', ' ')} UTC`)
        .join('; ')}${steps.length > 3 ? '; …' : ''}). Check the date; ${how}`,
      { details: { steps, graceHours } },
    ),
  invalidEventDate: (value: string) =>
    new AppError(
      'invalid',
      'flow_run.invalid_event_date',
      `"${value}" is not a calendar date (YYYY-MM-DD).`,
      {
        errors: [{ field: 'body/eventDate', message: 'is not a real date' }],
      },
    ),
  notActive: (status: string) =>
    new AppError('conflict', 'flow_run.not_active', `The run is ${status}; only an active run can change.`, {
      details: { status },
    }),
  notRetryable: (status: string) =>
    new AppError(
      'conflict',
      'flow_run.not_retryable',
      `The run is ${status}; only a failed run can be retried.`,
      {
        details: { status },
      },
    ),
  eventMismatch: (name: string, actual: string, wanted: string) =>
    new AppError(
      'invalid',
      'flow_settings.event_mismatch',
      `“${name}” is a ${actual} template, not ${wanted}.`,
      {
        errors: [{ field: `body/autoStart/${wanted}`, message: `is not a ${wanted} template` }],
      },
    ),
  invalidExactTime: (position: number) =>
    new AppError(
      'invalid',
      'flow_template.invalid_step',
      `Step ${position}: the exact time is not a valid date-time.`,
      {
        errors: [{ field: `body/steps/${position - 1}/when/at`, message: 'is not a valid date-time' }],
      },
    ),
};

/** An action's failure that may pass (a webhook answering 503, a timeout): retried with backoff. */
export class TransientStepError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'TransientStepError';
    this.code = code;
  }
}
