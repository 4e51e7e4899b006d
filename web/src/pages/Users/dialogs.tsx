import {
  Button,
  Group,
  Modal,
  MultiSelect,
  PasswordInput,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useEffect, useState } from 'react';
import {
  useCreateGroup,
  useCreateUser,
  useGroups,
  useRoles,
  useUnassignGroupRole,
  useUpdateGroup,
  useUsers,
} from '../../api/hooks.ts';
import type { Group as GroupT } from '../../api/types.ts';
import { ErrorAlert, notifyDone } from '../../ui/index.tsx';

export function CreateUserModal({
  tenantId,
  opened,
  onClose,
}: {
  tenantId: string;
  opened: boolean;
  onClose: () => void;
}) {
  const create = useCreateUser(tenantId);
  const groups = useGroups(tenantId);
  const roles = useRoles(tenantId);
  const empty = {
    firstName: '',
    lastName: '',
    email: '',
    username: '',
    jobTitle: '',
    department: '',
    password: '',
  };
  const [form, setForm] = useState(empty);
  const [kind, setKind] = useState<'internal' | 'external'>('internal');
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [roleIds, setRoleIds] = useState<string[]>([]);
  const set = (k: keyof typeof empty) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [k]: e.currentTarget.value });
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens or its subject changes
  useEffect(() => {
    if (opened) {
      setForm(empty);
      setGroupIds([]);
      setRoleIds([]);
      setKind('internal');
      create.reset();
    }
  }, [opened]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = { firstName: form.firstName, lastName: form.lastName, kind };
    for (const k of ['email', 'username', 'jobTitle', 'department', 'password'] as const)
      if (form[k].trim()) body[k] = form[k].trim();
    if (groupIds.length) body.groupIds = groupIds;
    if (roleIds.length) body.roleIds = roleIds;
    create.mutate(body, {
      onSuccess: (u) => {
        notifyDone(`${u.firstName} ${u.lastName} created`);
        onClose();
      },
    });
  };
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>Create user</Text>} size="lg" centered>
      <form onSubmit={submit}>
        <Stack>
          <SimpleGrid cols={2}>
            <TextInput
              label="First name"
              required
              value={form.firstName}
              onChange={set('firstName')}
              data-autofocus
            />
            <TextInput label="Last name" required value={form.lastName} onChange={set('lastName')} />
            <TextInput
              label="Email"
              type="email"
              value={form.email}
              onChange={set('email')}
              description="Email or username is required"
            />
            <TextInput label="Username" value={form.username} onChange={set('username')} />
            <TextInput label="Job title" value={form.jobTitle} onChange={set('jobTitle')} />
            <TextInput label="Department" value={form.department} onChange={set('department')} />
          </SimpleGrid>
          <Radio.Group label="Type" value={kind} onChange={(v) => setKind(v as 'internal' | 'external')}>
            <Group mt={6}>
              <Radio value="internal" label="Internal (full platform user)" />
              <Radio value="external" label="External (portal or guest)" />
            </Group>
          </Radio.Group>
          <SimpleGrid cols={2}>
            <MultiSelect
              label="Groups"
              placeholder={groupIds.length ? undefined : 'Default'}
              data={(groups.data?.items ?? []).map((g) => ({ value: g.id, label: g.name }))}
              value={groupIds}
              onChange={setGroupIds}
              searchable
            />
            <MultiSelect
              label="Roles"
              placeholder={roleIds.length ? undefined : kind === 'external' ? 'External User' : 'User'}
              data={(roles.data?.items ?? []).map((r) => ({ value: r.id, label: r.name }))}
              value={roleIds}
              onChange={setRoleIds}
              searchable
            />
          </SimpleGrid>
          <PasswordInput
            label="Initial password"
            description="Optional; at least 12 characters. Without one, the user signs in after an invitation or reset."
            value={form.password}
            onChange={set('password')}
          />
          <ErrorAlert error={create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function CreateGroupModal({
  tenantId,
  opened,
  onClose,
}: {
  tenantId: string;
  opened: boolean;
  onClose: () => void;
}) {
  const create = useCreateGroup(tenantId);
  const [name, setName] = useState('');
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens or its subject changes
  useEffect(() => {
    if (opened) {
      setName('');
      create.reset();
    }
  }, [opened]);
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>Create group</Text>} centered>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(
            { name: name.trim() },
            {
              onSuccess: (g) => {
                notifyDone(`Group ${g.name} created`);
                onClose();
              },
            },
          );
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            placeholder="e.g. Service Desk"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
          />
          <ErrorAlert error={create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create group
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Gear on a group's header bar: its group role and default member (rule 7). */
export function GroupConfigModal({
  tenantId,
  group,
  onClose,
}: {
  tenantId: string;
  group: GroupT | null;
  onClose: () => void;
}) {
  const update = useUpdateGroup(tenantId);
  const roles = useRoles(tenantId);
  const members = useUsers(tenantId, { groupId: group?.id, status: 'active', sort: 'lastName:asc' });
  const [roleId, setRoleId] = useState<string | null>(null);
  const [defaultMemberId, setDefaultMemberId] = useState<string | null>(null);
  const [unassignOpen, setUnassignOpen] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens or its subject changes
  useEffect(() => {
    setRoleId(group?.role?.id ?? null);
    setDefaultMemberId(group?.defaultMember?.id ?? null);
    update.reset();
  }, [group]);
  if (!group) return null;
  const memberOptions = (members.data?.pages.flatMap((p) => p.items) ?? []).map((u) => ({
    value: u.id,
    label: `${u.firstName} ${u.lastName}`,
  }));
  const removingRole = group.role && roleId === null;
  const save = () => {
    if (removingRole) {
      setUnassignOpen(true);
      return;
    }
    const body: { groupId: string; roleId?: string | null; defaultMemberId?: string | null } = {
      groupId: group.id,
    };
    if (roleId !== (group.role?.id ?? null)) body.roleId = roleId;
    if (defaultMemberId !== (group.defaultMember?.id ?? null)) body.defaultMemberId = defaultMemberId;
    update.mutate(body, {
      onSuccess: () => {
        notifyDone(`${group.name} updated`);
        onClose();
      },
    });
  };
  return (
    <>
      <Modal
        opened={!unassignOpen}
        onClose={onClose}
        title={<Text fw={600}>Configure {group.name}</Text>}
        centered
      >
        <Stack>
          <Select
            label="Group role"
            description="Applied to every member while they are members"
            placeholder="None"
            clearable
            data={(roles.data?.items ?? []).map((r) => ({ value: r.id, label: r.name }))}
            value={roleId}
            onChange={setRoleId}
          />
          <Select
            label="Default group member"
            description="Receives work routed to the group; must be an active member"
            placeholder="None"
            clearable
            searchable
            data={memberOptions}
            value={defaultMemberId}
            onChange={setDefaultMemberId}
          />
          <ErrorAlert error={update.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button onClick={save} loading={update.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </Modal>
      <UnassignRoleModal
        tenantId={tenantId}
        group={unassignOpen ? group : null}
        onClose={() => {
          setUnassignOpen(false);
          onClose();
        }}
      />
    </>
  );
}

/** Rule 8: remove the group role from everyone, or let members keep it individually. */
export function UnassignRoleModal({
  tenantId,
  group,
  exceptUserId,
  onClose,
}: {
  tenantId: string;
  group: GroupT | null;
  exceptUserId?: string;
  onClose: () => void;
}) {
  const unassign = useUnassignGroupRole(tenantId);
  const [mode, setMode] = useState<'remove_from_all' | 'keep_individually'>('remove_from_all');
  if (!group?.role) return null;
  return (
    <Modal
      opened
      onClose={onClose}
      title={<Text fw={600}>Remove group role “{group.role.name}”</Text>}
      centered
    >
      <Stack>
        <Text size="sm">
          The group <b>{group.name}</b> will no longer carry this role. What happens to its{' '}
          {group.memberCount} member
          {group.memberCount === 1 ? '' : 's'}?
        </Text>
        <Radio.Group value={mode} onChange={(v) => setMode(v as typeof mode)}>
          <Stack gap="sm">
            <Radio value="remove_from_all" label="Remove the role from all members of this group" />
            <Radio
              value="keep_individually"
              label={
                exceptUserId
                  ? 'Let the other members keep the role individually'
                  : 'Let members keep the role individually'
              }
              description="They get it as a direct role"
            />
          </Stack>
        </Radio.Group>
        <ErrorAlert error={unassign.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={unassign.isPending}
            onClick={() =>
              unassign.mutate(
                { groupId: group.id, mode, exceptUserId },
                {
                  onSuccess: () => {
                    notifyDone('Group role removed');
                    onClose();
                  },
                },
              )
            }
          >
            Remove group role
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function PickManyModal({
  title,
  label,
  options,
  confirm,
  opened,
  onClose,
  onConfirm,
  loading,
}: {
  title: string;
  label: string;
  options: Array<{ value: string; label: string }>;
  confirm: string;
  opened: boolean;
  onClose: () => void;
  onConfirm: (ids: string[]) => void;
  loading?: boolean;
}) {
  const [ids, setIds] = useState<string[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens or its subject changes
  useEffect(() => setIds([]), [opened]);
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>{title}</Text>} centered>
      <Stack>
        <MultiSelect label={label} data={options} value={ids} onChange={setIds} searchable data-autofocus />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button disabled={ids.length === 0} loading={loading} onClick={() => onConfirm(ids)}>
            {confirm}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
