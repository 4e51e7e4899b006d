import { Alert, Anchor, Button, Group, Text } from '@mantine/core';
import { IconAlertTriangle, IconCalendarTime } from '@tabler/icons-react';
import { Link } from '@tanstack/react-router';
import { type HeldBackRun, type RunSummary, useFlowRuns, useHeldBackRuns } from '../../api/flows.ts';
import { formatDateTime } from '../../ui/index.tsx';

/** "Offboarding", "Onboarding", or the date attribute a template hangs on ("contract end"). */
function eventName(event: string): string {
  if (event === 'offboarding') return 'Offboarding';
  if (event === 'onboarding') return 'Onboarding';
  const field = event.replace(/^attribute:/, '').replace(/[._-]+/g, ' ');
  return `Flow on “${field}”`;
}

function dateWords(event: string, date: string): string {
  if (event === 'offboarding') return `leaving ${date}`;
  if (event === 'onboarding') return `starting ${date}`;
  return `date ${date}`;
}

function startedBy(r: RunSummary): string {
  return r.trigger === 'event_date'
    ? `started by ${r.initiatorLabel}’s date change`
    : `started by ${r.initiatorLabel}`;
}

/**
 * The user page says what is scheduled for this person: each active run, its date, the next step
 * and when it comes, with the way to the run (to reschedule or cancel it). And what is not: the
 * tenant's chosen flow that their date did not start on its own, with why and the way to start it.
 * An admin about to change a leave date or suspend someone sees first what a flow does or did not.
 */
export function ActiveRunsNotice({
  tenantId,
  userId,
  onStartOffboarding,
}: {
  tenantId: string;
  userId: string;
  /** Opens the Offboard dialog, for those who may run flows. */
  onStartOffboarding?: () => void;
}) {
  const runs = useFlowRuns(tenantId, { status: 'active', userId });
  const heldBack = useHeldBackRuns(tenantId, userId);
  const items = runs.data?.items ?? [];
  return (
    <>
      {items.map((r) => (
        <Alert
          key={r.id}
          mb="md"
          radius="lg"
          variant="light"
          color={r.failure ? 'red' : 'indigo'}
          icon={<IconCalendarTime size={20} />}
          data-testid="active-run"
          title={
            <Text fw={600} size="sm">
              {eventName(r.event)} scheduled: “{r.templateName}”, {dateWords(r.event, r.eventDate)}
            </Text>
          }
        >
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm">
              {r.doneCount} of {r.stepCount} steps done
              {r.failure ? ` · step ${r.failure.position} “${r.failure.label}” failed` : ''}
              {r.nextStep && !r.failure
                ? ` · next: ${r.nextStep.label}, ${formatDateTime(r.nextStep.dueAt)}`
                : ''}{' '}
              · {startedBy(r)}
            </Text>
            <Anchor component={Link} to={`/t/${tenantId}/flow-runs/${r.id}`} size="sm" fw={500}>
              Open the run
            </Anchor>
          </Group>
        </Alert>
      ))}
      {(heldBack.data?.items ?? []).map((h) => (
        <HeldBackNotice
          key={h.event}
          item={h}
          onStart={h.event === 'offboarding' ? onStartOffboarding : undefined}
        />
      ))}
    </>
  );
}

function HeldBackNotice({ item: h, onStart }: { item: HeldBackRun; onStart?: () => void }) {
  const why =
    h.reason === 'self'
      ? `${h.by ?? 'The person'} set their own date, and no one starts a flow that takes away their own access: another administrator must start it.`
      : `The date is long past, so ${h.pastStepCount === 1 ? 'a step' : `${h.pastStepCount} steps`} would have run at once, late. Check the date; start it if it should run now.`;
  return (
    <Alert
      mb="md"
      radius="lg"
      variant="light"
      color="yellow"
      icon={<IconAlertTriangle size={20} />}
      data-testid="held-back-run"
      title={
        <Text fw={600} size="sm">
          {eventName(h.event)} “{h.templateName}” did not start on its own ({dateWords(h.event, h.eventDate)})
        </Text>
      }
    >
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm">{why}</Text>
        {onStart ? (
          <Button size="compact-sm" variant="light" color="yellow" onClick={onStart}>
            Offboard…
          </Button>
        ) : null}
      </Group>
    </Alert>
  );
}
