import {
  Badge,
  Button,
  Code,
  Drawer,
  Group,
  Paper,
  ScrollArea,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconCircleCheck, IconSearch, IconShieldX } from '@tabler/icons-react';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { type AuditFilters, useAudit, useChainStatus, useMe, useUsers } from '../../api/hooks.ts';
import type { AuditEvent } from '../../api/types.ts';
import { ErrorAlert, formatDateTime, PageHeader } from '../../ui/index.tsx';

function ChainBadge({ tenantId }: { tenantId: string }) {
  const chain = useChainStatus(tenantId);
  if (!chain.data) return null;
  return chain.data.ok ? (
    <Badge
      size="lg"
      color="teal"
      variant="light"
      leftSection={<IconCircleCheck size={16} />}
      data-testid="chain-status"
    >
      Chain intact ({chain.data.checked} events)
    </Badge>
  ) : (
    <Badge
      size="lg"
      color="red"
      variant="filled"
      leftSection={<IconShieldX size={16} />}
      data-testid="chain-status"
    >
      Chain broken at event #{chain.data.brokenAt?.seq} ({chain.data.brokenAt?.reason.replace(/_/g, ' ')})
    </Badge>
  );
}

const actionColor = (action: string) =>
  action.includes('failed')
    ? 'red'
    : action.startsWith('auth.')
      ? 'gray'
      : action.includes('removed') || action.includes('deleted')
        ? 'orange'
        : 'indigo';

/**
 * Who did it, found by name: the tenant's people and, in a customer, the provider's staff who act
 * there. The filter sends the chosen person's id; nobody types one.
 */
function ActorSelect({
  tenantId,
  value,
  onChange,
}: {
  tenantId: string;
  value: string | null;
  onChange: (id: string | null) => void;
}) {
  const me = useMe();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const [picked, setPicked] = useState<{ value: string; label: string } | null>(null);
  const canRead = me.data?.permissions.includes('users.read') ?? false;
  const home = me.data?.tenant.id;
  const query = { q: q.trim() || undefined, status: 'all', sort: 'lastName:asc' };
  const members = useUsers(tenantId, query, canRead);
  const staff = useUsers(home ?? '', query, canRead && !!home && home !== tenantId);
  const options = (page: typeof members) =>
    (page.data?.pages.flatMap((p) => p.items) ?? []).map((u) => ({
      value: u.id,
      label: `${u.firstName} ${u.lastName}${u.email || u.username ? ` · ${u.email ?? u.username}` : ''}`,
    }));
  const data = [
    { group: home === tenantId ? 'People' : 'This customer', items: options(members) },
    ...(home !== tenantId
      ? [{ group: `${me.data?.tenant.name ?? 'Provider'} staff`, items: options(staff) }]
      : []),
  ].filter((g) => g.items.length > 0);
  // the chosen person stays listed while the search looks for others
  if (picked && !data.some((g) => g.items.some((o) => o.value === picked.value)))
    data.unshift({ group: 'Chosen', items: [picked] });
  return (
    <Select
      label="Actor"
      placeholder={canRead ? 'Anyone: type a name' : 'Anyone'}
      disabled={!canRead}
      searchable
      clearable
      data={data}
      value={value}
      searchValue={search}
      onSearchChange={setSearch}
      onChange={(id, option) => {
        setPicked(option ?? null);
        onChange(id);
      }}
      nothingFoundMessage={members.isFetching || staff.isFetching ? 'Searching…' : 'Nobody matches'}
      data-testid="audit-actor"
      comboboxProps={{ withinPortal: true }}
    />
  );
}

export function AuditPage() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const [draft, setDraft] = useState<AuditFilters>({});
  const [filters, setFilters] = useState<AuditFilters>({});
  // Reset starts the actor picker afresh, its search text included
  const [resets, setResets] = useState(0);
  const audit = useAudit(tenantId, filters);
  const [selected, setSelected] = useState<AuditEvent | null>(null);
  const events = audit.data?.pages.flatMap((p) => p.items) ?? [];
  const toIso = (d?: string) => (d ? new Date(d).toISOString() : undefined);

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change and sign-in, append-only and hash-chained: tampering shows."
        actions={<ChainBadge tenantId={tenantId} />}
      />
      <Paper withBorder radius="lg" p="md" mb="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setFilters({ ...draft, from: toIso(draft.from), to: toIso(draft.to) });
          }}
        >
          <SimpleGrid cols={{ base: 1, md: 5 }} spacing="sm">
            <TextInput
              label="Action"
              placeholder="user.created or user."
              leftSection={<IconSearch size={14} />}
              value={draft.action ?? ''}
              onChange={(e) => setDraft({ ...draft, action: e.currentTarget.value || undefined })}
            />
            <ActorSelect
              key={resets}
              tenantId={tenantId}
              value={draft.actorId ?? null}
              onChange={(actorId) => setDraft({ ...draft, actorId: actorId ?? undefined })}
            />
            <TextInput
              label="From"
              type="datetime-local"
              value={draft.from ?? ''}
              onChange={(e) => setDraft({ ...draft, from: e.currentTarget.value || undefined })}
            />
            <TextInput
              label="To"
              type="datetime-local"
              value={draft.to ?? ''}
              onChange={(e) => setDraft({ ...draft, to: e.currentTarget.value || undefined })}
            />
            <Group align="flex-end">
              <Button type="submit">Apply</Button>
              <Button
                variant="subtle"
                onClick={() => {
                  setDraft({});
                  setFilters({});
                  setResets((n) => n + 1);
                }}
              >
                Reset
              </Button>
            </Group>
          </SimpleGrid>
        </form>
      </Paper>
      <ErrorAlert error={audit.error} />
      <Paper withBorder radius="lg" style={{ overflow: 'hidden' }}>
        <Table highlightOnHover verticalSpacing="xs" horizontalSpacing="md" data-testid="audit-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={60}>#</Table.Th>
              <Table.Th>Time</Table.Th>
              <Table.Th>Actor</Table.Th>
              <Table.Th>Action</Table.Th>
              <Table.Th>Target</Table.Th>
              <Table.Th>IP</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.map((e) => (
              <Table.Tr key={e.id} style={{ cursor: 'pointer' }} onClick={() => setSelected(e)}>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {e.seq}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatDateTime(e.occurredAt)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{e.actor.label ?? e.actor.type}</Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={actionColor(e.action)} radius="sm" tt="none">
                    {e.action}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {e.target.label ?? e.target.id ?? '—'}
                    {e.target.type ? (
                      <Text span c="dimmed" size="xs">
                        {' '}
                        · {e.target.type}
                      </Text>
                    ) : null}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {e.ip ?? '—'}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {events.length === 0 && !audit.isLoading ? (
          <Text c="dimmed" ta="center" p="xl">
            No events match these filters.
          </Text>
        ) : null}
      </Paper>
      {audit.hasNextPage ? (
        <Group justify="center" mt="md">
          <Button
            variant="default"
            loading={audit.isFetchingNextPage}
            onClick={() => void audit.fetchNextPage()}
          >
            Load more
          </Button>
        </Group>
      ) : null}
      <Drawer
        opened={selected !== null}
        onClose={() => setSelected(null)}
        position="right"
        size="lg"
        title={<Text fw={600}>{selected?.action}</Text>}
      >
        {selected ? (
          <Stack gap="sm">
            <Text size="sm">
              <b>When:</b> {formatDateTime(selected.occurredAt)} · <b>Event</b> #{selected.seq}
            </Text>
            <Text size="sm">
              <b>Actor:</b> {selected.actor.label} ({selected.actor.type}
              {selected.actor.id ? `, ${selected.actor.id}` : ''})
            </Text>
            <Text size="sm">
              <b>Target:</b> {selected.target.label ?? '—'}{' '}
              {selected.target.type ? `(${selected.target.type} ${selected.target.id ?? ''})` : ''}
            </Text>
            <Text size="sm">
              <b>From:</b> {selected.ip ?? '—'} · {selected.userAgent ?? '—'}
            </Text>
            <Text size="sm">
              <b>Request:</b> <Code>{selected.requestId ?? '—'}</Code>
            </Text>
            <SimpleGrid cols={2}>
              <Stack gap={4}>
                <Text size="sm" fw={600}>
                  Before
                </Text>
                <ScrollArea.Autosize mah={400}>
                  <Code block>{JSON.stringify(selected.before, null, 2)}</Code>
                </ScrollArea.Autosize>
              </Stack>
              <Stack gap={4}>
                <Text size="sm" fw={600}>
                  After
                </Text>
                <ScrollArea.Autosize mah={400}>
                  <Code block>{JSON.stringify(selected.after, null, 2)}</Code>
                </ScrollArea.Autosize>
              </Stack>
            </SimpleGrid>
          </Stack>
        ) : null}
      </Drawer>
    </>
  );
}
