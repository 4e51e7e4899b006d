import {
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  Paper,
  ScrollArea,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { IconLock, IconPlus } from '@tabler/icons-react';
import { useParams } from '@tanstack/react-router';
import { useEffect, useMemo, useState } from 'react';
import { useCatalog, useDeleteRole, useMe, useRoles, useSaveRole } from '../../api/hooks.ts';
import type { Role } from '../../api/types.ts';
import { ConfirmDialog } from '../../ui/confirm.tsx';
import { ErrorAlert, notifyDone, PageHeader } from '../../ui/index.tsx';

const MODULE_LABELS: Record<string, string> = {
  console: 'Access',
  portal: 'Access',
  tenants: 'Tenants',
  users: 'Users',
  groups: 'Groups',
  roles: 'Roles',
  invitations: 'Invitations',
  licenses: 'Licences',
  ownership: 'Ownership',
  resources: 'Resources',
  flows: 'User Flows',
  imports: 'Import & directory',
  directory: 'Import & directory',
  audit: 'Audit & reports',
  reports: 'Audit & reports',
  settings: 'Settings',
};

/** The role editor: the catalog by module; what the editor cannot grant is disabled, and says why. */
function RoleEditor({
  tenantId,
  role,
  opened,
  onClose,
}: {
  tenantId: string;
  role: Role | null;
  opened: boolean;
  onClose: () => void;
}) {
  const catalog = useCatalog();
  const me = useMe();
  const save = useSaveRole(tenantId);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [perms, setPerms] = useState<Set<string>>(new Set());
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the dialog opens or its subject changes
  useEffect(() => {
    if (opened) {
      setName(role?.name ?? '');
      setDescription(role?.description ?? '');
      setPerms(new Set(role?.permissions ?? []));
      save.reset();
    }
  }, [opened, role]);
  const mine = new Set(me.data?.permissions ?? []);
  const readOnly = role?.predefined ?? false;
  const modules = useMemo(() => {
    const map = new Map<string, NonNullable<typeof catalog.data>['items']>();
    for (const p of catalog.data?.items ?? []) {
      const m = MODULE_LABELS[p.module] ?? p.module.charAt(0).toUpperCase() + p.module.slice(1);
      map.set(m, [...(map.get(m) ?? []), p]);
    }
    return [...map];
  }, [catalog.data]);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      size="xl"
      centered
      title={<Text fw={600}>{role ? (readOnly ? role.name : `Edit ${role.name}`) : 'New custom role'}</Text>}
    >
      <Stack>
        {readOnly ? (
          <Text size="sm" c="dimmed">
            Predefined roles are fixed. Create a custom role to combine permissions differently.
          </Text>
        ) : (
          <SimpleGrid cols={2}>
            <TextInput
              label="Name"
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              data-autofocus
            />
            <Textarea
              label="Description"
              autosize
              minRows={1}
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
            />
          </SimpleGrid>
        )}
        <ScrollArea.Autosize mah={440}>
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            {modules.map(([module, items]) => (
              <Paper key={module} withBorder radius="md" p="sm">
                <Text fw={600} size="sm" mb={6}>
                  {module}
                </Text>
                <Stack gap={6}>
                  {items.map((p) => {
                    const beyond = !mine.has(p.key);
                    const box = (
                      <Checkbox
                        key={p.key}
                        label={
                          <Group gap={6}>
                            <Text size="sm">{p.label}</Text>
                            <Text size="xs" c="dimmed" ff="monospace">
                              {p.key}
                            </Text>
                            {beyond ? <IconLock size={12} /> : null}
                          </Group>
                        }
                        description={p.description}
                        checked={perms.has(p.key)}
                        disabled={readOnly || beyond}
                        onChange={() => {
                          const next = new Set(perms);
                          if (next.has(p.key)) next.delete(p.key);
                          else next.add(p.key);
                          setPerms(next);
                        }}
                      />
                    );
                    return beyond && !readOnly ? (
                      <Tooltip
                        key={p.key}
                        label="You cannot grant a permission you do not hold yourself."
                        position="top-start"
                        withArrow
                      >
                        <div>{box}</div>
                      </Tooltip>
                    ) : (
                      <div key={p.key}>{box}</div>
                    );
                  })}
                </Stack>
              </Paper>
            ))}
          </SimpleGrid>
        </ScrollArea.Autosize>
        <ErrorAlert error={save.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {readOnly ? 'Close' : 'Cancel'}
          </Button>
          {readOnly ? null : (
            <Button
              loading={save.isPending}
              onClick={() =>
                save.mutate(
                  {
                    roleId: role?.id,
                    name: name.trim(),
                    description: description.trim(),
                    permissions: [...perms],
                  },
                  {
                    onSuccess: () => {
                      notifyDone('Role saved');
                      onClose();
                    },
                  },
                )
              }
            >
              Save role
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}

export function RolesPage() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const roles = useRoles(tenantId);
  const me = useMe();
  const remove = useDeleteRole(tenantId);
  const [editing, setEditing] = useState<Role | null>(null);
  const [opened, setOpened] = useState(false);
  const [deleting, setDeleting] = useState<Role | null>(null);
  const canManage = me.data?.permissions.includes('roles.manage') ?? false;
  const open = (role: Role | null) => {
    setEditing(role);
    setOpened(true);
  };
  return (
    <>
      <PageHeader
        title="Roles & permissions"
        description="Predefined roles for every tenant, and custom roles made of catalog permissions."
        actions={
          canManage ? (
            <Button leftSection={<IconPlus size={16} />} onClick={() => open(null)}>
              New custom role
            </Button>
          ) : null
        }
      />
      <Paper withBorder radius="lg" style={{ overflow: 'hidden' }}>
        <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Role</Table.Th>
              <Table.Th>Permissions</Table.Th>
              <Table.Th>Users</Table.Th>
              <Table.Th>Groups</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {roles.data?.items.map((r) => (
              <Table.Tr key={r.id} style={{ cursor: 'pointer' }} onClick={() => open(r)}>
                <Table.Td>
                  <Group gap="xs">
                    <Text fw={600} size="sm">
                      {r.name}
                    </Text>
                    <Badge size="xs" variant="light" color={r.predefined ? 'gray' : 'indigo'}>
                      {r.predefined ? 'predefined' : 'custom'}
                    </Badge>
                    {r.customerAccess !== 'none' ? (
                      <Badge size="xs" variant="outline" color="violet">
                        {r.customerAccess === 'all' ? 'all customers' : 'selected customers'}
                      </Badge>
                    ) : null}
                  </Group>
                  <Text size="xs" c="dimmed">
                    {r.description}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{r.permissions.length}</Text>
                </Table.Td>
                <Table.Td>{r.userCount}</Table.Td>
                <Table.Td>{r.groupCount}</Table.Td>
                <Table.Td onClick={(e) => e.stopPropagation()}>
                  {canManage && !r.predefined ? (
                    <Button size="xs" variant="subtle" color="red" onClick={() => setDeleting(r)}>
                      Delete
                    </Button>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <RoleEditor tenantId={tenantId} role={editing} opened={opened} onClose={() => setOpened(false)} />
      <ConfirmDialog
        opened={deleting !== null}
        title={`Delete the role ${deleting?.name ?? ''}?`}
        confirmLabel="Delete role"
        loading={remove.isPending}
        error={remove.error}
        onClose={() => {
          setDeleting(null);
          remove.reset();
        }}
        onConfirm={() =>
          deleting &&
          remove.mutate(deleting.id, {
            onSuccess: () => {
              notifyDone(`Role ${deleting.name} deleted`);
              setDeleting(null);
            },
          })
        }
      >
        <Text size="sm">
          The role is deleted from this tenant for good. While a user holds it or a group carries it, it
          cannot be deleted.
        </Text>
      </ConfirmDialog>
    </>
  );
}
