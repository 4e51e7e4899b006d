import { Type } from 'typebox';
import { updateUserInTx } from '../../users/users.service.ts';
import { defineAction } from '../action.ts';
import { fullName } from '../action-helpers.ts';

/**
 * Sets or clears one attribute: a profile field (job title, department, employee id, locale) or a
 * custom attribute (`custom.<key>`). Dates that start flows (leave and hire date) are not settable
 * here, so a run can never reschedule itself. Attributes a directory masters stay the directory's.
 */
const PROFILE_FIELDS = ['jobTitle', 'department', 'employeeId', 'locale'] as const;
const Params = Type.Object(
  {
    attribute: Type.String({
      pattern: '^(jobTitle|department|employeeId|locale|custom\\.[A-Za-z][A-Za-z0-9_]{0,63})$',
      description: 'jobTitle, department, employeeId, locale, or custom.<key>',
    }),
    value: Type.Union([Type.String({ maxLength: 500 }), Type.Null()], { description: 'null clears it' }),
  },
  { additionalProperties: false },
);

const labelOf = (attribute: string) =>
  attribute.startsWith('custom.')
    ? `“${attribute.slice(7)}”`
    : (
        {
          jobTitle: 'job title',
          department: 'department',
          employeeId: 'employee id',
          locale: 'locale',
        } as Record<string, string>
      )[attribute];

export default defineAction({
  type: 'set_attribute',
  label: 'Set or clear an attribute',
  description: 'Sets a profile field or custom attribute to a value, or clears it.',
  permission: 'users.update',
  order: 80,
  params: Params,
  check(params) {
    return params.attribute === 'locale' &&
      params.value !== null &&
      !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(params.value)
      ? [{ field: 'value', message: 'is not a locale such as en or de-CH' }]
      : [];
  },
  async describe(ctx, params) {
    return params.value === null
      ? `Clear ${fullName(ctx.user)}’s ${labelOf(params.attribute)}`
      : `Set ${fullName(ctx.user)}’s ${labelOf(params.attribute)} to “${params.value}”`;
  },
  async execute(ctx, params) {
    if (ctx.user.status === 'removed') return { summary: 'User already removed', changed: false };
    const body: Record<string, unknown> = {};
    if (params.attribute.startsWith('custom.')) {
      const key = params.attribute.slice(7);
      const attributes = { ...(ctx.user.customAttributes as Record<string, unknown>) };
      if (params.value === null) delete attributes[key];
      else attributes[key] = params.value;
      body.customAttributes = attributes;
    } else {
      body[params.attribute as (typeof PROFILE_FIELDS)[number]] = params.value;
    }
    const { changed } = await updateUserInTx(ctx.tx, ctx.caller, ctx.user.id, body);
    const what = labelOf(params.attribute);
    return {
      summary: changed
        ? params.value === null
          ? `Cleared the ${what}`
          : `Set the ${what} to “${params.value}”`
        : 'Already so',
      changed,
    };
  },
});
