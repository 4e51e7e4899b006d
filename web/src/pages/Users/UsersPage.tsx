import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Collapse,
  Group,
  Menu,
  Paper,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import {
  IconArrowsExchange,
  IconAward,
  IconAwardFilled,
  IconChevronDown,
  IconChevronRight,
  IconChevronUp,
  IconMailForward,
  IconMailOff,
  IconPlus,
  IconSearch,
  IconSelector,
  IconSettings,
  IconShare,
  IconTrash,
  IconUpload,
  IconUserStar,
} from '@tabler/icons-react';
import { Link, useParams } from '@tanstack/react-router';
import { type ReactNode, useMemo, useState } from 'react';
import {
  useBulkAction,
  useGroups,
  useInvitationAction,
  useInvitations,
  useLicenseAction,
  useLicenses,
  useMe,
  useRoles,
  useUsers,
} from '../../api/hooks.ts';
import type { BulkResult, Group as GroupT, UserSummary } from '../../api/types.ts';
import { ConfirmDialog } from '../../ui/confirm.tsx';
import { ErrorAlert, notifyDone, notifyError, PageHeader, StatusBadge, UserAvatar } from '../../ui/index.tsx';
import { CreateGroupModal, CreateUserModal, GroupConfigModal, PickManyModal } from './dialogs.tsx';
import { ExportButton } from './ExportButton.tsx';
import { InviteDialog } from './InviteDialog.tsx';
import {
  PendingChangeDialog,
  PendingChangeMarker,
  RemoveUserDialog,
  SharedWorkflowsDialog,
  TransferOwnershipDialog,
} from './ownership-dialogs.tsx';
import { confirmationOf, notifyBulkResult } from './status-changes.tsx';

/** Which ownership dialog is open, for whom (reference 003's share, transfer, trash and clock icons). */
type OwnershipDialog =
  | { kind: 'shared' | 'transfer' | 'remove'; user: UserSummary }
  | { kind: 'pending'; transferId: string };

const TABS = [
  { value: 'active', label: 'Active' },
  { value: 'pending', label: 'Pending' },
  { value: 'suspended', label: 'Suspended' },
  { value: 'archived', label: 'Archived' },
  { value: 'all', label: 'All' },
] as const;

type SortKey = 'lastName' | 'firstName' | 'email' | 'status';

function SortHeader({
  label,
  field,
  sort,
  onSort,
}: {
  label: string;
  field: SortKey;
  sort: string;
  onSort: (s: string) => void;
}) {
  const [current, dir] = sort.split(':');
  const active = current === field;
  const Icon = !active ? IconSelector : dir === 'desc' ? IconChevronUp : IconChevronDown;
  return (
    <Table.Th>
      <UnstyledButton
        onClick={() => onSort(`${field}:${active && dir === 'asc' ? 'desc' : 'asc'}`)}
        aria-label={`Sort by ${label}`}
      >
        <Group gap={4} wrap="nowrap">
          <Text size="sm" fw={600}>
            {label}
          </Text>
          <Icon size={14} stroke={1.5} />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

/** One table per group, as administrators think of their tenant: header bar, selection, rows. */
function GroupTable({
  tenantId,
  group,
  users,
  selected,
  setSelected,
  sort,
  onSort,
  onConfigure,
  canManageGroups,
  invitations,
  onLicense,
  onInvitation,
  canLicense,
  onOwnership,
  can,
  meId,
}: {
  tenantId: string;
  group: GroupT;
  users: UserSummary[];
  selected: Set<string>;
  setSelected: (s: Set<string>) => void;
  sort: string;
  onSort: (s: string) => void;
  onConfigure: (g: GroupT) => void;
  canManageGroups: boolean;
  invitations: Map<string, string>;
  onLicense: (u: UserSummary) => void;
  onInvitation: (invitationId: string, action: 'resend' | 'cancel') => void;
  canLicense: boolean;
  onOwnership: (d: OwnershipDialog) => void;
  can: (permission: string) => boolean;
  /** The signed-in user: no one removes themselves (rule 14). */
  meId: string | undefined;
}) {
  const [open, { toggle }] = useDisclosure(true);
  const chosen = users.filter((u) => selected.has(u.id)).length;
  const all = users.length > 0 && chosen === users.length;
  const some = chosen > 0 && !all;
  const toggleAll = () => {
    const next = new Set(selected);
    for (const u of users) {
      if (all) next.delete(u.id);
      else next.add(u.id);
    }
    setSelected(next);
  };
  return (
    <Paper
      withBorder
      radius="lg"
      mb="md"
      style={{ overflow: 'hidden' }}
      data-testid={`group-table-${group.name}`}
    >
      <Group
        justify="space-between"
        px="md"
        py="sm"
        style={{
          background: 'var(--mantine-color-gray-0)',
          borderBottom: open ? '1px solid var(--mantine-color-gray-2)' : undefined,
        }}
      >
        <Group gap="sm">
          <Checkbox
            checked={all}
            indeterminate={some}
            onChange={toggleAll}
            aria-label={`Select all in ${group.name}`}
            disabled={users.length === 0}
          />
          <Text fw={650}>{group.name}</Text>
          <Badge variant="light" color="gray" radius="sm">
            {users.length}
          </Badge>
          {group.isDefault ? (
            <Badge variant="outline" color="gray" radius="sm" size="sm">
              Default
            </Badge>
          ) : null}
          {group.source ? (
            <Tooltip label="Provisioned by the identity provider: its name and members change there">
              <Badge variant="light" color="blue" radius="sm" size="sm">
                From {group.source.toUpperCase()}
              </Badge>
            </Tooltip>
          ) : null}
          <Text size="sm" c="dimmed">
            Group role: <b>{group.role?.name ?? 'None'}</b>
          </Text>
          <Text size="sm" c="dimmed">
            · Default member:{' '}
            <b>
              {group.defaultMember
                ? `${group.defaultMember.firstName} ${group.defaultMember.lastName}`
                : 'None'}
            </b>
          </Text>
        </Group>
        <Group gap={4}>
          {canManageGroups ? (
            <Tooltip label="Group configuration">
              <ActionIcon
                variant="subtle"
                color="gray"
                onClick={() => onConfigure(group)}
                aria-label={`Configure ${group.name}`}
              >
                <IconSettings size={18} />
              </ActionIcon>
            </Tooltip>
          ) : null}
          <ActionIcon
            variant="subtle"
            color="gray"
            onClick={toggle}
            aria-label={open ? `Collapse ${group.name}` : `Expand ${group.name}`}
          >
            {open ? <IconChevronDown size={18} /> : <IconChevronRight size={18} />}
          </ActionIcon>
        </Group>
      </Group>
      <Collapse expanded={open}>
        {users.length === 0 ? (
          <Text c="dimmed" size="sm" p="md">
            No users here match.
          </Text>
        ) : (
          // a narrow window scrolls the table sideways rather than cutting badges and columns
          <Table.ScrollContainer minWidth={1040}>
            <Table highlightOnHover verticalSpacing={8} horizontalSpacing="md">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={40} />
                  <SortHeader label="Last name" field="lastName" sort={sort} onSort={onSort} />
                  <SortHeader label="First name" field="firstName" sort={sort} onSort={onSort} />
                  {/* people without an address sign in with a username, shown in its place */}
                  <SortHeader label="Email or username" field="email" sort={sort} onSort={onSort} />
                  <Table.Th miw={130}>Role</Table.Th>
                  <SortHeader label="Status" field="status" sort={sort} onSort={onSort} />
                  <Table.Th w={170}>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.map((u) => (
                  <Table.Tr key={u.id} bg={selected.has(u.id) ? 'var(--mantine-color-indigo-0)' : undefined}>
                    <Table.Td>
                      <Checkbox
                        checked={selected.has(u.id)}
                        aria-label={`Select ${u.firstName} ${u.lastName}`}
                        onChange={() => {
                          const next = new Set(selected);
                          if (next.has(u.id)) next.delete(u.id);
                          else next.add(u.id);
                          setSelected(next);
                        }}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Group gap="sm" wrap="nowrap">
                        <UserAvatar url={u.avatarUrl} initials={u.initials} />
                        <Anchor
                          component={Link}
                          to={`/t/${tenantId}/users/${u.id}`}
                          fw={600}
                          c="dark"
                          size="sm"
                        >
                          {u.lastName}
                        </Anchor>
                        {group.defaultMember?.id === u.id ? (
                          <Tooltip label="Default member of this group">
                            <IconUserStar size={16} color="var(--mantine-color-indigo-6)" />
                          </Tooltip>
                        ) : null}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{u.firstName}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c={u.email ? undefined : 'dimmed'}>
                        {u.email ?? u.username}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {u.roles.map((r) => (
                          <Badge
                            key={r.id}
                            variant="light"
                            radius="sm"
                            tt="none"
                            color={r.key === 'super_admin' ? 'grape' : 'indigo'}
                          >
                            {r.name}
                          </Badge>
                        ))}
                        {group.role ? (
                          <Badge variant="outline" radius="sm" tt="none" color="gray">
                            {group.role.name} ({group.name})
                          </Badge>
                        ) : null}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={u.status} />
                    </Table.Td>
                    <Table.Td>
                      <Group gap={2} wrap="nowrap">
                        {canLicense && u.status !== 'archived' ? (
                          // filled when licensed, outlined when not: the two states differ by shape, not colour alone
                          <Tooltip
                            label={
                              u.licensed
                                ? 'Licensed — select to unregister the licence'
                                : 'No licence — select to register one'
                            }
                          >
                            <ActionIcon
                              variant="subtle"
                              color={u.licensed ? 'yellow.8' : 'gray'}
                              aria-label={`${u.licensed ? 'Licensed' : 'No licence'}: ${u.licensed ? 'unregister the licence of' : 'register a licence to'} ${u.firstName} ${u.lastName}`}
                              data-licensed={u.licensed}
                              data-testid={`licence-${u.id}`}
                              onClick={() => onLicense(u)}
                            >
                              {u.licensed ? (
                                <IconAwardFilled size={18} />
                              ) : (
                                <IconAward size={18} stroke={1.6} />
                              )}
                            </ActionIcon>
                          </Tooltip>
                        ) : null}
                        {u.status === 'pending' && invitations.get(u.id) ? (
                          <>
                            <Tooltip label="Resend invitation">
                              <ActionIcon
                                variant="subtle"
                                color="indigo"
                                aria-label={`Resend invitation to ${u.email}`}
                                onClick={() => onInvitation(invitations.get(u.id)!, 'resend')}
                              >
                                <IconMailForward size={18} />
                              </ActionIcon>
                            </Tooltip>
                            <Tooltip label="Cancel invitation (the pending user stays)">
                              <ActionIcon
                                variant="subtle"
                                color="red"
                                aria-label={`Cancel invitation to ${u.email}`}
                                onClick={() => onInvitation(invitations.get(u.id)!, 'cancel')}
                              >
                                <IconMailOff size={18} />
                              </ActionIcon>
                            </Tooltip>
                          </>
                        ) : null}
                        {(u.sharedCount ?? 0) > 0 && can('resources.read') ? (
                          <Tooltip label={`Shared with ${u.firstName}: ${u.sharedCount}`}>
                            <ActionIcon
                              variant="subtle"
                              color="indigo"
                              aria-label={`Shared with ${u.firstName} ${u.lastName}`}
                              onClick={() => onOwnership({ kind: 'shared', user: u })}
                            >
                              <IconShare size={18} />
                            </ActionIcon>
                          </Tooltip>
                        ) : null}
                        {can('ownership.transfer') && !u.pendingChange && u.status !== 'removed' ? (
                          <Tooltip label="Transfer ownership">
                            <ActionIcon
                              variant="subtle"
                              color="gray"
                              aria-label={`Transfer ownership of ${u.firstName} ${u.lastName}`}
                              onClick={() => onOwnership({ kind: 'transfer', user: u })}
                            >
                              <IconArrowsExchange size={18} />
                            </ActionIcon>
                          </Tooltip>
                        ) : null}
                        {u.pendingChange ? (
                          <PendingChangeMarker
                            change={u.pendingChange}
                            name={`${u.firstName} ${u.lastName}`}
                            onClick={() => onOwnership({ kind: 'pending', transferId: u.pendingChange!.id })}
                          />
                        ) : can('users.remove') && u.id !== meId ? (
                          <Tooltip label="Remove user">
                            <ActionIcon
                              variant="subtle"
                              color="red"
                              aria-label={`Remove ${u.firstName} ${u.lastName}`}
                              onClick={() => onOwnership({ kind: 'remove', user: u })}
                            >
                              <IconTrash size={18} />
                            </ActionIcon>
                          </Tooltip>
                        ) : null}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Collapse>
    </Paper>
  );
}

export function UsersPage() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const me = useMe();
  const [status, setStatus] = useState<string>('active');
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const [sort, setSort] = useState('lastName:asc');
  const users = useUsers(tenantId, { q: q.trim() || undefined, status, sort });
  const groups = useGroups(tenantId);
  const roles = useRoles(tenantId);
  const bulk = useBulkAction(tenantId);
  const licenses = useLicenses(tenantId);
  const licenseAction = useLicenseAction(tenantId);
  const invitationsQuery = useInvitations(tenantId);
  const invitationAction = useInvitationAction(tenantId);
  const [inviting, invitingCtl] = useDisclosure(false);
  const people = licenses.data?.items.find((p) => p.type === 'people');
  const invitationByUser = useMemo(
    () =>
      new Map(
        (invitationsQuery.data?.items ?? []).filter((i) => i.status === 'sent').map((i) => [i.userId, i.id]),
      ),
    [invitationsQuery.data],
  );
  // one confirmation dialog for every change on this page that cannot simply be taken back
  const [confirming, setConfirming] = useState<null | {
    title: string;
    body: ReactNode;
    confirmLabel: string;
    run: () => void;
  }>(null);
  const licence = (u: UserSummary) =>
    licenseAction.mutate(
      { userId: u.id, assign: !u.licensed },
      {
        onSuccess: () =>
          notifyDone(
            `${u.firstName} ${u.lastName}: ${u.licensed ? 'licence unregistered' : 'licence registered'}`,
          ),
        onError: notifyError,
      },
    );
  const onLicense = (u: UserSummary) => {
    if (!u.licensed) return licence(u);
    setConfirming({
      title: `Unregister the licence of ${u.firstName} ${u.lastName}?`,
      body: 'The seat becomes free, and groups where they are the default member lose their default member.',
      confirmLabel: 'Unregister licence',
      run: () => licence(u),
    });
  };
  const invitationChange = (id: string, action: 'resend' | 'cancel') =>
    invitationAction.mutate(
      { id, action },
      {
        onSuccess: () => notifyDone(action === 'resend' ? 'Invitation sent again' : 'Invitation cancelled'),
        onError: notifyError,
      },
    );
  const onInvitation = (id: string, action: 'resend' | 'cancel') => {
    if (action === 'resend') return invitationChange(id, action);
    setConfirming({
      title: 'Cancel this invitation?',
      body: 'The link stops working. The pending user stays; you can invite them again or remove them.',
      confirmLabel: 'Cancel invitation',
      run: () => invitationChange(id, action),
    });
  };
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [createUser, createUserCtl] = useDisclosure(false);
  const [createGroup, createGroupCtl] = useDisclosure(false);
  const [configuring, setConfiguring] = useState<GroupT | null>(null);
  const [ownership, setOwnership] = useState<OwnershipDialog | null>(null);
  const [picker, setPicker] = useState<
    null | 'assignGroups' | 'removeGroups' | 'assignRoles' | 'removeRoles'
  >(null);

  const can = (p: string) => me.data?.permissions.includes(p) ?? false;
  const all = useMemo(() => users.data?.pages.flatMap((p) => p.items) ?? [], [users.data]);
  const counts = users.data?.pages[0]?.counts;
  const chosen = all.filter((u) => selected.has(u.id));

  // only what applies to every selected user is offered
  const every = (pred: (u: UserSummary) => boolean) => chosen.length > 0 && chosen.every(pred);
  const actions = [
    { key: 'suspend', label: 'Suspend', show: can('users.suspend') && every((u) => u.status === 'active') },
    {
      key: 'reactivate',
      label: 'Reactivate',
      show: can('users.suspend') && every((u) => u.status === 'suspended'),
    },
    {
      key: 'assignGroups',
      label: 'Assign to groups…',
      show: can('groups.manage') && every((u) => u.status !== 'removed'),
    },
    {
      key: 'removeGroups',
      label: 'Remove from groups…',
      show: can('groups.manage') && every((u) => u.status !== 'removed'),
    },
    {
      key: 'assignRoles',
      label: 'Assign roles…',
      show: can('roles.manage') && every((u) => u.status !== 'removed'),
    },
    {
      key: 'removeRoles',
      label: 'Remove roles…',
      show: can('roles.manage') && every((u) => u.status !== 'removed'),
    },
    {
      key: 'revokeAccess',
      label: 'Sign out everywhere',
      show: can('users.sessions') && every((u) => u.status === 'active'),
    },
    {
      key: 'archive',
      label: 'Archive…',
      show: can('users.archive') && every((u) => ['active', 'suspended', 'pending'].includes(u.status)),
      color: 'red',
    },
  ].filter((a) => a.show);

  const runBulk = (action: string, extra: { groupIds?: string[]; roleIds?: string[] } = {}) => {
    // the names as selected now: the list refetches (and the selection clears) before the toast
    const names = new Map(chosen.map((u) => [u.id, `${u.firstName} ${u.lastName}`]));
    const send = () =>
      bulk.mutate(
        { action, ids: chosen.map((u) => u.id), ...extra },
        {
          onSuccess: (r: BulkResult) => {
            setPicker(null);
            notifyBulkResult(action, r, names);
            setSelected(new Set());
          },
          onError: notifyError,
        },
      );
    if (action !== 'suspend' && action !== 'archive') return send();
    setConfirming({ ...confirmationOf(action, [...names.values()]), run: send });
  };

  const groupOptions = (groups.data?.items ?? []).map((g) => ({ value: g.id, label: g.name }));
  const roleOptions = (roles.data?.items ?? []).map((r) => ({ value: r.id, label: r.name }));

  return (
    <>
      <PageHeader
        title="Users"
        description="Everyone in this tenant, by group. Select users for bulk actions."
        actions={
          <>
            {can('groups.manage') ? (
              <Button variant="default" leftSection={<IconPlus size={16} />} onClick={createGroupCtl.open}>
                Create group
              </Button>
            ) : null}
            {people && can('licenses.read') ? (
              <Tooltip
                label={`People licences: ${people.used} in use, ${people.free} free of ${people.quantity}`}
              >
                <Badge
                  size="lg"
                  variant="light"
                  tt="none"
                  color={people.quantity > 0 && people.used / people.quantity >= 0.9 ? 'orange' : 'gray'}
                  leftSection={<IconAwardFilled size={14} />}
                  data-testid="license-counter"
                  aria-label={`People licences: ${people.used} of ${people.quantity} in use`}
                >
                  Licences {people.used}/{people.quantity}
                </Badge>
              </Tooltip>
            ) : null}
            {can('users.create') ? (
              <Button variant="default" leftSection={<IconPlus size={16} />} onClick={createUserCtl.open}>
                Create user
              </Button>
            ) : null}
            {can('imports.run') ? (
              <Button
                variant="default"
                leftSection={<IconUpload size={16} />}
                component={Link}
                to={`/t/${tenantId}/users/import`}
                disabled={!can('users.create')}
              >
                Import
              </Button>
            ) : null}
            {can('invitations.send') ? (
              <Button leftSection={<IconMailForward size={16} />} onClick={invitingCtl.open}>
                Invite users
              </Button>
            ) : null}
          </>
        }
      />
      <Group justify="space-between" mb="md">
        <Tabs
          value={status}
          onChange={(v) => {
            setStatus(v ?? 'active');
            setSelected(new Set());
          }}
          variant="pills"
          radius="md"
        >
          <Tabs.List>
            {TABS.map((tab) => (
              <Tabs.Tab key={tab.value} value={tab.value}>
                {tab.label}
                <Badge
                  ml={6}
                  size="sm"
                  variant={status === tab.value ? 'white' : 'light'}
                  color={status === tab.value ? 'indigo' : 'gray'}
                  radius="sm"
                >
                  {counts?.[tab.value] ?? 0}
                </Badge>
              </Tabs.Tab>
            ))}
          </Tabs.List>
        </Tabs>
        <Group>
          {chosen.length > 0 ? (
            <Menu shadow="md" position="bottom-end" width={220}>
              <Menu.Target>
                <Button
                  variant="light"
                  rightSection={<IconChevronDown size={14} />}
                  data-testid="bulk-actions"
                  loading={bulk.isPending}
                >
                  Bulk actions ({chosen.length})
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                {actions.length === 0 ? <Menu.Label>Nothing applies to all selected</Menu.Label> : null}
                {actions.map((a) => (
                  <Menu.Item
                    key={a.key}
                    color={a.color}
                    onClick={() =>
                      a.key.endsWith('Groups') || a.key.endsWith('Roles')
                        ? setPicker(a.key as typeof picker)
                        : runBulk(a.key)
                    }
                  >
                    {a.label}
                  </Menu.Item>
                ))}
              </Menu.Dropdown>
            </Menu>
          ) : null}
          <TextInput
            placeholder="Search name, email, username or role"
            leftSection={<IconSearch size={16} />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            w={320}
            aria-label="Search users"
          />
          {can('imports.run') ? (
            <ExportButton tenantId={tenantId} query={{ q: q.trim() || undefined, status, sort }} />
          ) : null}
        </Group>
      </Group>
      <ErrorAlert error={users.error} />
      <Stack gap={0}>
        {(groups.data?.items ?? []).map((g) => (
          <GroupTable
            key={g.id}
            tenantId={tenantId}
            group={g}
            users={all.filter((u) => u.groups.some((x) => x.id === g.id))}
            selected={selected}
            setSelected={setSelected}
            sort={sort}
            onSort={setSort}
            onConfigure={setConfiguring}
            canManageGroups={can('groups.manage')}
            invitations={invitationByUser}
            onLicense={onLicense}
            onInvitation={onInvitation}
            canLicense={can('licenses.assign')}
            onOwnership={setOwnership}
            can={can}
            meId={me.data?.user.id}
          />
        ))}
      </Stack>
      {users.hasNextPage ? (
        <Group justify="center">
          <Button
            variant="default"
            loading={users.isFetchingNextPage}
            onClick={() => void users.fetchNextPage()}
          >
            Load more users
          </Button>
        </Group>
      ) : null}
      <ConfirmDialog
        opened={confirming !== null}
        title={confirming?.title ?? ''}
        confirmLabel={confirming?.confirmLabel ?? ''}
        onClose={() => setConfirming(null)}
        onConfirm={() => {
          confirming?.run();
          setConfirming(null);
        }}
      >
        {typeof confirming?.body === 'string' ? <Text size="sm">{confirming.body}</Text> : confirming?.body}
      </ConfirmDialog>
      <CreateUserModal tenantId={tenantId} opened={createUser} onClose={createUserCtl.close} />
      <InviteDialog tenantId={tenantId} opened={inviting} onClose={invitingCtl.close} />
      <CreateGroupModal tenantId={tenantId} opened={createGroup} onClose={createGroupCtl.close} />
      <GroupConfigModal tenantId={tenantId} group={configuring} onClose={() => setConfiguring(null)} />
      <TransferOwnershipDialog
        tenantId={tenantId}
        user={ownership?.kind === 'transfer' ? ownership.user : null}
        onClose={() => setOwnership(null)}
      />
      <RemoveUserDialog
        tenantId={tenantId}
        user={ownership?.kind === 'remove' ? ownership.user : null}
        onClose={() => setOwnership(null)}
      />
      <SharedWorkflowsDialog
        tenantId={tenantId}
        user={ownership?.kind === 'shared' ? ownership.user : null}
        canEdit={can('resources.manage')}
        onClose={() => setOwnership(null)}
      />
      <PendingChangeDialog
        tenantId={tenantId}
        transferId={ownership?.kind === 'pending' ? ownership.transferId : null}
        onClose={() => setOwnership(null)}
      />
      <PickManyModal
        opened={picker !== null}
        onClose={() => setPicker(null)}
        loading={bulk.isPending}
        title={
          {
            assignGroups: 'Assign users to groups',
            removeGroups: 'Remove users from groups',
            assignRoles: 'Assign roles',
            removeRoles: 'Remove roles',
          }[picker ?? 'assignGroups']
        }
        label={picker?.endsWith('Groups') ? 'Groups' : 'Roles'}
        options={picker?.endsWith('Groups') ? groupOptions : roleOptions}
        confirm="Apply"
        onConfirm={(ids) =>
          runBulk(picker!, picker!.endsWith('Groups') ? { groupIds: ids } : { roleIds: ids })
        }
      />
    </>
  );
}
