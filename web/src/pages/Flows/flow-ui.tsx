import { Badge, Group, Stack, Text, ThemeIcon, Timeline, Tooltip } from '@mantine/core';
import {
  IconAlertTriangle,
  IconBan,
  IconCheck,
  IconClock,
  IconPlayerSkipForward,
  IconPlugConnected,
  IconX,
} from '@tabler/icons-react';
import type { RunStatus, RunStep, TimelineItem } from '../../api/flows.ts';
import { formatDateTime } from '../../ui/index.tsx';

/** Pieces the flow pages share: status badges and the vertical timeline of steps. */
const RUN_STATUS: Record<RunStatus, { color: string; label: string }> = {
  scheduled: { color: 'blue', label: 'Scheduled' },
  running: { color: 'indigo', label: 'Running' },
  completed: { color: 'teal', label: 'Completed' },
  failed: { color: 'red', label: 'Failed' },
  cancelled: { color: 'gray', label: 'Cancelled' },
};

export function RunStatusBadge({ status }: { status: RunStatus }) {
  const s = RUN_STATUS[status];
  return (
    <Badge color={s.color} variant="light" radius="sm" data-testid="run-status">
      {s.label}
    </Badge>
  );
}

const STEP_STATUS: Record<RunStep['status'], { color: string; label: string; icon: typeof IconCheck }> = {
  pending: { color: 'gray', label: 'Waiting', icon: IconClock },
  done: { color: 'teal', label: 'Done', icon: IconCheck },
  failed: { color: 'red', label: 'Failed', icon: IconX },
  skipped: { color: 'yellow', label: 'Skipped', icon: IconPlayerSkipForward },
  cancelled: { color: 'gray', label: 'Cancelled', icon: IconBan },
};

export function StepStatusBadge({ status }: { status: RunStep['status'] }) {
  const s = STEP_STATUS[status];
  return (
    <Badge color={s.color} variant="light" radius="sm" leftSection={<s.icon size={12} />}>
      {s.label}
    </Badge>
  );
}

export function WhenBadge({ label }: { label: string }) {
  return (
    <Badge variant="outline" color="dark" radius="sm" tt="none" ff="monospace" fw={600}>
      {label}
    </Badge>
  );
}

/** The preview: each step at its instant in the run's zone (and UTC), and what it will do. */
export function PreviewTimeline({ items, timeZone }: { items: TimelineItem[]; timeZone: string }) {
  return (
    <Timeline bulletSize={26} lineWidth={2} data-testid="preview-timeline">
      {items.map((s) => (
        <Timeline.Item
          key={s.position}
          bullet={
            <ThemeIcon
              size={26}
              radius="xl"
              variant="light"
              color={s.overdue || s.refusal ? 'red' : s.inPast ? 'orange' : 'indigo'}
            >
              <Text size="xs" fw={700}>
                {s.position}
              </Text>
            </ThemeIcon>
          }
          title={
            <Group gap="xs" wrap="nowrap">
              <WhenBadge label={s.whenLabel} />
              <Text fw={600} size="sm">
                {s.label}
              </Text>
            </Group>
          }
        >
          <Stack gap={2} mt={4}>
            <Text size="sm">{s.description}</Text>
            <Text size="xs" c="dimmed">
              {s.dueLocal}{' '}
              {timeZone === 'UTC'
                ? 'UTC'
                : `(${timeZone}, UTC${s.utcOffset}) · ${s.dueAt.slice(0, 16).replace('T', ' ')} UTC`}
            </Text>
            {s.refusal ? (
              <Text size="xs" c="red.8" fw={500} data-testid="step-refusal">
                {s.refusal}
              </Text>
            ) : null}
            {s.overdue ? (
              <Text size="xs" c="red.8" fw={500}>
                More than a day late: it would run at once.
              </Text>
            ) : s.inPast ? (
              <Text size="xs" c="orange.8">
                Its time has passed: it runs as soon as the step before it is done.
              </Text>
            ) : null}
            {s.afterPrevious ? (
              <Text size="xs" c="orange.8">
                Timed before the step above it: it runs right after that one.
              </Text>
            ) : null}
            {s.condition ? (
              <Text size="xs" c="dimmed">
                Runs {s.condition}.
              </Text>
            ) : null}
            {s.continueOnFailure ? (
              <Text size="xs" c="dimmed">
                If it fails, the steps after it still run.
              </Text>
            ) : null}
          </Stack>
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

/** A run's steps: when each was due, when it ran, and what came of it. */
export function RunTimeline({ steps, timeZone }: { steps: RunStep[]; timeZone: string }) {
  const active = steps.filter((s) => s.status !== 'pending').length - 1;
  return (
    <Timeline active={active} bulletSize={28} lineWidth={2} data-testid="run-timeline">
      {steps.map((s) => {
        const meta = STEP_STATUS[s.status];
        return (
          <Timeline.Item
            key={s.position}
            color={meta.color}
            bullet={
              <ThemeIcon
                size={28}
                radius="xl"
                color={meta.color}
                variant={s.status === 'pending' ? 'light' : 'filled'}
              >
                <meta.icon size={15} />
              </ThemeIcon>
            }
            title={
              <Group gap="xs" wrap="nowrap" data-testid={`run-step-${s.position}`} data-status={s.status}>
                <WhenBadge label={s.whenLabel} />
                <Text fw={600} size="sm">
                  {s.label}
                </Text>
                <StepStatusBadge status={s.status} />
                {s.action === 'webhook' ? (
                  <Tooltip label="Calls out of Rollcall: retried under the same idempotency key">
                    <IconPlugConnected size={14} color="var(--mantine-color-gray-6)" />
                  </Tooltip>
                ) : null}
              </Group>
            }
          >
            <Stack gap={2} mt={4}>
              <Text size="xs" c="dimmed">
                Due {s.dueLocal} ({timeZone}, UTC{s.utcOffset})
                {s.startedAt ? ` · started ${formatDateTime(s.startedAt)}` : ''}
                {s.finishedAt ? ` · finished ${formatDateTime(s.finishedAt)}` : ''}
                {s.attempts > 1 ? ` · ${s.attempts} attempts` : ''}
              </Text>
              {s.summary ? <Text size="sm">{s.summary}</Text> : null}
              {s.error ? (
                <Group gap={6} wrap="nowrap" align="flex-start">
                  <IconAlertTriangle
                    size={15}
                    color="var(--mantine-color-red-7)"
                    style={{ flexShrink: 0, marginTop: 2 }}
                  />
                  <Text size="sm" c="red.8">
                    {s.error}
                    {s.status === 'pending' ? ' — it will be tried again.' : ''}
                  </Text>
                </Group>
              ) : null}
              {s.condition ? (
                <Text size="xs" c="dimmed">
                  Runs {s.condition}.
                </Text>
              ) : null}
            </Stack>
          </Timeline.Item>
        );
      })}
    </Timeline>
  );
}
