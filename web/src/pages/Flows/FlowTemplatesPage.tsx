import { Anchor, Badge, Button, Group, Paper, Select, Stack, Table, Text } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import {
  eventLabel,
  type TemplateSummary,
  useFlowSettings,
  useFlowTemplates,
  useSaveFlowSettings,
} from '../../api/flows.ts';
import { useMe, useTenants } from '../../api/hooks.ts';
import { ErrorAlert, formatDateTime, notifyDone, notifyError, PageHeader } from '../../ui/index.tsx';

function SourceBadge({ t }: { t: TemplateSummary }) {
  if (t.source)
    return (
      <Badge variant="light" color={t.locallyEdited ? 'orange' : 'grape'} tt="none">
        {t.locallyEdited ? `Provider’s, edited here` : `Provider’s v${t.source.version}`}
      </Badge>
    );
  if (t.detachedFromTemplateId)
    return (
      <Badge variant="light" color="grape" tt="none">
        Detached copy
      </Badge>
    );
  return (
    <Badge variant="light" color="gray" tt="none">
      Local
    </Badge>
  );
}

/** The tenant's templates (its own and its provider's copies) and which one a leave date starts. */
export function FlowTemplatesPage() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const navigate = useNavigate();
  const me = useMe();
  const tenants = useTenants();
  const templates = useFlowTemplates(tenantId);
  const settings = useFlowSettings(tenantId);
  const saveSettings = useSaveFlowSettings(tenantId);
  const canManage = me.data?.permissions.includes('flows.templates.manage') ?? false;
  const isProvider = tenants.data?.items.find((x) => x.id === tenantId)?.kind === 'provider';
  const items = templates.data?.items ?? [];
  return (
    <>
      <PageHeader
        title="User flows"
        description={
          isProvider
            ? 'Your template library: build offboarding templates here and publish them to your customers.'
            : 'Templates of steps scheduled before, on and after a user’s leave date.'
        }
        actions={
          canManage ? (
            <Button
              leftSection={<IconPlus size={16} />}
              onClick={() => void navigate({ to: `/t/${tenantId}/flows/new` })}
            >
              New template
            </Button>
          ) : null
        }
      />
      <ErrorAlert error={templates.error} />
      <Paper withBorder radius="lg" style={{ overflow: 'hidden' }}>
        <Table highlightOnHover verticalSpacing="sm" data-testid="templates-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Template</Table.Th>
              <Table.Th>Event</Table.Th>
              <Table.Th>Steps</Table.Th>
              <Table.Th>Version</Table.Th>
              <Table.Th>Source</Table.Th>
              <Table.Th>Changed</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Td>
                  <Anchor component={Link} to={`/t/${tenantId}/flows/${t.id}`} fw={600} c="dark" size="sm">
                    {t.name}
                  </Anchor>
                  {t.description ? (
                    <Text size="xs" c="dimmed" lineClamp={1}>
                      {t.description}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{eventLabel(t.event)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{t.stepCount}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">v{t.version}</Text>
                </Table.Td>
                <Table.Td>
                  <SourceBadge t={t} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {formatDateTime(t.updatedAt)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {items.length === 0 && !templates.isLoading ? (
          <Stack align="center" p="xl" gap={4}>
            <Text fw={600}>No templates yet</Text>
            <Text size="sm" c="dimmed">
              {isProvider
                ? canManage
                  ? 'Build one with New template, then publish it to your customers.'
                  : 'Your administrators have not built any yet.'
                : canManage
                  ? 'Build one with New template; templates your provider publishes to you appear here too.'
                  : 'Your administrators have not published any.'}
            </Text>
          </Stack>
        ) : null}
      </Paper>
      {settings.data ? (
        <Paper withBorder radius="lg" p="lg" mt="lg">
          <Text fw={600}>Start by itself</Text>
          <Text size="sm" c="dimmed" mb="sm">
            When a user’s leave date is set, this template starts for them; changing the date reschedules it,
            clearing it cancels it.
          </Text>
          <Group align="flex-end">
            <Select
              label="On a leave date"
              w={360}
              clearable
              placeholder="Nothing starts by itself"
              disabled={!canManage}
              value={settings.data.autoStart.offboarding}
              data={items
                .filter((t) => t.event === 'offboarding')
                .map((t) => ({ value: t.id, label: t.name }))}
              onChange={(v) =>
                saveSettings.mutate(
                  { autoStart: { offboarding: v } },
                  {
                    onSuccess: () =>
                      notifyDone(v ? 'Leave dates now start the template' : 'Nothing starts by itself now'),
                    onError: notifyError,
                  },
                )
              }
            />
          </Group>
        </Paper>
      ) : null}
    </>
  );
}
