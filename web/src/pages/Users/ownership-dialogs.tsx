import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  List,
  Loader,
  Modal,
  Paper,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconAlertTriangle, IconArrowsExchange, IconClock, IconInfoCircle, IconX } from '@tabler/icons-react';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { useTenant, useUsers } from '../../api/hooks.ts';
import {
  type DateHour,
  type Plan,
  type ShareLevel,
  type Transfer,
  type TransferRequest,
  useCancelTransfer,
  useChangeShared,
  useRemovalPreview,
  useRemoveUser,
  useRequestTransfer,
  useSharedWithUser,
  useTransfer,
  useTransferPreview,
} from '../../api/ownership.ts';
import type { PendingChange } from '../../api/types.ts';
import { sameText, TypeToConfirm } from '../../ui/confirm.tsx';
import { ErrorAlert, notifyDone, notifyError } from '../../ui/index.tsx';

/**
 * The ownership dialogs of the Users pages (reference 003): Transfer Ownership, Remove User, the
 * clock marker's pending-change window with its cancel button, and Shared Workflows.
 */
interface Subject {
  id: string;
  firstName: string;
  lastName: string;
}
const nameOf = (u: { firstName: string; lastName: string }) => `${u.firstName} ${u.lastName}`;
/** "groups, forms and jobs" */
const listOf = (kinds: Array<{ label: string }>) => {
  const names = kinds.map((k) => k.label.toLowerCase());
  return names.length > 1
    ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
    : (names[0] ?? '');
};

/** The tenant's time zone: dates and hours are picked and shown on its clocks. */
export function useTenantZone(tenantId: string): string {
  const tenant = useTenant(tenantId);
  return tenant.data?.settings.timeZone || 'UTC';
}

function dayIn(zone: string, offsetDays: number): string {
  const at = new Date(Date.now() + offsetDays * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

export function formatInZone(iso: string, zone: string): string {
  return new Intl.DateTimeFormat(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: zone,
  }).format(new Date(iso));
}

const HOURS = Array.from({ length: 24 }, (_, h) => ({
  value: String(h),
  label: `${String(h).padStart(2, '0')}:00`,
}));

function DateHourInput({
  label,
  value,
  onChange,
  testId,
}: {
  label: string;
  value: DateHour;
  onChange: (v: DateHour) => void;
  testId: string;
}) {
  return (
    <Group gap="xs" align="flex-end" wrap="nowrap">
      <TextInput
        label={`${label} date`}
        type="date"
        value={value.date}
        onChange={(e) => onChange({ ...value, date: e.currentTarget.value })}
        data-testid={`${testId}-date`}
        style={{ flex: 1 }}
      />
      <Select
        label="Hour"
        data={HOURS}
        value={String(value.hour)}
        onChange={(v) => onChange({ ...value, hour: Number(v ?? 0) })}
        allowDeselect={false}
        w={110}
        data-testid={`${testId}-hour`}
      />
    </Group>
  );
}

/** Another active internal member, found by name as you type. */
export function RecipientSelect({
  tenantId,
  excludeId,
  value,
  onChange,
  label = 'Transfer to',
  description,
  required,
}: {
  tenantId: string;
  excludeId: string;
  value: string | null;
  onChange: (id: string | null, name: string | null) => void;
  label?: string;
  description?: string;
  required?: boolean;
}) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const users = useUsers(tenantId, {
    status: 'active',
    kind: 'internal',
    q: q.trim() || undefined,
    sort: 'lastName:asc',
  });
  const [picked, setPicked] = useState<{ value: string; label: string } | null>(null);
  const options = (users.data?.pages.flatMap((p) => p.items) ?? [])
    .filter((u) => u.id !== excludeId && u.kind === 'internal')
    .map((u) => ({ value: u.id, label: `${nameOf(u)}${u.email ? ` · ${u.email}` : ''}` }));
  if (picked && !options.some((o) => o.value === picked.value)) options.unshift(picked);
  return (
    <Select
      label={label}
      description={description}
      placeholder="Search a member by name or email"
      searchable
      clearable
      required={required}
      data={options}
      value={value}
      searchValue={search}
      onSearchChange={setSearch}
      onChange={(id, option) => {
        setPicked(option ?? null);
        onChange(id, option ? option.label.split(' · ')[0]! : null);
      }}
      nothingFoundMessage={users.isFetching ? 'Searching…' : 'No active member matches'}
      rightSection={users.isFetching ? <Loader size={14} /> : undefined}
      data-testid="recipient-select"
      comboboxProps={{ withinPortal: true }}
    />
  );
}

/** What a change moves, kind by kind, and what the recipient should know. */
function PlanSummary({
  plan,
  recipientName,
  duration,
}: {
  plan: Plan;
  recipientName: string | null;
  duration: boolean;
}) {
  // what really moves: a licence seat the recipient already holds one of is freed, not moved
  const moving = plan.owned.filter((o) => o.moves && o.count > o.freed);
  const freed = plan.owned.filter((o) => o.moves && o.freed > 0);
  const staying = plan.owned.filter((o) => !o.moves);
  const back = moving.filter((o) => o.revertsAtEnd);
  const kept = moving.filter((o) => !o.revertsAtEnd);
  const count = (o: Plan['owned'][number]) => `${o.label} (${o.count})`;
  const moved = (o: Plan['owned'][number]) => `${o.label} (${o.count - o.freed})`;
  return (
    <Stack gap="xs" data-testid="plan-summary">
      {plan.ownedCount === 0 ? (
        <Text size="sm" c="dimmed">
          Owns nothing at the moment.
        </Text>
      ) : (
        <Paper withBorder radius="md" p="sm" bg="gray.0">
          <Stack gap={6}>
            <Text size="sm">
              <b>Moves:</b> {moving.length ? moving.map(moved).join(', ') : 'nothing'}
            </Text>
            {freed.length ? (
              <Text size="sm" data-testid="plan-freed">
                <b>Freed, not moved:</b> {freed.map((o) => `${o.label} (${o.freed})`).join(', ')} —{' '}
                {recipientName
                  ? `${recipientName} already holds one, so the user’s seat becomes free for someone else.`
                  : 'without a recipient the removal frees the seat.'}
              </Text>
            ) : null}
            {duration && moving.length ? (
              <Text size="sm" c="dimmed">
                At the end, {back.length ? `${listOf(back)} move back to the user` : 'nothing moves back'}
                {kept.length ? `; ${listOf(kept)} stay with the recipient` : ''}.
              </Text>
            ) : null}
            {staying.length ? (
              <Text size="sm" c="dimmed">
                Stays with the user (one-time transfers only): {staying.map(count).join(', ')}
                {staying.some((o) => o.type === 'workflow')
                  ? ' — the recipient gets edit access to the workflows'
                  : ''}
                .
              </Text>
            ) : null}
            {plan.sharedWithUser > 0 ? (
              <Text size="sm" c="dimmed">
                {plan.sharedWithUser} resource{plan.sharedWithUser === 1 ? ' is' : 's are'} shared with the
                user; the recipient gets the same access.
              </Text>
            ) : null}
          </Stack>
        </Paper>
      )}
      {recipientName && plan.recipientJoinsGroups.length > 0 ? (
        <Alert color="blue" variant="light" icon={<IconInfoCircle size={18} />} data-testid="groups-notice">
          {recipientName} is not in all of the user’s groups and will be added to{' '}
          <b>{plan.recipientJoinsGroups.map((g) => g.name).join(', ')}</b>, so work routed to those groups
          stays reachable. Roles do not transfer.
        </Alert>
      ) : null}
      {plan.warnings.map((w) => (
        <Alert
          key={w.code}
          color={w.code === 'workflows_shared_with_nobody' ? 'orange' : 'yellow'}
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          data-testid={`warning-${w.code}`}
        >
          {w.message}
          {w.items?.length && w.code === 'workflows_shared_with_nobody' ? (
            <List size="sm" mt={4}>
              {w.items.slice(0, 8).map((i) => (
                <List.Item key={i.id}>{i.name}</List.Item>
              ))}
            </List>
          ) : null}
        </Alert>
      ))}
    </Stack>
  );
}

// ---------------------------------------------------------------- Transfer Ownership

export function TransferOwnershipDialog({
  tenantId,
  user,
  onClose,
}: {
  tenantId: string;
  user: Subject | null;
  onClose: () => void;
}) {
  const zone = useTenantZone(tenantId);
  const [kind, setKind] = useState<'one_time' | 'duration'>('one_time');
  const [recipientId, setRecipientId] = useState<string | null>(null);
  const [recipientName, setRecipientName] = useState<string | null>(null);
  const [at, setAt] = useState<DateHour>({ date: dayIn(zone, 1), hour: 9 });
  const [start, setStart] = useState<DateHour>({ date: dayIn(zone, 1), hour: 9 });
  const [end, setEnd] = useState<DateHour>({ date: dayIn(zone, 8), hour: 9 });
  const [blockSignIn, setBlockSignIn] = useState(false);
  const request = useRequestTransfer(tenantId, user?.id ?? '');
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens for a user
  useEffect(() => {
    if (!user) return;
    setKind('one_time');
    setRecipientId(null);
    setRecipientName(null);
    setAt({ date: dayIn(zone, 1), hour: 9 });
    setStart({ date: dayIn(zone, 1), hour: 9 });
    setEnd({ date: dayIn(zone, 8), hour: 9 });
    setBlockSignIn(false);
    request.reset();
  }, [user?.id, zone]);
  const body: TransferRequest | null = useMemo(() => {
    if (!recipientId) return null;
    return kind === 'one_time' ? { kind, recipientId, at } : { kind, recipientId, start, end, blockSignIn };
  }, [kind, recipientId, at, start, end, blockSignIn]);
  const [debounced] = useDebouncedValue(body, 300);
  const preview = useTransferPreview(tenantId, user?.id ?? '', user ? debounced : null);
  if (!user) return null;
  // the hour running now means now (the server says when, once it has answered)
  const startsNow = preview.data ? new Date(preview.data.startsAt).getTime() <= Date.now() + 60_000 : false;
  const submit = () => {
    if (!body) return;
    request.mutate(body, {
      onSuccess: (t) => {
        notifyDone(
          t.status === 'scheduled'
            ? `Transfer scheduled for ${formatInZone(t.startsAt, t.timeZone)}`
            : t.kind === 'duration'
              ? `Ownerships of ${nameOf(user)} moved until ${formatInZone(t.endsAt!, t.timeZone)}`
              : `Ownerships of ${nameOf(user)} transferred`,
        );
        onClose();
      },
    });
  };
  return (
    <Modal
      opened
      onClose={onClose}
      size="lg"
      centered
      title={
        <Group gap="xs">
          <IconArrowsExchange size={20} />
          <Text fw={600}>Transfer ownership — {nameOf(user)}</Text>
        </Group>
      }
    >
      <Stack>
        <Radio.Group
          label="Type of transfer"
          value={kind}
          onChange={(v) => setKind(v as typeof kind)}
          data-testid="transfer-kind"
        >
          <Stack gap="xs" mt={6}>
            <Radio
              value="one_time"
              label="One-time"
              description="At the date and hour, every ownership moves to the recipient for good. Cannot be undone once it ran."
            />
            <Radio
              value="duration"
              label="Duration"
              description="For a period: at the end, everything except jobs moves back to the user. Jobs stay with the recipient."
            />
          </Stack>
        </Radio.Group>
        {kind === 'one_time' ? (
          <DateHourInput label="Transfer" value={at} onChange={setAt} testId="transfer-at" />
        ) : (
          <>
            <SimpleGrid cols={2}>
              <DateHourInput label="Start" value={start} onChange={setStart} testId="transfer-start" />
              <DateHourInput label="End" value={end} onChange={setEnd} testId="transfer-end" />
            </SimpleGrid>
            <Checkbox
              label="Disable user sign-in during this time"
              description="Sessions end at the start; signing in and API tokens are refused until the end."
              checked={blockSignIn}
              onChange={(e) => setBlockSignIn(e.currentTarget.checked)}
            />
          </>
        )}
        <Text size="xs" c="dimmed">
          Dates and hours are in the tenant’s time zone, {zone}. The current hour means now.
        </Text>
        <RecipientSelect
          tenantId={tenantId}
          excludeId={user.id}
          value={recipientId}
          onChange={(id, name) => {
            setRecipientId(id);
            setRecipientName(name);
          }}
          required
        />
        {!recipientId ? (
          <Text size="sm" c="dimmed">
            Pick the member who receives the ownerships to see what moves.
          </Text>
        ) : null}
        {preview.data ? (
          <PlanSummary
            plan={preview.data.plan}
            recipientName={recipientName}
            duration={kind === 'duration'}
          />
        ) : preview.isFetching ? (
          <Loader size="sm" />
        ) : null}
        {preview.error instanceof ApiError && !request.error ? <ErrorAlert error={preview.error} /> : null}
        <ErrorAlert error={request.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} disabled={!body || !!preview.error} loading={request.isPending}>
            {startsNow ? 'Transfer now' : 'Schedule transfer'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

// ---------------------------------------------------------------- Remove User

export function RemoveUserDialog({
  tenantId,
  user,
  onClose,
  onRemoved,
}: {
  tenantId: string;
  user: Subject | null;
  onClose: () => void;
  onRemoved?: () => void;
}) {
  const zone = useTenantZone(tenantId);
  const [when, setWhen] = useState<'immediate' | 'scheduled'>('immediate');
  const [at, setAt] = useState<DateHour>({ date: dayIn(zone, 1), hour: 18 });
  const [recipientId, setRecipientId] = useState<string | null>(null);
  const [recipientName, setRecipientName] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const remove = useRemoveUser(tenantId, user?.id ?? '');
  const preview = useRemovalPreview(tenantId, user?.id ?? '', recipientId, user !== null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens for a user
  useEffect(() => {
    setWhen('immediate');
    setRecipientId(null);
    setAt({ date: dayIn(zone, 1), hour: 18 });
    setTyped('');
    remove.reset();
  }, [user?.id, zone]);
  if (!user) return null;
  const plan = preview.data?.plan;
  const needsRecipient = plan?.recipientRequired ?? false;
  // "Immediately" stays the default (a scheduled removal runs later without asking again), but
  // nothing can take it back, so the name is typed first
  const confirmed = when === 'scheduled' || sameText(typed, nameOf(user));
  const submit = () =>
    remove.mutate(
      { when, ...(when === 'scheduled' ? { at } : {}), ...(recipientId ? { transferTo: recipientId } : {}) },
      {
        onSuccess: (r) => {
          notifyDone(
            r.scheduled
              ? `${nameOf(user)} will be removed on ${formatInZone(r.scheduled.startsAt, r.scheduled.timeZone)}`
              : `${nameOf(user)} removed`,
          );
          onClose();
          if (!r.scheduled) onRemoved?.();
        },
      },
    );
  return (
    <Modal
      opened
      onClose={onClose}
      size="lg"
      centered
      title={<Text fw={600}>Remove user — {nameOf(user)}</Text>}
    >
      <Stack>
        <Radio.Group label="When" value={when} onChange={(v) => setWhen(v as typeof when)}>
          <Stack gap="xs" mt={6}>
            <Radio
              value="immediate"
              label="Immediately"
              description="Ownerships move and the user is removed now. This cannot be cancelled or undone."
            />
            <Radio
              value="scheduled"
              label="Schedule"
              description="At a date and hour; you can cancel it any time before."
            />
          </Stack>
        </Radio.Group>
        {when === 'scheduled' ? (
          <>
            <DateHourInput label="Removal" value={at} onChange={setAt} testId="remove-at" />
            <Text size="xs" c="dimmed">
              In the tenant’s time zone, {zone}.
            </Text>
          </>
        ) : null}
        <RecipientSelect
          tenantId={tenantId}
          excludeId={user.id}
          value={recipientId}
          onChange={(id, name) => {
            setRecipientId(id);
            setRecipientName(name);
          }}
          required={needsRecipient}
          description={
            needsRecipient
              ? 'Required: the user owns items. All future activity on them goes to this member.'
              : 'Optional: the user owns nothing that needs a new owner.'
          }
        />
        {plan ? (
          <PlanSummary plan={plan} recipientName={recipientName} duration={false} />
        ) : (
          <Loader size="sm" />
        )}
        {when === 'immediate' ? (
          <TypeToConfirm text={nameOf(user)} value={typed} onChange={setTyped} />
        ) : null}
        <ErrorAlert error={remove.error ?? preview.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            onClick={submit}
            loading={remove.isPending}
            disabled={!plan || (needsRecipient && !recipientId) || !confirmed}
          >
            {when === 'immediate' ? 'Remove user now' : 'Schedule removal'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

// ---------------------------------------------------------------- the clock marker

const KIND_LABEL: Record<Transfer['kind'], string> = {
  one_time: 'One-time ownership transfer',
  duration: 'Ownership transfer for a duration',
  removal: 'Scheduled removal',
};

export function PendingChangeMarker({
  change,
  onClick,
  name,
  labelled,
}: {
  change: PendingChange;
  onClick: () => void;
  name: string;
  /** With its text beside the clock (the user's page); the lists show the clock alone. */
  labelled?: boolean;
}) {
  // on the clocks the date and hour were picked on
  const when = (iso: string) => formatInZone(iso, change.timeZone);
  const what =
    change.kind === 'removal'
      ? `Removal scheduled for ${when(change.startsAt)}`
      : change.status === 'active'
        ? `Ownerships with ${change.recipient?.name ?? 'a recipient'} until ${when(change.endsAt!)}`
        : `Transfer to ${change.recipient?.name ?? 'a recipient'} scheduled for ${when(change.startsAt)}`;
  if (labelled)
    return (
      <Button
        size="compact-sm"
        variant="light"
        color={change.kind === 'removal' ? 'red' : 'orange'}
        leftSection={<IconClock size={14} />}
        onClick={onClick}
        aria-label={`Pending change of ${name}`}
        data-testid={`pending-change-${change.kind}`}
      >
        {what}
      </Button>
    );
  return (
    <Tooltip label={`${what} — select to see or cancel`}>
      <ActionIcon
        variant="subtle"
        color={change.kind === 'removal' ? 'red' : 'orange'}
        aria-label={`Pending change of ${name}`}
        data-testid={`pending-change-${change.kind}`}
        onClick={onClick}
      >
        <IconClock size={18} />
      </ActionIcon>
    </Tooltip>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group justify="space-between" wrap="nowrap" align="flex-start">
      <Text size="sm" c="dimmed" w={140}>
        {label}
      </Text>
      <Text size="sm" ta="right" style={{ flex: 1 }}>
        {children}
      </Text>
    </Group>
  );
}

export function PendingChangeDialog({
  tenantId,
  transferId,
  onClose,
}: {
  tenantId: string;
  transferId: string | null;
  onClose: () => void;
}) {
  const transfer = useTransfer(tenantId, transferId);
  const cancel = useCancelTransfer(tenantId);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when another change is shown
  useEffect(() => cancel.reset(), [transferId]);
  if (!transferId) return null;
  const x = transfer.data;
  const removal = x?.kind === 'removal';
  return (
    <Modal
      opened
      onClose={onClose}
      centered
      title={
        <Group gap="xs">
          <IconClock size={20} />
          <Text fw={600}>{x ? KIND_LABEL[x.kind] : 'Pending change'}</Text>
        </Group>
      }
    >
      {!x ? (
        <Loader size="sm" />
      ) : (
        <Stack>
          <Row label="User">{nameOf(x.user)}</Row>
          {x.recipient ? (
            <Row label={removal ? 'Ownerships to' : 'Transfer to'}>{nameOf(x.recipient)}</Row>
          ) : null}
          <Row label={x.kind === 'duration' ? 'Starts' : removal ? 'Removal at' : 'Transfer at'}>
            {formatInZone(x.startsAt, x.timeZone)}
          </Row>
          {x.endsAt ? <Row label="Ends">{formatInZone(x.endsAt, x.timeZone)}</Row> : null}
          {x.kind === 'duration' ? (
            <Row label="User sign-in">{x.blockSignIn ? 'Disabled until the end' : 'Allowed'}</Row>
          ) : null}
          <Row label="Status">
            <Badge variant="light" color={x.status === 'active' ? 'orange' : 'gray'}>
              {x.status === 'active' ? 'In progress' : x.status}
            </Badge>
          </Row>
          <Row label="Requested by">{x.requestedBy.label}</Row>
          <Text size="xs" c="dimmed">
            Times are in {x.timeZone}.{' '}
            {x.status === 'active'
              ? 'Cancelling now moves everything but jobs back to the user, as at the end.'
              : 'Cancelling before it starts changes nothing.'}
          </Text>
          <ErrorAlert error={cancel.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Close
            </Button>
            {x.cancellable ? (
              <Button
                color="red"
                loading={cancel.isPending}
                onClick={() =>
                  cancel.mutate(x.id, {
                    onSuccess: () => {
                      notifyDone(removal ? 'Scheduled removal cancelled' : 'Transfer cancelled');
                      onClose();
                    },
                  })
                }
              >
                {removal ? 'Cancel removal' : 'Cancel transfer'}
              </Button>
            ) : null}
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

// ---------------------------------------------------------------- Shared Workflows

export function SharedWorkflowsDialog({
  tenantId,
  user,
  canEdit,
  onClose,
}: {
  tenantId: string;
  user: Subject | null;
  canEdit: boolean;
  onClose: () => void;
}) {
  const shared = useSharedWithUser(tenantId, user?.id ?? null);
  const save = useChangeShared(tenantId, user?.id ?? '');
  // resource id → new level, or null to stop sharing
  const [edits, setEdits] = useState<Map<string, ShareLevel | null>>(new Map());
  const [checked, setChecked] = useState<Set<string>>(new Set());
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens for a user
  useEffect(() => {
    setEdits(new Map());
    setChecked(new Set());
    save.reset();
  }, [user?.id]);
  if (!user) return null;
  const items = shared.data?.items ?? [];
  const visible = items.filter((i) => edits.get(i.resource.id) !== null);
  const edit = (id: string, level: ShareLevel | null) => {
    const next = new Map(edits);
    const original = items.find((i) => i.resource.id === id)?.level;
    if (level === original) next.delete(id);
    else next.set(id, level);
    setEdits(next);
  };
  const stopChecked = () => {
    const next = new Map(edits);
    for (const id of checked) next.set(id, null);
    setEdits(next);
    setChecked(new Set());
  };
  const submit = () =>
    save.mutate(
      [...edits].map(([resourceId, level]) => ({ resourceId, level })),
      {
        onSuccess: () => {
          notifyDone('Sharing saved');
          onClose();
        },
        onError: notifyError,
      },
    );
  return (
    <Modal
      opened
      onClose={onClose}
      size="xl"
      centered
      title={<Text fw={600}>Shared with {nameOf(user)}</Text>}
    >
      <Stack>
        {shared.isLoading ? <Loader size="sm" /> : null}
        {!shared.isLoading && visible.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nothing is shared with {user.firstName}
            {edits.size ? ' once you save' : ''}.
          </Text>
        ) : null}
        {checked.size > 0 ? (
          <Group
            justify="space-between"
            px="sm"
            py={6}
            bg="indigo.0"
            style={{ borderRadius: 8 }}
            data-testid="stop-sharing-bar"
          >
            <Text size="sm">{checked.size} selected</Text>
            <Group gap="xs">
              <Button size="xs" variant="default" onClick={() => setChecked(new Set())}>
                Clear all
              </Button>
              <Button size="xs" color="red" onClick={stopChecked}>
                Stop sharing
              </Button>
            </Group>
          </Group>
        ) : null}
        {visible.length > 0 ? (
          <Table verticalSpacing={6} data-testid="shared-table">
            <Table.Thead>
              <Table.Tr>
                {canEdit ? <Table.Th w={36} /> : null}
                <Table.Th>Name</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Owner</Table.Th>
                <Table.Th w={140}>Access</Table.Th>
                {canEdit ? <Table.Th w={40} /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {visible.map((i) => (
                <Table.Tr key={i.resource.id}>
                  {canEdit ? (
                    <Table.Td>
                      <Checkbox
                        aria-label={`Select ${i.resource.name}`}
                        checked={checked.has(i.resource.id)}
                        onChange={() => {
                          const next = new Set(checked);
                          if (next.has(i.resource.id)) next.delete(i.resource.id);
                          else next.add(i.resource.id);
                          setChecked(next);
                        }}
                      />
                    </Table.Td>
                  ) : null}
                  <Table.Td>
                    {i.resource.url ? (
                      <Anchor href={i.resource.url} target="_blank" rel="noreferrer" size="sm">
                        {i.resource.name}
                      </Anchor>
                    ) : (
                      <Text size="sm">{i.resource.name}</Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color="gray" tt="none" radius="sm">
                      {i.resource.typeLabel}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{nameOf(i.resource.owner)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Select
                      size="xs"
                      aria-label={`Access to ${i.resource.name}`}
                      data={[
                        { value: 'view', label: 'Can view' },
                        { value: 'edit', label: 'Can edit' },
                      ]}
                      value={edits.get(i.resource.id) ?? i.level}
                      onChange={(v) => edit(i.resource.id, (v ?? i.level) as ShareLevel)}
                      allowDeselect={false}
                      disabled={!canEdit}
                    />
                  </Table.Td>
                  {canEdit ? (
                    <Table.Td>
                      <Tooltip label="Stop sharing">
                        <ActionIcon
                          variant="subtle"
                          color="gray"
                          aria-label={`Stop sharing ${i.resource.name}`}
                          onClick={() => edit(i.resource.id, null)}
                        >
                          <IconX size={16} />
                        </ActionIcon>
                      </Tooltip>
                    </Table.Td>
                  ) : null}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : null}
        <ErrorAlert error={save.error} />
        <Group justify="space-between">
          <Text size="xs" c="dimmed">
            {edits.size ? `${edits.size} unsaved change${edits.size === 1 ? '' : 's'}` : ''}
          </Text>
          <Group>
            <Button variant="default" onClick={onClose}>
              Close
            </Button>
            {canEdit ? (
              <Button onClick={submit} disabled={edits.size === 0} loading={save.isPending}>
                Save
              </Button>
            ) : null}
          </Group>
        </Group>
      </Stack>
    </Modal>
  );
}
