import { Alert, Anchor, Button, Checkbox, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { Link, useNavigate } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useFlowRuns, useFlowTemplates, usePreviewRun, useStartRun } from '../../api/flows.ts';
import type { UserDetail } from '../../api/types.ts';
import { ErrorAlert, notifyDone } from '../../ui/index.tsx';
import { PreviewTimeline } from './flow-ui.tsx';

/**
 * The user page's "Offboard": choose a template and the leave date, see the timeline of what will
 * happen when, confirm. The run's date becomes the user's leave date.
 */
export function OffboardDialog({
  tenantId,
  user,
  opened,
  onClose,
}: {
  tenantId: string;
  user: UserDetail;
  opened: boolean;
  onClose: () => void;
}) {
  const navigate = useNavigate();
  const templates = useFlowTemplates(tenantId, { event: 'offboarding' });
  const active = useFlowRuns(tenantId, { status: 'active', userId: user.id });
  const preview = usePreviewRun(tenantId);
  const start = useStartRun(tenantId);
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [date, setDate] = useState(
    user.leaveDate ?? new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10),
  );
  const [pastConfirmed, setPastConfirmed] = useState(false);
  const items = templates.data?.items ?? [];
  // biome-ignore lint/correctness/useExhaustiveDependencies: pick the first template once they load
  useEffect(() => {
    if (!templateId && items.length > 0) setTemplateId(items[0]!.id);
  }, [items.length]);
  // the timeline follows the choice: a dry run each time the template or the date changes
  // biome-ignore lint/correctness/useExhaustiveDependencies: preview is a mutation handle
  useEffect(() => {
    setPastConfirmed(false);
    if (opened && templateId && /^\d{4}-\d{2}-\d{2}$/.test(date))
      preview.mutate({ templateId, userId: user.id, eventDate: date });
  }, [opened, templateId, date, user.id]);
  // steps more than a day late would all run at once (a year typed wrong, a date long gone): the
  // server refuses them unless the admin says so, and so does the dialog
  const overdue = (preview.data?.timeline ?? []).filter((s) => s.overdue);
  const running = (active.data?.items ?? []).find((r) => r.event === 'offboarding');
  const confirm = () =>
    start.mutate(
      {
        templateId: templateId!,
        userId: user.id,
        eventDate: date,
        ...(overdue.length > 0 ? { allowPastSteps: pastConfirmed } : {}),
      },
      {
        onSuccess: (run) => {
          notifyDone(`Offboarding of ${user.firstName} ${user.lastName} scheduled`);
          onClose();
          void navigate({ to: `/t/${tenantId}/flow-runs/${run.id}` });
        },
      },
    );
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      size="xl"
      title={
        <Text fw={650}>
          Offboard {user.firstName} {user.lastName}
        </Text>
      }
    >
      <Stack>
        {running ? (
          <Alert color="orange" variant="light">
            {user.firstName} already has an offboarding run ({running.templateName}, leaving{' '}
            {running.eventDate}).{' '}
            <Anchor component={Link} to={`/t/${tenantId}/flow-runs/${running.id}`}>
              Open it
            </Anchor>{' '}
            to reschedule or cancel it.
          </Alert>
        ) : null}
        <Group align="flex-end">
          <Select
            label="Template"
            name="offboard-template"
            data={items.map((t) => ({ value: t.id, label: t.name }))}
            value={templateId}
            onChange={setTemplateId}
            allowDeselect={false}
            w={340}
            nothingFoundMessage="No offboarding templates"
          />
          <TextInput
            label="Leave date"
            name="offboard-date"
            type="date"
            value={date}
            onChange={(e) => setDate(e.currentTarget.value)}
            w={180}
          />
        </Group>
        {items.length === 0 && !templates.isLoading ? (
          <Text size="sm" c="dimmed">
            This tenant has no offboarding template yet.
          </Text>
        ) : null}
        <ErrorAlert error={preview.error} />
        {preview.data ? (
          <Stack gap="xs">
            <Text size="sm" fw={600}>
              What will happen, and when ({preview.data.timeZone})
            </Text>
            <PreviewTimeline items={preview.data.timeline} timeZone={preview.data.timeZone} />
          </Stack>
        ) : null}
        {overdue.length > 0 ? (
          <Alert color="red" variant="light" title="This date is in the past">
            <Stack gap="xs">
              <Text size="sm">
                {overdue.length === 1 ? 'One step was' : `${overdue.length} steps were`} due more than a day
                ago and would run as soon as you start:{' '}
                {overdue.map((s) => `${s.position}. ${s.label}`).join(', ')}.
              </Text>
              <Checkbox
                label={`Yes, run ${overdue.length === 1 ? 'it' : 'them'} now`}
                name="allow-past-steps"
                checked={pastConfirmed}
                onChange={(e) => setPastConfirmed(e.currentTarget.checked)}
              />
            </Stack>
          </Alert>
        ) : null}
        <ErrorAlert error={start.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            disabled={!preview.data || !!running || (overdue.length > 0 && !pastConfirmed)}
            loading={start.isPending}
            onClick={confirm}
          >
            Start offboarding
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
