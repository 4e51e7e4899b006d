import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Grid,
  Group,
  Menu,
  Paper,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  ThemeIcon,
  Timeline,
  Title,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconPlus, IconSend, IconTrash } from '@tabler/icons-react';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { useEffect, useMemo, useState } from 'react';
import {
  type DryRun,
  eventLabel,
  type StepInput,
  type TemplateBody,
  useArchiveTemplate,
  useDetachTemplate,
  useFlowActions,
  useFlowTemplate,
  usePreviewRun,
  useSaveTemplate,
} from '../../api/flows.ts';
import { useGroups, useMe, useRoles, useTenants, useUsers } from '../../api/hooks.ts';
import { ConfirmDialog } from '../../ui/confirm.tsx';
import { ErrorAlert, notifyDone, notifyError } from '../../ui/index.tsx';
import { PreviewTimeline, WhenBadge } from './flow-ui.tsx';
import { PublishDialog } from './PublishDialog.tsx';
import { newStep, StepEditor } from './StepEditor.tsx';

const whenText = (s: StepInput) => {
  if (!('offsetDays' in s.when)) return s.when.at.replace('T', ' ').slice(0, 16);
  const d = s.when.offsetDays;
  return `${d > 0 ? '+' : d < 0 ? '-' : ''}${Math.abs(d)} d ${s.when.timeOfDay}`;
};

const BLANK: TemplateBody = {
  name: '',
  description: '',
  event: 'offboarding',
  timeZoneSource: 'tenant',
  steps: [newStep('suspend', { when: { offsetDays: 0, timeOfDay: '17:00' } } as StepInput)],
};

/** Rule 20's designer: the steps as a vertical timeline, one step's form beside it, a preview below. */
export function TemplateDesignerPage() {
  const { tenantId, templateId } = useParams({ strict: false }) as { tenantId: string; templateId: string };
  const isNew = templateId === 'new';
  const navigate = useNavigate();
  const me = useMe();
  const tenants = useTenants();
  const existing = useFlowTemplate(tenantId, isNew ? null : templateId);
  const actions = useFlowActions();
  const groups = useGroups(tenantId);
  const roles = useRoles(tenantId);
  const save = useSaveTemplate(tenantId);
  const archive = useArchiveTemplate(tenantId);
  const detach = useDetachTemplate(tenantId);
  const [form, setForm] = useState<TemplateBody>(BLANK);
  const [selected, setSelected] = useState(0);
  const [publishing, setPublishing] = useState(false);
  const [archiving, setArchiving] = useState(false);
  const canManage = me.data?.permissions.includes('flows.templates.manage') ?? false;
  const tenant = tenants.data?.items.find((x) => x.id === tenantId);
  const t = existing.data;
  // biome-ignore lint/correctness/useExhaustiveDependencies: load the form when another version arrives
  useEffect(() => {
    if (!t) return;
    setForm({
      name: t.name,
      description: t.description,
      event: t.event,
      timeZoneSource: t.timeZoneSource,
      steps: t.steps.map((s) => ({
        action: s.action,
        label: s.label === s.actionLabel ? undefined : s.label,
        params: s.params ?? {},
        when: s.when,
        continueOnFailure: s.continueOnFailure,
        condition: s.condition,
      })),
    });
  }, [t?.id, t?.version]);
  const dirty = useMemo(() => {
    if (isNew) return true;
    if (!t) return false;
    return (
      JSON.stringify(form) !==
      JSON.stringify({
        name: t.name,
        description: t.description,
        event: t.event,
        timeZoneSource: t.timeZoneSource,
        steps: t.steps.map((s) => ({
          action: s.action,
          label: s.label === s.actionLabel ? undefined : s.label,
          params: s.params ?? {},
          when: s.when,
          continueOnFailure: s.continueOnFailure,
          condition: s.condition,
        })),
      })
    );
  }, [form, t, isNew]);

  if (!isNew && !t) return <ErrorAlert error={existing.error} />;
  const readOnly = !canManage || !!t?.archivedAt;
  const steps = form.steps;
  const step = steps[Math.min(selected, steps.length - 1)];
  const setStep = (i: number, s: StepInput) =>
    setForm({ ...form, steps: steps.map((x, j) => (j === i ? s : x)) });
  const move = (i: number, by: number) => {
    const next = [...steps];
    const [s] = next.splice(i, 1);
    next.splice(i + by, 0, s!);
    setForm({ ...form, steps: next });
    setSelected(i + by);
  };
  const remove = (i: number) => {
    setForm({ ...form, steps: steps.filter((_, j) => j !== i) });
    setSelected(Math.max(0, i - 1));
  };
  const add = (action: string) => {
    setForm({ ...form, steps: [...steps, newStep(action, steps[steps.length - 1])] });
    setSelected(steps.length);
  };
  const onSave = () =>
    save.mutate(
      { id: isNew ? null : templateId, body: form },
      {
        onSuccess: (saved) => {
          notifyDone(isNew ? 'Template created' : `Saved as version ${saved.version}`);
          if (isNew) void navigate({ to: `/t/${tenantId}/flows/${saved.id}` });
        },
      },
    );
  const isProviderTemplate = tenant?.kind === 'provider' && !t?.source && !isNew;

  return (
    <>
      <Anchor component={Link} to={`/t/${tenantId}/flows`} size="sm">
        ← User flows
      </Anchor>
      <Group justify="space-between" my="lg" align="flex-start">
        <Stack gap={4}>
          <Group gap="sm">
            <Title order={2} fw={650}>
              {isNew ? 'New flow template' : form.name || 'Untitled'}
            </Title>
            {t ? <Badge variant="light">Version {t.version}</Badge> : null}
            {t?.source ? (
              <Badge variant="light" color={t.locallyEdited ? 'orange' : 'grape'}>
                {t.locallyEdited
                  ? `Edited here · from provider v${t.source.version}`
                  : `From the provider · v${t.source.version}`}
              </Badge>
            ) : null}
            {t?.detachedFromTemplateId ? (
              <Badge variant="light" color="grape">
                Detached from the provider
              </Badge>
            ) : null}
            {t?.archivedAt ? <Badge color="gray">Archived</Badge> : null}
          </Group>
          <Text c="dimmed" size="sm">
            {eventLabel(form.event)} · times of day in the{' '}
            {form.timeZoneSource === 'user' ? 'user’s' : 'tenant’s'} time zone
          </Text>
        </Stack>
        {canManage && !t?.archivedAt ? (
          <Group>
            {isProviderTemplate ? (
              <Button
                variant="default"
                leftSection={<IconSend size={16} />}
                onClick={() => setPublishing(true)}
                disabled={dirty}
              >
                Publish…
              </Button>
            ) : null}
            {t ? (
              <Menu position="bottom-end">
                <Menu.Target>
                  <Button variant="default">More</Button>
                </Menu.Target>
                <Menu.Dropdown>
                  {t.source ? (
                    <Menu.Item
                      onClick={() =>
                        detach.mutate(t.id, {
                          onSuccess: () => notifyDone('Detached: it is this tenant’s own now'),
                          onError: notifyError,
                        })
                      }
                    >
                      Detach from the provider
                    </Menu.Item>
                  ) : null}
                  <Menu.Item color="red" onClick={() => setArchiving(true)}>
                    Archive
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            ) : null}
            <Button onClick={onSave} loading={save.isPending} disabled={!dirty || !form.name.trim()}>
              {isNew ? 'Create template' : 'Save new version'}
            </Button>
          </Group>
        ) : null}
      </Group>
      <ErrorAlert error={save.error} />
      <Grid gap="lg" mt="sm">
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder radius="lg" p="lg">
            <Stack gap="sm">
              <TextInput
                label="Name"
                name="template-name"
                value={form.name}
                disabled={readOnly}
                onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
              />
              <Textarea
                label="Description"
                autosize
                minRows={1}
                value={form.description}
                disabled={readOnly}
                onChange={(e) => setForm({ ...form, description: e.currentTarget.value })}
              />
              <Stack gap="sm">
                <Select
                  label="Lifecycle event"
                  value={form.event}
                  allowDeselect={false}
                  disabled={readOnly}
                  onChange={(v) => v && setForm({ ...form, event: v })}
                  data={[
                    { value: 'offboarding', label: 'Offboarding (leave date)' },
                    { value: 'onboarding', label: 'Onboarding (hire date)' },
                  ]}
                />
                <Select
                  label="Times of day in"
                  value={form.timeZoneSource}
                  allowDeselect={false}
                  disabled={readOnly}
                  onChange={(v) => v && setForm({ ...form, timeZoneSource: v as 'tenant' | 'user' })}
                  data={[
                    { value: 'tenant', label: 'The tenant’s time zone' },
                    { value: 'user', label: 'The user’s time zone' },
                  ]}
                />
              </Stack>
            </Stack>
            <Text fw={600} mt="lg" mb="sm">
              Steps
            </Text>
            <Timeline active={-1} bulletSize={26} lineWidth={2} data-testid="designer-timeline">
              {steps.map((s, i) => {
                const a = actions.data?.items.find((x) => x.type === s.action);
                return (
                  <Timeline.Item
                    // biome-ignore lint/suspicious/noArrayIndexKey: a step is its position; moving one re-renders both
                    key={`${i}-${s.action}`}
                    bullet={
                      <ThemeIcon size={26} radius="xl" variant={i === selected ? 'filled' : 'light'}>
                        <Text size="xs" fw={700}>
                          {i + 1}
                        </Text>
                      </ThemeIcon>
                    }
                    title={
                      <Group justify="space-between" wrap="nowrap" gap="xs">
                        <UnstyledButton
                          onClick={() => setSelected(i)}
                          data-testid={`designer-step-${i + 1}`}
                          style={{ flex: 1 }}
                        >
                          <Group gap="xs" wrap="nowrap">
                            <WhenBadge label={whenText(s)} />
                            <Text size="sm" fw={i === selected ? 700 : 500}>
                              {s.label || a?.label || s.action}
                            </Text>
                          </Group>
                        </UnstyledButton>
                        {readOnly ? null : (
                          <Group gap={2} wrap="nowrap">
                            <Tooltip label="Earlier">
                              <ActionIcon
                                variant="subtle"
                                size="sm"
                                disabled={i === 0}
                                onClick={() => move(i, -1)}
                                aria-label={`Move step ${i + 1} up`}
                              >
                                <IconArrowUp size={14} />
                              </ActionIcon>
                            </Tooltip>
                            <Tooltip label="Later">
                              <ActionIcon
                                variant="subtle"
                                size="sm"
                                disabled={i === steps.length - 1}
                                onClick={() => move(i, 1)}
                                aria-label={`Move step ${i + 1} down`}
                              >
                                <IconArrowDown size={14} />
                              </ActionIcon>
                            </Tooltip>
                            <Tooltip label="Remove step">
                              <ActionIcon
                                variant="subtle"
                                color="red"
                                size="sm"
                                disabled={steps.length === 1}
                                onClick={() => remove(i)}
                                aria-label={`Remove step ${i + 1}`}
                              >
                                <IconTrash size={14} />
                              </ActionIcon>
                            </Tooltip>
                          </Group>
                        )}
                      </Group>
                    }
                  >
                    {s.condition || s.continueOnFailure ? (
                      <Text size="xs" c="dimmed">
                        {[
                          s.condition ? 'conditional' : null,
                          s.continueOnFailure ? 'continues on failure' : null,
                        ]
                          .filter(Boolean)
                          .join(' · ')}
                      </Text>
                    ) : null}
                  </Timeline.Item>
                );
              })}
            </Timeline>
            {readOnly ? null : (
              <Menu position="bottom-start" shadow="md">
                <Menu.Target>
                  <Button variant="light" mt="md" leftSection={<IconPlus size={16} />}>
                    Add step
                  </Button>
                </Menu.Target>
                <Menu.Dropdown>
                  {(actions.data?.items ?? []).map((a) => (
                    <Menu.Item key={a.type} onClick={() => add(a.type)}>
                      {a.label}
                    </Menu.Item>
                  ))}
                </Menu.Dropdown>
              </Menu>
            )}
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Paper withBorder radius="lg" p="lg">
            {step ? (
              <>
                <Text fw={600} mb="md">
                  Step {Math.min(selected, steps.length - 1) + 1}
                </Text>
                <StepEditor
                  step={step}
                  actions={actions.data?.items ?? []}
                  onChange={(s) => setStep(Math.min(selected, steps.length - 1), s)}
                  groupNames={(groups.data?.items ?? []).filter((g) => !g.isDefault).map((g) => g.name)}
                  roleNames={(roles.data?.items ?? []).map((r) => r.name)}
                  variables={actions.data?.emailVariables ?? []}
                  readOnly={readOnly}
                  // the server leaves parameters out for those who may not manage templates; anyone
                  // who may sees them, and edits those of steps not saved yet
                  paramsHidden={!canManage}
                />
              </>
            ) : null}
          </Paper>
          {t ? <PreviewPanel tenantId={tenantId} templateId={t.id} dirty={dirty} /> : null}
        </Grid.Col>
      </Grid>
      {t ? (
        <PublishDialog
          tenantId={tenantId}
          templateId={t.id}
          name={t.name}
          opened={publishing}
          onClose={() => setPublishing(false)}
        />
      ) : null}
      {t ? (
        <ConfirmDialog
          opened={archiving}
          title={`Archive “${t.name}”?`}
          confirmLabel="Archive the template"
          loading={archive.isPending}
          error={archive.error}
          onConfirm={() =>
            archive.mutate(t.id, {
              onSuccess: () => {
                setArchiving(false);
                notifyDone('Template archived');
              },
            })
          }
          onClose={() => setArchiving(false)}
        >
          <Text size="sm">
            Runs going on finish as they are; no new run can start from it, and a leave date no longer starts
            it.
          </Text>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function PreviewPanel({
  tenantId,
  templateId,
  dirty,
}: {
  tenantId: string;
  templateId: string;
  dirty: boolean;
}) {
  const users = useUsers(tenantId, { status: 'all', sort: 'lastName:asc' });
  const preview = usePreviewRun(tenantId);
  const [userId, setUserId] = useState<string | null>(null);
  const [date, setDate] = useState(() => new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10));
  const [result, setResult] = useState<DryRun | null>(null);
  const options = (users.data?.pages.flatMap((p) => p.items) ?? []).map((u) => ({
    value: u.id,
    label: `${u.firstName} ${u.lastName}${u.email ? ` · ${u.email}` : ''}`,
  }));
  return (
    <Paper withBorder radius="lg" p="lg" mt="lg">
      <Text fw={600}>Preview against a user</Text>
      <Text size="sm" c="dimmed" mb="sm">
        Each step’s exact instant and what it would do to them. Nothing is changed.
      </Text>
      <Group align="flex-end">
        <Select
          label="User"
          searchable
          data={options}
          value={userId}
          onChange={setUserId}
          w={320}
          name="preview-user"
        />
        <TextInput
          label="Event date"
          type="date"
          value={date}
          onChange={(e) => setDate(e.currentTarget.value)}
          w={170}
        />
        <Button
          variant="light"
          disabled={!userId || !date}
          loading={preview.isPending}
          onClick={() =>
            preview.mutate({ templateId, userId: userId!, eventDate: date }, { onSuccess: setResult })
          }
        >
          Show timeline
        </Button>
      </Group>
      {dirty ? (
        <Alert color="yellow" variant="light" mt="sm">
          The preview shows the saved version; save to see your changes.
        </Alert>
      ) : null}
      <ErrorAlert error={preview.error} />
      {result ? (
        <Stack mt="md">
          <PreviewTimeline items={result.timeline} timeZone={result.timeZone} />
        </Stack>
      ) : null}
    </Paper>
  );
}
