import {
  Anchor,
  Badge,
  Button,
  Group,
  Paper,
  Progress,
  SegmentedControl,
  Stack,
  Switch,
  Table,
  Text,
} from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { Link, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { type RunSummary, useFlowRuns, useRunCommand } from '../../api/flows.ts';
import { useMe, useTenants } from '../../api/hooks.ts';
import { ErrorAlert, formatDateTime, notifyDone, notifyError, PageHeader } from '../../ui/index.tsx';
import { RunStatusBadge } from './flow-ui.tsx';

function NextOrOutcome({ run, onRetry, canRun }: { run: RunSummary; onRetry: () => void; canRun: boolean }) {
  if (run.failure && run.status === 'failed')
    return (
      <Stack gap={4}>
        <Text size="sm" c="red.8" lineClamp={2}>
          <b>{run.failure.label}:</b> {run.failure.error}
        </Text>
        {canRun ? (
          <Button
            size="compact-xs"
            variant="light"
            color="red"
            leftSection={<IconRefresh size={12} />}
            onClick={onRetry}
            w="fit-content"
          >
            Retry
          </Button>
        ) : null}
      </Stack>
    );
  if (run.nextStep)
    return (
      <Stack gap={0}>
        <Text size="sm">{run.nextStep.label}</Text>
        <Text size="xs" c="dimmed">
          {formatDateTime(run.nextStep.dueAt)}
          {run.nextStep.attempts > 0 ? ` · retry ${run.nextStep.attempts + 1}` : ''}
        </Text>
      </Stack>
    );
  if (run.status === 'cancelled')
    return (
      <Text size="sm" c="dimmed">
        {run.cancelReason}
      </Text>
    );
  return (
    <Text size="sm" c="dimmed">
      {run.failure ? `Done, with a failed step (${run.failure.label})` : 'All steps done'}
    </Text>
  );
}

/** Runs, per tenant or across every customer the provider reaches, refreshed as steps complete. */
export function FlowRunsPage() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const me = useMe();
  const tenants = useTenants();
  const isProvider = tenants.data?.items.find((x) => x.id === tenantId)?.kind === 'provider';
  const [status, setStatus] = useState('active');
  const [customers, setCustomers] = useState(true);
  const runs = useFlowRuns(tenantId, { status, customers: isProvider && customers });
  const command = useRunCommand();
  const canRun = me.data?.permissions.includes('flows.run') ?? false;
  const retry = (run: RunSummary) =>
    command.mutate(
      { tenantId: run.tenantId, runId: run.id, command: 'retry' },
      { onSuccess: () => notifyDone('Retrying from the failed step'), onError: notifyError },
    );
  const items = runs.data?.items ?? [];
  return (
    <>
      <PageHeader title="Flow runs" description="Every run, its next step, and what failed." />
      <Group justify="space-between" mb="md">
        <SegmentedControl
          value={status}
          onChange={setStatus}
          data={[
            { value: 'active', label: 'Active' },
            { value: 'failed', label: 'Failed' },
            { value: 'completed', label: 'Completed' },
            { value: 'cancelled', label: 'Cancelled' },
            { value: 'all', label: 'All' },
          ]}
        />
        {isProvider ? (
          <Switch
            label="Include every customer"
            checked={customers}
            onChange={(e) => setCustomers(e.currentTarget.checked)}
          />
        ) : null}
      </Group>
      <ErrorAlert error={runs.error} />
      <Paper withBorder radius="lg" style={{ overflow: 'hidden' }}>
        <Table verticalSpacing="sm" highlightOnHover data-testid="runs-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>User</Table.Th>
              <Table.Th>Template</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th w={160}>Progress</Table.Th>
              <Table.Th>Next step or outcome</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((r) => (
              <Table.Tr key={r.id} data-testid={`run-row-${r.user.lastName}`}>
                <Table.Td>
                  <Anchor
                    component={Link}
                    to={`/t/${r.tenantId}/flow-runs/${r.id}`}
                    fw={600}
                    c="dark"
                    size="sm"
                  >
                    {r.user.firstName} {r.user.lastName}
                  </Anchor>
                  <Group gap={4}>
                    {r.tenantId !== tenantId ? (
                      <Badge size="xs" variant="outline" color="gray" tt="none">
                        {r.tenantName}
                      </Badge>
                    ) : null}
                    <Text size="xs" c="dimmed">
                      {r.event === 'offboarding' ? 'leaves' : 'date'} {r.eventDate}
                    </Text>
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{r.templateName}</Text>
                  <Text size="xs" c="dimmed">
                    v{r.templateVersion} ·{' '}
                    {r.trigger === 'event_date' ? 'started by the leave date' : `by ${r.initiatorLabel}`}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <RunStatusBadge status={r.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed" mb={4}>
                    {r.doneCount} of {r.stepCount} steps
                  </Text>
                  <Progress
                    value={(r.doneCount / Math.max(1, r.stepCount)) * 100}
                    color={r.status === 'failed' ? 'red' : 'teal'}
                    size="sm"
                  />
                </Table.Td>
                <Table.Td>
                  <NextOrOutcome run={r} onRetry={() => retry(r)} canRun={canRun} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {items.length === 0 && !runs.isLoading ? (
          <Text c="dimmed" size="sm" p="xl" ta="center">
            No runs here.
          </Text>
        ) : null}
      </Paper>
    </>
  );
}
