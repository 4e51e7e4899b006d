import { Anchor, Button, Group, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconPlayerStop, IconRefresh } from '@tabler/icons-react';
import { Link, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { useFlowRun, useRunCommand } from '../../api/flows.ts';
import { useMe } from '../../api/hooks.ts';
import { ConfirmDialog } from '../../ui/confirm.tsx';
import { ErrorAlert, formatDateTime, notifyDone, notifyError } from '../../ui/index.tsx';
import { RunStatusBadge, RunTimeline } from './flow-ui.tsx';

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm">{children}</Text>
    </Stack>
  );
}

/** "2 steps would run at once, more than 24 hours late: 2. Suspend sign-in (due …), …" */
function pastStepsText(e: ApiError): string {
  const d = (e.problem.details ?? {}) as {
    steps?: Array<{ position: number; label: string; dueAt: string }>;
    graceHours?: number;
  };
  const steps = d.steps ?? [];
  const list = steps.map((s) => `${s.position}. ${s.label} (due ${formatDateTime(s.dueAt)})`).join(', ');
  return `${steps.length === 1 ? 'One step' : `${steps.length} steps`} would run at once, more than ${d.graceHours ?? 24} hours late: ${list}.`;
}

/** One run: each step's instant, when it ran and what came of it; cancel, retry, reschedule. */
export function FlowRunPage() {
  const { tenantId, runId } = useParams({ strict: false }) as { tenantId: string; runId: string };
  const run = useFlowRun(tenantId, runId);
  const me = useMe();
  const command = useRunCommand();
  const [date, setDate] = useState('');
  const [confirming, setConfirming] = useState<null | 'cancel' | { pastSteps: string }>(null);
  if (!run.data) return <ErrorAlert error={run.error} />;
  const r = run.data;
  const canRun = me.data?.permissions.includes('flows.run') ?? false;
  const active = r.status === 'scheduled' || r.status === 'running';
  const act = (cmd: 'cancel' | 'retry' | 'reschedule', body?: unknown, done?: string) =>
    command.mutate(
      { tenantId, runId, command: cmd, body },
      {
        onSuccess: () => {
          setConfirming(null);
          notifyDone(done ?? 'Done');
        },
        onError: (e) => {
          // a date that would make steps more than a day late: the server says which; ask, then insist
          if (cmd === 'reschedule' && e instanceof ApiError && e.code === 'flow_run.past_steps')
            setConfirming({ pastSteps: pastStepsText(e) });
          else {
            setConfirming(null);
            notifyError(e);
          }
        },
      },
    );
  const rescheduled = 'Rescheduled: the steps not yet run moved';
  return (
    <>
      <Anchor component={Link} to={`/t/${tenantId}/flow-runs`} size="sm">
        ← Flow runs
      </Anchor>
      <Group justify="space-between" my="lg" align="flex-start">
        <Stack gap={4}>
          <Group gap="sm">
            <Title order={2} fw={650}>
              {r.templateName} for{' '}
              <Anchor component={Link} to={`/t/${tenantId}/users/${r.user.id}`} inherit>
                {r.user.firstName} {r.user.lastName}
              </Anchor>
            </Title>
            <RunStatusBadge status={r.status} />
          </Group>
          <Text c="dimmed" size="sm">
            {r.doneCount} of {r.stepCount} steps · version {r.templateVersion} of the template ·{' '}
            {r.trigger === 'event_date' ? 'started by the leave date' : `started by ${r.initiatorLabel}`}
          </Text>
        </Stack>
        {canRun ? (
          <Group>
            {r.status === 'failed' ? (
              <Button
                leftSection={<IconRefresh size={16} />}
                onClick={() => act('retry', undefined, 'Retrying from the failed step')}
                loading={command.isPending}
              >
                Retry from the failed step
              </Button>
            ) : null}
            {active ? (
              <Button
                variant="default"
                color="red"
                leftSection={<IconPlayerStop size={16} />}
                onClick={() => setConfirming('cancel')}
              >
                Cancel run
              </Button>
            ) : null}
          </Group>
        ) : null}
      </Group>
      <Paper withBorder radius="lg" p="lg" mb="lg">
        <SimpleGrid cols={{ base: 2, md: 5 }}>
          <Fact label={r.event === 'offboarding' ? 'Leave date' : 'Event date'}>{r.eventDate}</Fact>
          <Fact label="Time zone">{r.timeZone}</Fact>
          <Fact label="Created">{formatDateTime(r.createdAt)}</Fact>
          <Fact label="Started">{r.startedAt ? formatDateTime(r.startedAt) : '—'}</Fact>
          <Fact label={r.status === 'cancelled' ? 'Cancelled' : 'Finished'}>
            {r.finishedAt ? formatDateTime(r.finishedAt) : '—'}
          </Fact>
        </SimpleGrid>
        {r.cancelReason ? (
          <Text size="sm" c="dimmed" mt="sm">
            {r.cancelReason}
          </Text>
        ) : null}
        {canRun && active ? (
          <Group mt="md" align="flex-end">
            <TextInput
              label="Move to another date"
              type="date"
              value={date}
              onChange={(e) => setDate(e.currentTarget.value)}
              w={180}
            />
            <Button
              variant="light"
              disabled={!date}
              onClick={() => act('reschedule', { eventDate: date }, rescheduled)}
            >
              Reschedule
            </Button>
            <Text size="xs" c="dimmed" maw={360}>
              The steps that have not run move with the date (and the user’s leave date with them); those done
              stay done.
            </Text>
          </Group>
        ) : null}
      </Paper>
      <Paper withBorder radius="lg" p="lg">
        <RunTimeline steps={r.steps} timeZone={r.timeZone} />
      </Paper>
      <ConfirmDialog
        opened={confirming === 'cancel'}
        title="Cancel this run?"
        confirmLabel="Cancel the run"
        loading={command.isPending}
        onConfirm={() => act('cancel', {}, 'Run cancelled')}
        onClose={() => setConfirming(null)}
      >
        <Text size="sm">
          The {r.stepCount - r.doneCount === 1 ? 'step' : `${r.stepCount - r.doneCount} steps`} of “
          {r.templateName}” for {r.user.firstName} {r.user.lastName} that have not run will never run. Those
          done stay done.
        </Text>
      </ConfirmDialog>
      <ConfirmDialog
        opened={typeof confirming === 'object' && confirming !== null}
        title={`Move the run to ${date}?`}
        confirmLabel="Move it and run those steps now"
        loading={command.isPending}
        onConfirm={() => act('reschedule', { eventDate: date, allowPastSteps: true }, rescheduled)}
        onClose={() => setConfirming(null)}
      >
        <Text size="sm">{typeof confirming === 'object' && confirming ? confirming.pastSteps : null}</Text>
      </ConfirmDialog>
    </>
  );
}
