import { Badge, Button, Group, Paper, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { type Transfer, useUserOwnerships, useUserTransfers } from '../../api/ownership.ts';
import { formatInZone } from '../Users/ownership-dialogs.tsx';

const KIND: Record<Transfer['kind'], string> = {
  one_time: 'One-time transfer',
  duration: 'Transfer for a duration',
  removal: 'Removal',
};
const STATUS_COLOR: Record<Transfer['status'], string> = {
  scheduled: 'blue',
  active: 'orange',
  completed: 'teal',
  cancelled: 'gray',
  failed: 'red',
};

/** What the user owns, kind by kind, and the transfers and removals that concerned them. */
export function OwnershipsTab({
  tenantId,
  userId,
  onShowChange,
}: {
  tenantId: string;
  userId: string;
  onShowChange: () => void;
}) {
  const owned = useUserOwnerships(tenantId, userId);
  const transfers = useUserTransfers(tenantId, userId);
  const name = (p: { firstName: string; lastName: string } | null) =>
    p ? `${p.firstName} ${p.lastName}` : '—';
  return (
    <Stack>
      <Paper withBorder radius="lg" p="lg">
        <Text fw={600} mb="sm">
          Owns {owned.data ? `(${owned.data.total})` : ''}
        </Text>
        {owned.data?.total === 0 ? (
          <Text size="sm" c="dimmed">
            Nothing: removing this user needs no recipient.
          </Text>
        ) : (
          <SimpleGrid cols={{ base: 1, md: 3 }}>
            {(owned.data?.kinds ?? []).map((k) => (
              <Stack key={k.type} gap={4}>
                <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                  {k.label} ({k.items.length})
                </Text>
                {k.items.slice(0, 12).map((i) => (
                  <Text key={i.id} size="sm">
                    {i.name}
                  </Text>
                ))}
                {k.items.length > 12 ? (
                  <Text size="xs" c="dimmed">
                    and {k.items.length - 12} more
                  </Text>
                ) : null}
              </Stack>
            ))}
          </SimpleGrid>
        )}
      </Paper>
      <Paper withBorder radius="lg" p="lg">
        <Text fw={600} mb="sm">
          Transfers and removals
        </Text>
        {transfers.data?.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            None yet.
          </Text>
        ) : (
          <Table verticalSpacing={6}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>What</Table.Th>
                <Table.Th>From</Table.Th>
                <Table.Th>To</Table.Th>
                <Table.Th>When</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(transfers.data?.items ?? []).map((x) => (
                <Table.Tr key={x.id}>
                  <Table.Td>
                    <Text size="sm">{KIND[x.kind]}</Text>
                    {x.blockSignIn ? (
                      <Text size="xs" c="dimmed">
                        sign-in disabled meanwhile
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{name(x.user)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{name(x.recipient)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {formatInZone(x.startsAt, x.timeZone)}
                      {x.endsAt ? ` → ${formatInZone(x.endsAt, x.timeZone)}` : ''}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={STATUS_COLOR[x.status]}>
                      {x.status === 'active' ? 'in progress' : x.status}
                    </Badge>
                    {x.failure ? (
                      <Text size="xs" c="red">
                        {x.failure.detail}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    {x.cancellable && x.user.id === userId ? (
                      <Group justify="flex-end">
                        <Button size="compact-xs" variant="default" onClick={onShowChange}>
                          Details
                        </Button>
                      </Group>
                    ) : null}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Paper>
    </Stack>
  );
}
