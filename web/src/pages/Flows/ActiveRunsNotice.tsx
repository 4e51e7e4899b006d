import { Alert, Anchor, Group, Text } from '@mantine/core';
import { IconCalendarTime } from '@tabler/icons-react';
import { Link } from '@tanstack/react-router';
import { useFlowRuns } from '../../api/flows.ts';
import { formatDateTime } from '../../ui/index.tsx';

/**
 * The user page says what is scheduled for this person: each active run, its date, the next step
 * and when it comes, with the way to the run (to reschedule or cancel it). An admin about to change
 * a leave date or suspend someone sees first that a flow is already on it.
 */
export function ActiveRunsNotice({ tenantId, userId }: { tenantId: string; userId: string }) {
  const runs = useFlowRuns(tenantId, { status: 'active', userId });
  const items = runs.data?.items ?? [];
  if (items.length === 0) return null;
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
            <Group gap={6}>
              <Text fw={600} size="sm">
                {r.event === 'offboarding' ? 'Offboarding' : 'Onboarding'} scheduled: “{r.templateName}”,{' '}
                {r.event === 'offboarding' ? 'leaving' : 'starting'} {r.eventDate}
              </Text>
            </Group>
          }
        >
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm">
              {r.doneCount} of {r.stepCount} steps done
              {r.nextStep ? ` · next: ${r.nextStep.label}, ${formatDateTime(r.nextStep.dueAt)}` : ''} ·{' '}
              {r.trigger === 'event_date' ? 'started by the leave date' : `started by ${r.initiatorLabel}`}
            </Text>
            <Anchor component={Link} to={`/t/${tenantId}/flow-runs/${r.id}`} size="sm" fw={500}>
              Open the run
            </Anchor>
          </Group>
        </Alert>
      ))}
    </>
  );
}
