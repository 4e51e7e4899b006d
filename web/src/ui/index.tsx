import { Alert, Avatar, Badge, Group, Stack, Text, Title, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconCheck, IconClock } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { ApiError } from '../api/client.ts';
import type { UserStatus } from '../api/types.ts';

const STATUS: Record<UserStatus, { color: string; label: string }> = {
  active: { color: 'teal', label: 'Active' },
  pending: { color: 'yellow', label: 'Pending' },
  suspended: { color: 'orange', label: 'Suspended' },
  archived: { color: 'gray', label: 'Archived' },
  removed: { color: 'red', label: 'Removed' },
};

export function StatusBadge({ status }: { status: UserStatus }) {
  const s = STATUS[status];
  return (
    <Badge
      color={s.color}
      variant="light"
      radius="sm"
      leftSection={status === 'pending' ? <IconClock size={12} /> : undefined}
    >
      {s.label}
    </Badge>
  );
}

export function UserAvatar({
  url,
  initials,
  size = 'sm',
}: {
  url?: string;
  initials: string;
  size?: string | number;
}) {
  return (
    <Avatar src={url} size={size} radius="xl" color="indigo" alt={initials}>
      {initials}
    </Avatar>
  );
}

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    // the title keeps a readable width; when the actions do not fit beside it they move below it
    <Group justify="space-between" align="flex-end" mb="lg" gap="sm" wrap="wrap">
      <Stack gap={2} style={{ flex: '1 1 22rem', minWidth: 0 }}>
        <Title order={2} fw={650}>
          {title}
        </Title>
        {description ? (
          <Text c="dimmed" size="sm">
            {description}
          </Text>
        ) : null}
      </Stack>
      {actions ? (
        <Group gap="sm" wrap="wrap">
          {actions}
        </Group>
      ) : null}
    </Group>
  );
}

/** `body/phoneNumbers/0/number` → "Phone numbers 1 › number": the field as the form calls it. */
export function fieldLabel(path: string): string {
  const parts = path
    .replace(/^(body|querystring|params)\/?/, '')
    .split('/')
    .filter(Boolean);
  const words = parts.map((p) =>
    /^\d+$/.test(p)
      ? String(Number(p) + 1)
      : p
          .replace(/([a-z])([A-Z])/g, '$1 $2')
          .replace(/^./, (c) => c.toUpperCase())
          .replace(/ ([A-Z])(?=[a-z])/g, (m) => m.toLowerCase()),
  );
  return words.join(' › ') || 'The request';
}

export function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  const problem = error instanceof ApiError ? error.problem : null;
  // a request the form sent wrongly: name each field and what it needs; a refusal: its own sentence,
  // which already says what the field list would repeat
  const fields = problem?.code === 'request.invalid' ? (problem.errors ?? []) : [];
  const message =
    fields.length > 0 ? 'Please check:' : error instanceof ApiError ? error.message : 'Something went wrong.';
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} data-testid="error-alert">
      {message}
      {fields.length ? (
        <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
          {fields.map((f) => (
            <li key={f.field + f.message}>
              <Text size="sm" span>
                <b>{fieldLabel(f.field)}</b> {f.message}
              </Text>
            </li>
          ))}
        </ul>
      ) : null}
    </Alert>
  );
}

/**
 * The server's word on a form's own fields, to show under each field (`body/events/0` belongs to
 * `events`). A refusal about one field (not a malformed request) says it best in its own sentence.
 * `unplaced` is the error when no field of the form can show it, for an ErrorAlert.
 */
export function fieldErrorsOf(
  error: unknown,
  fields: readonly string[],
): { byField: Partial<Record<string, string>>; unplaced: unknown } {
  const problem = error instanceof ApiError ? error.problem : null;
  const byField: Partial<Record<string, string>> = {};
  const errors = problem?.errors ?? [];
  for (const f of errors) {
    const name = f.field.replace(/^body\/?/, '').split('/')[0] ?? '';
    if (!fields.includes(name) || byField[name]) continue;
    byField[name] =
      problem?.code !== 'request.invalid' && errors.length === 1
        ? problem!.detail
        : f.message.replace(/^./, (c) => c.toUpperCase());
  }
  return { byField, unplaced: Object.keys(byField).length > 0 ? null : error };
}

export function notifyDone(message: string) {
  notifications.show({ message, color: 'teal', icon: <IconCheck size={16} />, autoClose: 3000 });
}

export function notifyError(error: unknown) {
  notifications.show({
    title: 'Not done',
    message: error instanceof ApiError ? error.message : 'Something went wrong.',
    color: 'red',
    autoClose: 6000,
  });
}

export function Hint({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Tooltip label={label} multiline w={260} withArrow>
      <span>{children}</span>
    </Tooltip>
  );
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
}
