import {
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import type { FlowAction, StepCondition, StepInput } from '../../api/flows.ts';

/**
 * One step's form: the action, its parameters (a form per action), when it runs, what happens if
 * it fails, and an optional condition.
 */
export const DEFAULT_PARAMS: Record<string, Record<string, unknown>> = {
  remove_groups: { scope: 'all_but_default' },
  remove_roles: { scope: 'all_but_base' },
  set_attribute: { attribute: 'custom.offboarded', value: 'yes' },
  send_email: {
    to: 'managers',
    subject: '{{fullName}} leaves on {{eventDate}}',
    body: 'Hello {{managerNames}},\n\n{{firstName}} leaves {{tenantName}} on {{eventDate}}.',
  },
  webhook: { url: 'https://', timeoutSeconds: 10 },
  transfer_ownerships: { recipient: { type: 'manager' } },
  remove: { recipient: { type: 'manager' } },
};

export function newStep(action: string, previous?: StepInput): StepInput {
  const when =
    previous && 'offsetDays' in previous.when ? { ...previous.when } : { offsetDays: 0, timeOfDay: '09:00' };
  return {
    action,
    params: structuredClone(DEFAULT_PARAMS[action] ?? {}),
    when,
    continueOnFailure: false,
    condition: null,
  };
}

type Params = Record<string, any>;

function RecipientFields({
  value,
  onChange,
  optional,
}: {
  value: Params | undefined;
  onChange: (v: Params | undefined) => void;
  optional?: boolean;
}) {
  const type = value?.type ?? 'none';
  return (
    <Stack gap="xs">
      <SegmentedControl
        value={type}
        onChange={(v) =>
          onChange(
            v === 'none'
              ? undefined
              : v === 'manager'
                ? { type: 'manager' }
                : { type: 'user', login: value?.login ?? '' },
          )
        }
        data={[
          ...(optional ? [{ value: 'none', label: 'Nobody' }] : []),
          { value: 'manager', label: 'Their manager' },
          { value: 'user', label: 'A named user' },
        ]}
      />
      {type === 'user' ? (
        <TextInput
          label="Recipient’s email or username"
          value={value?.login ?? ''}
          onChange={(e) => onChange({ type: 'user', login: e.currentTarget.value })}
        />
      ) : null}
    </Stack>
  );
}

function ParamsForm({
  action,
  params,
  onChange,
  groupNames,
  roleNames,
  variables,
}: {
  action: string;
  params: Params;
  onChange: (p: Params) => void;
  groupNames: string[];
  roleNames: string[];
  variables: string[];
}) {
  const set = (k: string, v: unknown) => {
    const next = { ...params };
    if (v === undefined) delete next[k];
    else next[k] = v;
    onChange(next);
  };
  switch (action) {
    case 'remove_groups':
      return (
        <Stack gap="xs">
          <SegmentedControl
            value={params.scope ?? 'all_but_default'}
            onChange={(v) =>
              onChange(v === 'listed' ? { scope: 'listed', groups: params.groups ?? [] } : { scope: v })
            }
            data={[
              { value: 'all_but_default', label: 'All groups but Default' },
              { value: 'listed', label: 'The groups listed' },
            ]}
          />
          {params.scope === 'listed' ? (
            <TagsInput
              label="Groups (by name)"
              data={groupNames}
              value={params.groups ?? []}
              onChange={(v) => set('groups', v)}
            />
          ) : null}
        </Stack>
      );
    case 'remove_roles':
      return (
        <Stack gap="xs">
          <SegmentedControl
            value={params.scope ?? 'all_but_base'}
            onChange={(v) =>
              onChange(v === 'listed' ? { scope: 'listed', roles: params.roles ?? [] } : { scope: v })
            }
            data={[
              { value: 'all_but_base', label: 'All but the base user role' },
              { value: 'listed', label: 'The roles listed' },
            ]}
          />
          {params.scope === 'listed' ? (
            <TagsInput
              label="Roles (by name)"
              data={roleNames}
              value={params.roles ?? []}
              onChange={(v) => set('roles', v)}
            />
          ) : null}
        </Stack>
      );
    case 'set_attribute': {
      const custom = String(params.attribute ?? '').startsWith('custom.');
      return (
        <Stack gap="xs">
          <Group grow>
            <Select
              label="Attribute"
              value={custom ? 'custom' : params.attribute}
              allowDeselect={false}
              onChange={(v) => set('attribute', v === 'custom' ? 'custom.offboarded' : v)}
              data={[
                { value: 'jobTitle', label: 'Job title' },
                { value: 'department', label: 'Department' },
                { value: 'employeeId', label: 'Employee id' },
                { value: 'locale', label: 'Locale' },
                { value: 'custom', label: 'Custom attribute…' },
              ]}
            />
            {custom ? (
              <TextInput
                label="Custom attribute key"
                value={String(params.attribute).slice(7)}
                onChange={(e) => set('attribute', `custom.${e.currentTarget.value}`)}
              />
            ) : null}
          </Group>
          <Checkbox
            label="Clear it"
            checked={params.value === null}
            onChange={(e) => set('value', e.currentTarget.checked ? null : '')}
          />
          {params.value !== null ? (
            <TextInput
              label="Value"
              value={params.value ?? ''}
              onChange={(e) => set('value', e.currentTarget.value)}
            />
          ) : null}
        </Stack>
      );
    }
    case 'send_email':
      return (
        <Stack gap="xs">
          <SegmentedControl
            value={params.to ?? 'managers'}
            onChange={(v) => set('to', v)}
            data={[
              { value: 'user', label: 'The user' },
              { value: 'managers', label: 'Their managers' },
              { value: 'address', label: 'An address' },
            ]}
          />
          {params.to === 'address' ? (
            <TextInput
              label="Address"
              name="email-address"
              value={params.address ?? ''}
              onChange={(e) => set('address', e.currentTarget.value)}
            />
          ) : null}
          <TextInput
            label="Subject"
            name="email-subject"
            value={params.subject ?? ''}
            onChange={(e) => set('subject', e.currentTarget.value)}
          />
          <Textarea
            label="Text"
            name="email-body"
            autosize
            minRows={4}
            value={params.body ?? ''}
            onChange={(e) => set('body', e.currentTarget.value)}
          />
          <Text size="xs" c="dimmed">
            Variables: {variables.map((v) => `{{${v}}}`).join(' ')}
          </Text>
        </Stack>
      );
    case 'webhook':
      return (
        <Stack gap="xs">
          <TextInput
            label="URL"
            name="webhook-url"
            value={params.url ?? ''}
            onChange={(e) => set('url', e.currentTarget.value)}
          />
          <NumberInput
            label="Timeout (seconds)"
            min={1}
            max={30}
            value={params.timeoutSeconds ?? 10}
            onChange={(v) => set('timeoutSeconds', Number(v) || 10)}
            w={200}
          />
          <Textarea
            label="Extra JSON sent as data (optional)"
            autosize
            minRows={2}
            defaultValue={params.payload ? JSON.stringify(params.payload, null, 2) : ''}
            onBlur={(e) => {
              const text = e.currentTarget.value.trim();
              if (!text) return set('payload', undefined);
              try {
                set('payload', JSON.parse(text));
              } catch {
                // the server explains what is wrong with it on save
              }
            }}
          />
          <Text size="xs" c="dimmed">
            Signed with the tenant’s webhook secret (Rollcall-Signature, HMAC-SHA256; the secret is under the
            tenant’s webhooks). A 2xx answer is success; timeouts and 5xx are retried with the same
            Rollcall-Webhook-Id.
          </Text>
        </Stack>
      );
    case 'transfer_ownerships':
      return <RecipientFields value={params.recipient} onChange={(r) => set('recipient', r)} />;
    case 'remove':
      return (
        <Stack gap={4}>
          <Text size="sm">Whatever the user owns goes to</Text>
          <RecipientFields value={params.recipient} onChange={(r) => set('recipient', r)} optional />
        </Stack>
      );
    default:
      return (
        <Text size="sm" c="dimmed">
          This action has no settings.
        </Text>
      );
  }
}

export function StepEditor({
  step,
  actions,
  onChange,
  groupNames,
  roleNames,
  variables,
  readOnly,
  paramsHidden = false,
}: {
  step: StepInput;
  actions: FlowAction[];
  onChange: (s: StepInput) => void;
  groupNames: string[];
  roleNames: string[];
  variables: string[];
  readOnly: boolean;
  /** The caller may not see step parameters (they are for those who manage templates). */
  paramsHidden?: boolean;
}) {
  const relative = 'offsetDays' in step.when;
  const action = actions.find((a) => a.type === step.action);
  const conditionValue = !step.condition
    ? 'none'
    : step.condition.type === 'event_date_unchanged'
      ? 'date'
      : 'status';
  return (
    <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0 }}>
      <Stack gap="md">
        <Group grow align="flex-start">
          <Select
            label="Action"
            name="step-action"
            data={actions.map((a) => ({ value: a.type, label: a.label }))}
            value={step.action}
            allowDeselect={false}
            onChange={(v) => v && onChange({ ...newStep(v), when: step.when, label: undefined })}
          />
          <TextInput
            label="Label (optional)"
            placeholder={action?.label}
            value={step.label ?? ''}
            onChange={(e) => onChange({ ...step, label: e.currentTarget.value || undefined })}
          />
        </Group>
        {action ? (
          <Text size="xs" c="dimmed" mt={-8}>
            {action.description}
          </Text>
        ) : null}
        {paramsHidden ? (
          <Text size="sm" c="dimmed" data-testid="params-hidden">
            The settings of this step (recipients, addresses, texts) are shown to those who manage flow
            templates.
          </Text>
        ) : (
          <ParamsForm
            action={step.action}
            params={step.params}
            onChange={(params) => onChange({ ...step, params })}
            groupNames={groupNames}
            roleNames={roleNames}
            variables={variables}
          />
        )}
        <Stack gap="xs">
          <Text size="sm" fw={600}>
            When
          </Text>
          <SegmentedControl
            value={relative ? 'relative' : 'exact'}
            onChange={(v) =>
              onChange({
                ...step,
                when:
                  v === 'relative'
                    ? { offsetDays: 0, timeOfDay: '09:00' }
                    : { at: `${new Date().toISOString().slice(0, 11)}09:00` },
              })
            }
            data={[
              { value: 'relative', label: 'Days from the event' },
              { value: 'exact', label: 'An exact date and time' },
            ]}
            style={{ alignSelf: 'flex-start' }}
          />
          {'offsetDays' in step.when ? (
            <Group align="flex-end">
              <NumberInput
                label="Day"
                description="0 = the event day; −7 = a week before"
                name="step-offset"
                min={-365}
                max={365}
                value={step.when.offsetDays}
                onChange={(v) =>
                  onChange({
                    ...step,
                    when: {
                      ...(step.when as { offsetDays: number; timeOfDay: string }),
                      offsetDays: Number(v) || 0,
                    },
                  })
                }
                w={260}
              />
              <TextInput
                label="Time of day"
                name="step-time"
                type="time"
                value={step.when.timeOfDay}
                onChange={(e) =>
                  onChange({
                    ...step,
                    when: {
                      ...(step.when as { offsetDays: number; timeOfDay: string }),
                      timeOfDay: e.currentTarget.value,
                    },
                  })
                }
                w={140}
              />
            </Group>
          ) : (
            <TextInput
              label="Date and time (in the run’s time zone)"
              type="datetime-local"
              value={step.when.at.slice(0, 16)}
              onChange={(e) => onChange({ ...step, when: { at: e.currentTarget.value } })}
              w={260}
            />
          )}
        </Stack>
        <Group align="flex-end" gap="lg">
          <Select
            label="Only if…"
            w={300}
            value={conditionValue}
            allowDeselect={false}
            onChange={(v) =>
              onChange({
                ...step,
                condition:
                  v === 'none'
                    ? null
                    : v === 'date'
                      ? { type: 'event_date_unchanged' }
                      : ({ type: 'user_status', statuses: ['suspended'] } as StepCondition),
              })
            }
            data={[
              { value: 'none', label: 'Always' },
              { value: 'status', label: 'The user’s status is still…' },
              { value: 'date', label: 'The event date is unchanged' },
            ]}
          />
          {step.condition?.type === 'user_status' ? (
            <MultiSelect
              label="Statuses"
              w={280}
              value={step.condition.statuses}
              onChange={(statuses) => onChange({ ...step, condition: { type: 'user_status', statuses } })}
              data={['active', 'suspended', 'archived', 'pending']}
            />
          ) : null}
        </Group>
        <Checkbox
          label="If this step fails, go on with the next ones"
          checked={step.continueOnFailure}
          onChange={(e) => onChange({ ...step, continueOnFailure: e.currentTarget.checked })}
        />
      </Stack>
    </fieldset>
  );
}
