import { Anchor, Button, Group, Modal, Paper, Stack, Table, Tabs, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconClock, IconSearch } from '@tabler/icons-react';
import { Link, useParams } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useMe } from '../../api/hooks.ts';
import {
  type OwnershipItem,
  type Transfer,
  useChangeOwner,
  useOpenTransfers,
  useOwnableKinds,
  useOwnerships,
} from '../../api/ownership.ts';
import { ErrorAlert, notifyDone, PageHeader, UserAvatar } from '../../ui/index.tsx';
import { formatInZone, PendingChangeDialog, RecipientSelect } from '../Users/ownership-dialogs.tsx';

const KIND: Record<Transfer['kind'], string> = {
  one_time: 'One-time transfer',
  duration: 'Transfer for a duration',
  removal: 'Removal',
};

function ChangeOwnerDialog({
  tenantId,
  item,
  kindLabel,
  onClose,
}: {
  tenantId: string;
  item: OwnershipItem | null;
  kindLabel: string;
  onClose: () => void;
}) {
  const change = useChangeOwner(tenantId);
  const [ownerId, setOwnerId] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when another item is picked
  useEffect(() => {
    setOwnerId(null);
    change.reset();
  }, [item?.id]);
  if (!item) return null;
  return (
    <Modal opened onClose={onClose} centered title={<Text fw={600}>Change owner — {item.name}</Text>}>
      <Stack>
        <Text size="sm">
          {kindLabel.replace(/s$/, '')} owned by{' '}
          <b>
            {item.owner.firstName} {item.owner.lastName}
          </b>
          . The new owner receives all future activity on it; integrations are told by webhook.
        </Text>
        <RecipientSelect
          tenantId={tenantId}
          excludeId={item.owner.id}
          value={ownerId}
          onChange={(id) => setOwnerId(id)}
          label="New owner"
          required
        />
        <ErrorAlert error={change.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            disabled={!ownerId}
            loading={change.isPending}
            onClick={() =>
              change.mutate(
                { type: item.type, id: item.id, ownerId: ownerId! },
                {
                  onSuccess: (r) => {
                    notifyDone(`${r.name} now belongs to ${r.owner.firstName} ${r.owner.lastName}`);
                    onClose();
                  },
                },
              )
            }
          >
            Change owner
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Pending transfers and scheduled removals across the tenant, each with its clock. */
function PendingChanges({ tenantId, onOpen }: { tenantId: string; onOpen: (id: string) => void }) {
  const open = useOpenTransfers(tenantId, true);
  const items = open.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <Paper withBorder radius="lg" p="md" mb="lg" data-testid="pending-changes">
      <Group gap="xs" mb="xs">
        <IconClock size={18} color="var(--mantine-color-orange-6)" />
        <Text fw={600}>Pending transfers and removals ({items.length})</Text>
      </Group>
      <Table verticalSpacing={6}>
        <Table.Tbody>
          {items.map((x) => (
            <Table.Tr key={x.id}>
              <Table.Td>
                <Anchor component={Link} to={`/t/${tenantId}/users/${x.user.id}`} size="sm" fw={600} c="dark">
                  {x.user.firstName} {x.user.lastName}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{KIND[x.kind]}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" c="dimmed">
                  {x.recipient ? `to ${x.recipient.firstName} ${x.recipient.lastName}` : 'no recipient'}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  {x.status === 'active' && x.endsAt
                    ? `until ${formatInZone(x.endsAt, x.timeZone)}`
                    : formatInZone(x.startsAt, x.timeZone)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Group justify="flex-end">
                  <Button size="compact-sm" variant="default" onClick={() => onOpen(x.id)}>
                    Details
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

export function ResourcesPage() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const me = useMe();
  const can = (p: string) => me.data?.permissions.includes(p) ?? false;
  const kinds = useOwnableKinds(tenantId);
  const listable = (kinds.data?.items ?? []).filter((k) => k.listable);
  const [type, setType] = useState<string | null>(null);
  useEffect(() => {
    if (!type && listable[0]) setType(listable[0].type);
  }, [type, listable]);
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const [ownerId, setOwnerId] = useState<string | null>(null);
  const items = useOwnerships(tenantId, { type, q: q.trim() || undefined, ownerId });
  const [changing, setChanging] = useState<OwnershipItem | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const kind = listable.find((k) => k.type === type);
  const rows = items.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageHeader
        title="Resources"
        description="Everything with an owner: Rollcall’s groups, default group memberships and flow templates, and what integrations register. Change one owner here; Transfer ownership on a user moves all of theirs."
      />
      {can('users.scope.all') ? <PendingChanges tenantId={tenantId} onOpen={setPending} /> : null}
      <Tabs value={type} onChange={setType} variant="pills" radius="md" mb="md">
        <Tabs.List>
          {listable.map((k) => (
            <Tabs.Tab key={k.type} value={k.type} data-testid={`kind-${k.type}`} px="sm" fz="sm">
              {k.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <Group mb="md" align="flex-end">
        <TextInput
          placeholder="Search by name"
          leftSection={<IconSearch size={16} />}
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          w={300}
          aria-label="Search resources"
        />
        <div style={{ width: 320 }}>
          <RecipientSelect
            tenantId={tenantId}
            excludeId=""
            value={ownerId}
            onChange={(id) => setOwnerId(id)}
            label="Owner"
          />
        </div>
        {kind ? (
          <Text size="sm" c="dimmed" ml="auto">
            {kind.oneTimeOnly
              ? 'Moves in one-time transfers and removals; a duration leaves it with its owner.'
              : kind.revertsAtDurationEnd
                ? 'Moves in every transfer; comes back when a duration ends.'
                : 'Moves in every transfer and stays with the recipient.'}
          </Text>
        ) : null}
      </Group>
      <ErrorAlert error={items.error ?? kinds.error} />
      <Paper withBorder radius="lg" style={{ overflow: 'hidden' }}>
        <Table highlightOnHover verticalSpacing={8} horizontalSpacing="md" data-testid="resources-table">
          <Table.Thead bg="gray.0">
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Owner</Table.Th>
              <Table.Th w={160} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {r.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap="sm" wrap="nowrap">
                    <UserAvatar
                      url={`/api/v1/tenants/${tenantId}/users/${r.owner.id}/avatar`}
                      initials={r.owner.initials}
                    />
                    <Anchor component={Link} to={`/t/${tenantId}/users/${r.owner.id}`} size="sm" c="dark">
                      {r.owner.firstName} {r.owner.lastName}
                    </Anchor>
                  </Group>
                </Table.Td>
                <Table.Td>
                  {can('resources.manage') ? (
                    <Group justify="flex-end">
                      <Button size="compact-sm" variant="default" onClick={() => setChanging(r)}>
                        Change owner
                      </Button>
                    </Group>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {rows.length === 0 && !items.isLoading ? (
          <Text c="dimmed" size="sm" p="md">
            {q || ownerId
              ? 'Nothing matches.'
              : `No ${kind?.label.toLowerCase() ?? 'resources'} with an owner yet.`}
          </Text>
        ) : null}
      </Paper>
      {items.hasNextPage ? (
        <Group justify="center" mt="md">
          <Button
            variant="default"
            loading={items.isFetchingNextPage}
            onClick={() => void items.fetchNextPage()}
          >
            Load more
          </Button>
        </Group>
      ) : null}
      <ChangeOwnerDialog
        tenantId={tenantId}
        item={changing}
        kindLabel={kind?.label ?? ''}
        onClose={() => setChanging(null)}
      />
      <PendingChangeDialog tenantId={tenantId} transferId={pending} onClose={() => setPending(null)} />
    </>
  );
}
