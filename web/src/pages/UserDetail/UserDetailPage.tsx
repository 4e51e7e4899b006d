import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Menu,
  MultiSelect,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import {
  IconChevronDown,
  IconDoorExit,
  IconLock,
  IconMailCheck,
  IconMailQuestion,
} from '@tabler/icons-react';
import { Link, useNavigate, useParams } from '@tanstack/react-router';
import { type ReactNode, useEffect, useState } from 'react';
import {
  useGroups,
  useManagedUsers,
  useMe,
  usePermissions,
  useRoles,
  useSendVerification,
  useSetManagers,
  useSetSkills,
  useSetUserGroups,
  useSetUserRoles,
  useSkills,
  useTenant,
  useUpdateUser,
  useUser,
  useUserAction,
  useUsers,
} from '../../api/hooks.ts';
import type { UserDetail } from '../../api/types.ts';
import { ConfirmDialog } from '../../ui/confirm.tsx';
import {
  ErrorAlert,
  formatDate,
  formatDateTime,
  notifyDone,
  notifyError,
  StatusBadge,
  UserAvatar,
} from '../../ui/index.tsx';
import { LOCALES, LocaleSelect, TimeZoneSelect } from '../../ui/zones.tsx';
import { ActiveRunsNotice } from '../Flows/ActiveRunsNotice.tsx';
import { OffboardDialog } from '../Flows/OffboardDialog.tsx';
import {
  PendingChangeDialog,
  PendingChangeMarker,
  RemoveUserDialog,
  SharedWorkflowsDialog,
  TransferOwnershipDialog,
} from '../Users/ownership-dialogs.tsx';
import { confirmationOf, type StatusAction, statusChanged } from '../Users/status-changes.tsx';
import { OwnershipsTab } from './OwnershipsTab.tsx';
import { SecurityTab } from './SecurityTab.tsx';

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm">{children || '—'}</Text>
    </Stack>
  );
}

function InfoTab({ tenantId, user, canEdit }: { tenantId: string; user: UserDetail; canEdit: boolean }) {
  const update = useUpdateUser(tenantId, user.id);
  const fields = [
    'firstName',
    'lastName',
    'email',
    'username',
    'jobTitle',
    'department',
    'employeeId',
    'hireDate',
    'leaveDate',
    'timeZone',
    'locale',
  ] as const;
  const labels: Record<(typeof fields)[number], string> = {
    firstName: 'First name',
    lastName: 'Last name',
    email: 'Email',
    username: 'Username',
    jobTitle: 'Job title',
    department: 'Department',
    employeeId: 'Employee id',
    hireDate: 'Hire date',
    leaveDate: 'Leave date',
    timeZone: 'Time zone',
    locale: 'Language',
  };
  const initial = () =>
    Object.fromEntries(fields.map((f) => [f, (user[f] as string | null) ?? ''])) as Record<
      (typeof fields)[number],
      string
    >;
  const [form, setForm] = useState(initial);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens or its subject changes
  useEffect(() => setForm(initial()), [user]);
  const mastered = (f: string) => user.source !== null && user.sourceAttributes.includes(f);
  const save = () => {
    const body: Record<string, unknown> = {};
    for (const f of fields) {
      const before = (user[f] as string | null) ?? '';
      if (form[f] !== before)
        body[f] = form[f].trim() === '' && !['firstName', 'lastName'].includes(f) ? null : form[f].trim();
    }
    if (Object.keys(body).length === 0) return;
    update.mutate(body, { onSuccess: () => notifyDone('Profile saved') });
  };
  return (
    <Paper withBorder radius="lg" p="lg">
      {user.source ? (
        <Alert color="blue" variant="light" mb="md" icon={<IconLock size={16} />}>
          Provisioned by {user.source.toUpperCase()}: {user.sourceAttributes.join(', ')} change only in that
          directory.
        </Alert>
      ) : null}
      <SimpleGrid cols={{ base: 1, md: 3 }} spacing="md">
        {fields.map((f) =>
          f === 'timeZone' || f === 'locale' ? (
            <ZonePicker
              key={f}
              field={f}
              tenantId={tenantId}
              label={labels[f]}
              value={form[f] || null}
              disabled={!canEdit || mastered(f)}
              onChange={(v) => setForm({ ...form, [f]: v ?? '' })}
            />
          ) : (
            <TextInput
              key={f}
              label={labels[f]}
              type={f.endsWith('Date') ? 'date' : 'text'}
              value={form[f]}
              disabled={!canEdit || mastered(f)}
              rightSection={mastered(f) ? <IconLock size={14} /> : undefined}
              onChange={(e) => setForm({ ...form, [f]: e.currentTarget.value })}
            />
          ),
        )}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 3 }} spacing="md" mt="lg">
        <Field label="Type">{user.kind === 'external' ? 'External (portal)' : 'Internal'}</Field>
        <Field label="Phone">{user.phoneNumbers.map((p) => `${p.number} (${p.type})`).join(', ')}</Field>
        <Field label="Created">{formatDateTime(user.createdAt)}</Field>
      </SimpleGrid>
      {user.idpGroups.length ? (
        <Stack gap={4} mt="lg">
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            Groups from the identity provider
          </Text>
          <Group gap={6}>
            {user.idpGroups.map((g) => (
              <Badge key={g.id ?? g.name} variant="outline" color="blue" tt="none">
                {g.name ?? g.id}
              </Badge>
            ))}
          </Group>
        </Stack>
      ) : null}
      <ErrorAlert error={update.error} />
      {canEdit ? (
        <Group justify="flex-end" mt="lg">
          <Button onClick={save} loading={update.isPending}>
            Save profile
          </Button>
        </Group>
      ) : null}
    </Paper>
  );
}

/** A user's time zone and language, from lists; unset, the tenant's apply (UTC when it has none). */
function ZonePicker({
  field,
  tenantId,
  label,
  value,
  disabled,
  onChange,
}: {
  field: 'timeZone' | 'locale';
  tenantId: string;
  label: string;
  value: string | null;
  disabled: boolean;
  onChange: (value: string | null) => void;
}) {
  const me = useMe();
  const tenant = useTenant(tenantId, me.data?.permissions.includes('tenants.read') ?? false);
  const settings = tenant.data?.settings;
  if (field === 'timeZone')
    return (
      <TimeZoneSelect
        label={label}
        placeholder={settings ? `Tenant’s: ${settings.timeZone ?? 'UTC'}` : 'The tenant’s time zone'}
        value={value}
        onChange={onChange}
        disabled={disabled}
        data-testid="user-time-zone"
      />
    );
  const tenantLocale = LOCALES.find((l) => l.value === settings?.locale)?.label ?? settings?.locale;
  return (
    <LocaleSelect
      label={label}
      placeholder={tenantLocale ? `Tenant’s: ${tenantLocale}` : 'Not set'}
      value={value}
      onChange={onChange}
      disabled={disabled}
      data-testid="user-locale"
    />
  );
}

function PeopleTable({
  tenantId,
  people,
}: {
  tenantId: string;
  people: Array<{
    id: string;
    firstName: string;
    lastName: string;
    email: string | null;
    status: string;
    initials: string;
  }>;
}) {
  if (people.length === 0)
    return (
      <Text c="dimmed" size="sm">
        Nobody.
      </Text>
    );
  return (
    <Table verticalSpacing={8}>
      <Table.Tbody>
        {people.map((p) => (
          <Table.Tr key={p.id}>
            <Table.Td>
              <Group gap="sm">
                <UserAvatar url={`/api/v1/tenants/${tenantId}/users/${p.id}/avatar`} initials={p.initials} />
                <Anchor component={Link} to={`/t/${tenantId}/users/${p.id}`} size="sm" fw={600} c="dark">
                  {p.firstName} {p.lastName}
                </Anchor>
              </Group>
            </Table.Td>
            <Table.Td>
              <Text size="sm" c="dimmed">
                {p.email}
              </Text>
            </Table.Td>
            <Table.Td>
              <StatusBadge status={p.status as UserDetail['status']} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function ManagersTab({ tenantId, user, canEdit }: { tenantId: string; user: UserDetail; canEdit: boolean }) {
  const candidates = useUsers(tenantId, { status: 'active', sort: 'lastName:asc' });
  const setManagers = useSetManagers(tenantId, user.id);
  const [ids, setIds] = useState(user.managers.map((m) => m.id));
  useEffect(() => setIds(user.managers.map((m) => m.id)), [user]);
  const options = (candidates.data?.pages.flatMap((p) => p.items) ?? [])
    .filter((u) => u.id !== user.id)
    .map((u) => ({ value: u.id, label: `${u.firstName} ${u.lastName}` }));
  return (
    <Paper withBorder radius="lg" p="lg">
      <Stack>
        <PeopleTable tenantId={tenantId} people={user.managers} />
        {canEdit ? (
          <Group align="flex-end">
            <MultiSelect label="Managers" data={options} value={ids} onChange={setIds} searchable w={420} />
            <Button
              onClick={() => setManagers.mutate(ids, { onSuccess: () => notifyDone('Managers saved') })}
              loading={setManagers.isPending}
            >
              Save managers
            </Button>
          </Group>
        ) : null}
        <ErrorAlert error={setManagers.error} />
      </Stack>
    </Paper>
  );
}

function ManagedTab({ tenantId, user }: { tenantId: string; user: UserDetail }) {
  const managed = useManagedUsers(tenantId, user.id);
  return (
    <Paper withBorder radius="lg" p="lg">
      <PeopleTable tenantId={tenantId} people={managed.data?.items ?? []} />
    </Paper>
  );
}

function GroupsTab({ tenantId, user, canEdit }: { tenantId: string; user: UserDetail; canEdit: boolean }) {
  const groups = useGroups(tenantId);
  const setGroups = useSetUserGroups(tenantId, user.id);
  const [ids, setIds] = useState(user.groups.map((g) => g.id));
  useEffect(() => setIds(user.groups.map((g) => g.id)), [user]);
  return (
    <Paper withBorder radius="lg" p="lg">
      <Stack>
        <Text size="sm" c="dimmed">
          Every user belongs to at least one group. A group’s role applies to its members.
        </Text>
        <MultiSelect
          label="Groups"
          data={(groups.data?.items ?? []).map((g) => ({
            value: g.id,
            label: g.role ? `${g.name} — role ${g.role.name}` : g.name,
          }))}
          value={ids}
          onChange={setIds}
          disabled={!canEdit}
          w={520}
        />
        <ErrorAlert error={setGroups.error} />
        {canEdit ? (
          <Group>
            <Button
              onClick={() => setGroups.mutate(ids, { onSuccess: () => notifyDone('Groups saved') })}
              loading={setGroups.isPending}
            >
              Save groups
            </Button>
          </Group>
        ) : null}
      </Stack>
    </Paper>
  );
}

function RolesTab({ tenantId, user, canEdit }: { tenantId: string; user: UserDetail; canEdit: boolean }) {
  const roles = useRoles(tenantId);
  const me = useMe();
  const permissions = usePermissions(tenantId, user.id);
  const setRoles = useSetUserRoles(tenantId, user.id);
  const [ids, setIds] = useState(user.roles.map((r) => r.id));
  useEffect(() => setIds(user.roles.map((r) => r.id)), [user]);
  const mine = new Set(me.data?.permissions ?? []);
  const options = (roles.data?.items ?? []).map((r) => {
    const beyond = r.permissions.filter((p) => !mine.has(p));
    return { value: r.id, label: r.name, disabled: beyond.length > 0 && !ids.includes(r.id) };
  });
  return (
    <Stack>
      <Paper withBorder radius="lg" p="lg">
        <Stack>
          <Text fw={600}>Direct roles</Text>
          <Text size="sm" c="dimmed">
            At least one. Roles with permissions you do not hold yourself cannot be granted.
          </Text>
          <MultiSelect
            data={options}
            value={ids}
            onChange={setIds}
            disabled={!canEdit}
            w={520}
            aria-label="Direct roles"
          />
          <ErrorAlert error={setRoles.error} />
          {canEdit ? (
            <Group>
              <Button
                onClick={() => setRoles.mutate(ids, { onSuccess: () => notifyDone('Roles saved') })}
                loading={setRoles.isPending}
              >
                Save roles
              </Button>
            </Group>
          ) : null}
        </Stack>
      </Paper>
      <Paper withBorder radius="lg" p={0} style={{ overflow: 'hidden' }}>
        <Group
          p="md"
          justify="space-between"
          style={{ borderBottom: '1px solid var(--mantine-color-gray-2)' }}
        >
          <Text fw={600}>Effective permissions</Text>
          <Text size="sm" c="dimmed">
            {permissions.data?.permissions.length ?? 0} granted
          </Text>
        </Group>
        <Table verticalSpacing={6} horizontalSpacing="md" data-testid="effective-permissions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Permission</Table.Th>
              <Table.Th>Why</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {permissions.data?.permissions.map((p) => (
              <Table.Tr key={p.permission}>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {p.permission}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {p.sources.map((s) => (
                      <Badge
                        key={s.label}
                        variant="light"
                        radius="sm"
                        tt="none"
                        color={
                          s.type === 'group_role' ? 'violet' : s.type === 'override' ? 'orange' : 'indigo'
                        }
                      >
                        {s.label}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
            {permissions.data?.denied.map((p) => (
              <Table.Tr key={`denied-${p.permission}`} bg="var(--mantine-color-red-0)">
                <Table.Td>
                  <Text size="sm" ff="monospace" td="line-through" c="red">
                    {p.permission}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge color="red" variant="light" tt="none">
                    denied by an override
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}

function SkillsTab({ tenantId, user, canEdit }: { tenantId: string; user: UserDetail; canEdit: boolean }) {
  const skills = useSkills(tenantId, user.id);
  const save = useSetSkills(tenantId, user.id);
  const [name, setName] = useState('');
  const [issuer, setIssuer] = useState('');
  const [expiresOn, setExpiresOn] = useState('');
  const items = skills.data?.items ?? [];
  const add = () =>
    save.mutate(
      [
        ...items.map(({ id: _, expired: __, expiresInDays: ___, ...s }) => s),
        {
          kind: expiresOn || issuer ? 'certification' : 'skill',
          name: name.trim(),
          issuer: issuer || null,
          issuedOn: null,
          expiresOn: expiresOn || null,
        },
      ],
      {
        onSuccess: () => {
          setName('');
          setIssuer('');
          setExpiresOn('');
        },
      },
    );
  return (
    <Paper withBorder radius="lg" p="lg">
      <Table verticalSpacing={6}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Issuer</Table.Th>
            <Table.Th>Expires</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td fw={600}>{s.name}</Table.Td>
              <Table.Td>{s.kind}</Table.Td>
              <Table.Td>{s.issuer ?? '—'}</Table.Td>
              <Table.Td>
                {s.expiresOn ? (
                  <Badge
                    color={s.expired ? 'red' : (s.expiresInDays ?? 99) <= 30 ? 'yellow' : 'teal'}
                    variant="light"
                  >
                    {s.expired
                      ? `expired ${formatDate(s.expiresOn)}`
                      : `${formatDate(s.expiresOn)} (${s.expiresInDays} days)`}
                  </Badge>
                ) : (
                  '—'
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {items.length === 0 ? (
        <Text c="dimmed" size="sm" mt="sm">
          No skills or certifications yet.
        </Text>
      ) : null}
      {canEdit ? (
        <Group align="flex-end" mt="md">
          <TextInput
            label="Skill or certification"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <TextInput label="Issuer" value={issuer} onChange={(e) => setIssuer(e.currentTarget.value)} />
          <TextInput
            label="Expires"
            type="date"
            value={expiresOn}
            onChange={(e) => setExpiresOn(e.currentTarget.value)}
          />
          <Button onClick={add} disabled={!name.trim()} loading={save.isPending}>
            Add
          </Button>
        </Group>
      ) : null}
      <ErrorAlert error={save.error} />
    </Paper>
  );
}

export function UserDetailPage() {
  const { tenantId, userId } = useParams({ strict: false }) as { tenantId: string; userId: string };
  const user = useUser(tenantId, userId);
  const me = useMe();
  const action = useUserAction(tenantId);
  const navigate = useNavigate();
  const [tab, setTab] = useState<string | null>('info');
  const [offboarding, setOffboarding] = useState(false);
  const [dialog, setDialog] = useState<null | 'transfer' | 'remove' | 'shared' | 'pending'>(null);
  const [confirming, setConfirming] = useState<StatusAction | null>(null);
  if (!user.data) return <ErrorAlert error={user.error} />;
  const u = user.data;
  const name = `${u.firstName} ${u.lastName}`;
  const can = (p: string) => me.data?.permissions.includes(p) ?? false;
  const change = (key: string) =>
    action.mutate(
      { userId: u.id, action: key },
      {
        onSuccess: (answer) => {
          setConfirming(null);
          const ended = (answer as { endedSessions?: number }).endedSessions ?? 0;
          if (key === 'suspend' || key === 'archive' || key === 'reactivate')
            notifyDone(statusChanged(key, name, ended));
          else notifyDone(`${name} signed out everywhere`);
        },
        onError: (e) => {
          setConfirming(null);
          notifyError(e);
        },
      },
    );
  const run = (key: string) => {
    if (key === 'transfer' || key === 'remove') setDialog(key);
    else if (key === 'suspend' || key === 'archive') setConfirming(key);
    else change(key);
  };
  const confirmation = confirming ? confirmationOf(confirming, [name]) : null;
  const statusActions = [
    { key: 'suspend', label: 'Suspend…', show: can('users.suspend') && u.status === 'active' },
    { key: 'reactivate', label: 'Reactivate', show: can('users.suspend') && u.status === 'suspended' },
    {
      key: 'revoke-access',
      label: 'Sign out everywhere',
      show: can('users.sessions') && u.status === 'active',
    },
    { key: 'archive', label: 'Archive…', show: can('users.archive') && u.status !== 'archived' },
    {
      key: 'transfer',
      label: 'Transfer ownership…',
      show: can('ownership.transfer') && !u.pendingChange,
    },
    {
      key: 'remove',
      label: 'Remove from tenant…',
      show: can('users.remove') && !u.pendingChange && me.data?.user.id !== u.id,
    },
  ].filter((a) => a.show);

  return (
    <>
      <Anchor component={Link} to={`/t/${tenantId}/users`} size="sm">
        ← Users
      </Anchor>
      <Group justify="space-between" my="lg" align="flex-start">
        <Group gap="lg">
          <UserAvatar url={u.avatarUrl} initials={u.initials} size={72} />
          <Stack gap={4}>
            <Group gap="sm">
              <Text fz={26} fw={650}>
                {u.firstName} {u.lastName}
              </Text>
              <StatusBadge status={u.status} />
              {u.kind === 'external' ? (
                <Badge variant="outline" color="gray">
                  External
                </Badge>
              ) : null}
              {u.pendingChange ? (
                <PendingChangeMarker
                  change={u.pendingChange}
                  name={`${u.firstName} ${u.lastName}`}
                  onClick={() => setDialog('pending')}
                  labelled
                />
              ) : null}
              {u.signInBlockedUntil ? (
                <Badge variant="light" color="orange" leftSection={<IconLock size={12} />} tt="none">
                  Sign-in disabled until {formatDateTime(u.signInBlockedUntil)}
                </Badge>
              ) : null}
              {(u.sharedCount ?? 0) > 0 && can('resources.read') ? (
                <Button size="compact-sm" variant="light" onClick={() => setDialog('shared')}>
                  Shared with {u.firstName} ({u.sharedCount})
                </Button>
              ) : null}
            </Group>
            <Text c="dimmed" size="sm">
              {[u.jobTitle, u.department, u.email ?? u.username].filter(Boolean).join(' · ')}
            </Text>
            <EmailVerification tenantId={tenantId} user={u} canSend={can('users.update')} />
            <Group gap={4}>
              {u.roles.map((r) => (
                <Badge key={r.id} variant="light" tt="none" radius="sm">
                  {r.name}
                </Badge>
              ))}
            </Group>
          </Stack>
        </Group>
        <Group gap="sm">
          {can('flows.run') && u.status !== 'archived' && u.status !== 'removed' ? (
            <Button
              color="red"
              variant="light"
              leftSection={<IconDoorExit size={16} />}
              onClick={() => setOffboarding(true)}
            >
              Offboard
            </Button>
          ) : null}
          {statusActions.length ? (
            <Menu position="bottom-end" shadow="md">
              <Menu.Target>
                <Button
                  variant="default"
                  rightSection={<IconChevronDown size={14} />}
                  loading={action.isPending}
                >
                  Actions
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                {statusActions.map((a) => (
                  <Menu.Item
                    key={a.key}
                    color={a.key === 'archive' || a.key === 'remove' ? 'red' : undefined}
                    onClick={() => run(a.key)}
                  >
                    {a.label}
                  </Menu.Item>
                ))}
              </Menu.Dropdown>
            </Menu>
          ) : null}
        </Group>
      </Group>
      {offboarding ? (
        <OffboardDialog
          tenantId={tenantId}
          user={u}
          opened={offboarding}
          onClose={() => setOffboarding(false)}
        />
      ) : null}
      {can('flows.read') ? (
        <ActiveRunsNotice
          tenantId={tenantId}
          userId={u.id}
          onStartOffboarding={
            can('flows.run') && u.status !== 'archived' && u.status !== 'removed'
              ? () => setOffboarding(true)
              : undefined
          }
        />
      ) : null}
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="info">Info</Tabs.Tab>
          <Tabs.Tab value="managers">Managers ({u.managers.length})</Tabs.Tab>
          <Tabs.Tab value="managed">Managed users ({u.managedUsersCount})</Tabs.Tab>
          <Tabs.Tab value="groups">Groups ({u.groups.length})</Tabs.Tab>
          <Tabs.Tab value="roles">Roles &amp; permissions</Tabs.Tab>
          <Tabs.Tab value="skills">Skills</Tabs.Tab>
          <Tabs.Tab value="ownerships">Ownerships</Tabs.Tab>
          {can('users.sessions') || can('users.passwords') ? (
            <Tabs.Tab value="security">Security</Tabs.Tab>
          ) : null}
        </Tabs.List>
        <Tabs.Panel value="info">
          <InfoTab tenantId={tenantId} user={u} canEdit={can('users.update')} />
        </Tabs.Panel>
        <Tabs.Panel value="managers">
          <ManagersTab tenantId={tenantId} user={u} canEdit={can('users.update')} />
        </Tabs.Panel>
        <Tabs.Panel value="managed">
          <ManagedTab tenantId={tenantId} user={u} />
        </Tabs.Panel>
        <Tabs.Panel value="groups">
          <GroupsTab tenantId={tenantId} user={u} canEdit={can('groups.manage')} />
        </Tabs.Panel>
        <Tabs.Panel value="roles">
          <RolesTab tenantId={tenantId} user={u} canEdit={can('roles.manage')} />
        </Tabs.Panel>
        <Tabs.Panel value="security">
          <SecurityTab tenantId={tenantId} user={u} can={can} />
        </Tabs.Panel>
        <Tabs.Panel value="skills">
          <SkillsTab tenantId={tenantId} user={u} canEdit={can('users.update')} />
        </Tabs.Panel>
        <Tabs.Panel value="ownerships">
          <OwnershipsTab tenantId={tenantId} userId={u.id} onShowChange={() => setDialog('pending')} />
        </Tabs.Panel>
      </Tabs>
      <ConfirmDialog
        opened={confirmation !== null}
        title={confirmation?.title ?? ''}
        confirmLabel={confirmation?.confirmLabel ?? ''}
        loading={action.isPending}
        onClose={() => setConfirming(null)}
        onConfirm={() => confirming && change(confirming)}
      >
        {confirmation?.body}
      </ConfirmDialog>
      <TransferOwnershipDialog
        tenantId={tenantId}
        user={dialog === 'transfer' ? u : null}
        onClose={() => setDialog(null)}
      />
      <RemoveUserDialog
        tenantId={tenantId}
        user={dialog === 'remove' ? u : null}
        onClose={() => setDialog(null)}
        onRemoved={() => void navigate({ to: `/t/${tenantId}/users` })}
      />
      <SharedWorkflowsDialog
        tenantId={tenantId}
        user={dialog === 'shared' ? u : null}
        canEdit={can('resources.manage')}
        onClose={() => setDialog(null)}
      />
      <PendingChangeDialog
        tenantId={tenantId}
        transferId={dialog === 'pending' ? (u.pendingChange?.id ?? null) : null}
        onClose={() => setDialog(null)}
      />
      <Tooltip.Group>{null}</Tooltip.Group>
    </>
  );
}

/** Whether the address is confirmed by its owner, and a way to ask them (again). */
function EmailVerification({
  tenantId,
  user,
  canSend,
}: {
  tenantId: string;
  user: UserDetail;
  canSend: boolean;
}) {
  const send = useSendVerification(tenantId, user.id);
  if (!user.email || user.status === 'removed') return null;
  if (user.emailVerified)
    return (
      <Group gap={4} data-testid="email-verified">
        <IconMailCheck size={14} color="var(--mantine-color-teal-7)" />
        <Text size="xs" c="teal.7">
          Email confirmed
        </Text>
      </Group>
    );
  return (
    <Group gap={6} data-testid="email-unverified">
      <IconMailQuestion size={14} color="var(--mantine-color-orange-7)" />
      <Text size="xs" c="orange.7">
        {send.isSuccess ? 'Confirmation link sent' : 'Email not confirmed yet'}
      </Text>
      {canSend && !send.isSuccess ? (
        <Anchor component="button" type="button" size="xs" onClick={() => send.mutate()}>
          Send confirmation link
        </Anchor>
      ) : null}
    </Group>
  );
}
