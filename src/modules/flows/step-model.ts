import { createHash } from 'node:crypto';
import { canonicalJson } from '../../platform/audit.ts';
import type { FieldError } from '../../platform/errors.ts';
import type { UserRow } from '../users/users.repository.ts';
import { findAction, validateParams } from './action-registry.ts';
import { FlowErrors } from './flows.errors.ts';
import type { StepCondition, StepInput, StepWhen } from './flows.schemas.ts';
import { addDays, instantOf, parseDate, parseExact, parseTimeOfDay } from './zoned-time.ts';

/**
 * The step model (rule 20): what a template's steps are, how they are checked, and when each one
 * falls for a given event date and time zone.
 */
export interface TemplateStep {
  action: string;
  label: string;
  params: Record<string, unknown>;
  when: StepWhen;
  continueOnFailure: boolean;
  condition: StepCondition | null;
}

export interface TemplateContent {
  name: string;
  description: string;
  event: string;
  timeZoneSource: 'tenant' | 'user';
  steps: TemplateStep[];
}

export const isRelative = (w: StepWhen): w is { offsetDays: number; timeOfDay: string } => 'offsetDays' in w;

/** "-7 d 09:00", "0 d 17:00", "+30 d 09:00", or the exact time as written. */
export function whenLabel(w: StepWhen): string {
  if (!isRelative(w)) return w.at.replace('T', ' ');
  const sign = w.offsetDays > 0 ? '+' : w.offsetDays < 0 ? '-' : '';
  return `${sign}${Math.abs(w.offsetDays)} d ${w.timeOfDay}`;
}

/**
 * Checks every step (a known action, valid parameters, relative times in order) and returns them
 * normalised: defaults filled in, a label for each. Field errors point into the request body.
 */
export function normaliseSteps(steps: StepInput[]): TemplateStep[] {
  const errors: FieldError[] = [];
  const out: TemplateStep[] = [];
  steps.forEach((s, i) => {
    const action = findAction(s.action);
    if (!action) throw FlowErrors.unknownAction(s.action, i + 1);
    const params = structuredClone(s.params ?? {});
    errors.push(...validateParams(s.action, params, `body/steps/${i}/params`));
    if (!isRelative(s.when) && !parseExact(s.when.at, 'UTC')) throw FlowErrors.invalidExactTime(i + 1);
    out.push({
      action: s.action,
      label: s.label?.trim() || action.label,
      params,
      when: s.when,
      continueOnFailure: s.continueOnFailure ?? false,
      condition: s.condition ?? null,
    });
  });
  if (errors.length > 0) throw FlowErrors.invalidSteps(errors);
  // relative steps keep their order in time: a later step timed earlier is almost surely a mistake
  let previous: { offsetDays: number; timeOfDay: string } | null = null;
  out.forEach((s, i) => {
    if (!isRelative(s.when)) return;
    if (
      previous &&
      (s.when.offsetDays < previous.offsetDays ||
        (s.when.offsetDays === previous.offsetDays && s.when.timeOfDay < previous.timeOfDay))
    )
      throw FlowErrors.outOfOrder(i + 1);
    previous = s.when;
  });
  return out;
}

export function contentHash(c: TemplateContent): string {
  return createHash('sha256').update(canonicalJson(c)).digest('hex');
}

/** The instant a step falls on for an event date, read in the run's time zone. */
export function dueAt(when: StepWhen, eventDate: string, timeZone: string): Date {
  if (!isRelative(when)) return parseExact(when.at, timeZone)!;
  const date = addDays(parseDate(eventDate)!, when.offsetDays);
  return instantOf(date, parseTimeOfDay(when.timeOfDay)!, timeZone);
}

/** The user's date the event hangs on: leave date, hire date, or a date-valued custom attribute. */
export function eventDateOf(
  event: string,
  user: Pick<UserRow, 'leaveDate' | 'hireDate' | 'customAttributes'>,
): string | null {
  if (event === 'offboarding') return user.leaveDate;
  if (event === 'onboarding') return user.hireDate;
  const key = event.slice('attribute:'.length);
  const value = (user.customAttributes as Record<string, unknown> | null)?.[key];
  return typeof value === 'string' && parseDate(value) ? value : null;
}

export function describeCondition(c: StepCondition | null, event: string): string | null {
  if (!c) return null;
  if (c.type === 'user_status') return `only if the user is still ${c.statuses.join(' or ')}`;
  const field =
    event === 'offboarding' ? 'leave date' : event === 'onboarding' ? 'hire date' : event.slice(10);
  return `only if the ${field} is still the run’s date`;
}

/** Whether a step's condition holds for the user as they are now; the reason when it does not. */
export function conditionHolds(
  c: StepCondition | null,
  user: UserRow,
  run: { event: string; eventDate: string },
): { holds: true } | { holds: false; reason: string } {
  if (!c) return { holds: true };
  if (c.type === 'user_status') {
    return c.statuses.includes(user.status as never)
      ? { holds: true }
      : { holds: false, reason: `the user is ${user.status}, not ${c.statuses.join(' or ')}` };
  }
  const current = eventDateOf(run.event, user);
  return current === run.eventDate
    ? { holds: true }
    : { holds: false, reason: `the date is now ${current ?? 'not set'}, not ${run.eventDate}` };
}
