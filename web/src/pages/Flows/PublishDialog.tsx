import { Alert, Badge, Button, Checkbox, Group, Modal, Stack, Switch, Table, Text } from '@mantine/core';
import { useState } from 'react';
import {
  type CopyState,
  type PublishResult,
  usePublishTemplate,
  useTemplateCopies,
} from '../../api/flows.ts';
import { ErrorAlert } from '../../ui/index.tsx';

/** Rule 22's dialog: each customer with its copy's version and whether it was edited there. */
function CopyBadge({ c, version }: { c: CopyState; version: number }) {
  if (!c.copy)
    return (
      <Badge tt="none" variant="light" color="gray">
        No copy yet
      </Badge>
    );
  if (c.copy.detached)
    return (
      <Badge tt="none" variant="light" color="grape">
        Detached — its own now
      </Badge>
    );
  if (c.copy.locallyEdited)
    return (
      <Badge tt="none" variant="light" color="orange">
        Edited there (from v{c.copy.sourceVersion})
      </Badge>
    );
  if (c.copy.sourceVersion === version)
    return (
      <Badge tt="none" variant="light" color="teal">
        Up to date (v{version})
      </Badge>
    );
  return (
    <Badge tt="none" variant="light" color="blue">
      Has v{c.copy.sourceVersion}
    </Badge>
  );
}

const OUTCOME: Record<string, { color: string; label: (r: PublishResult['results'][number]) => string }> = {
  created: { color: 'teal', label: () => 'Copy created' },
  updated: { color: 'teal', label: () => 'Copy updated' },
  unchanged: { color: 'gray', label: () => 'Already up to date' },
  skipped: {
    color: 'orange',
    label: (r) => (r.reason === 'edited_locally' ? 'Skipped: edited there' : 'Skipped: detached there'),
  },
};

export function PublishDialog({
  tenantId,
  templateId,
  name,
  opened,
  onClose,
}: {
  tenantId: string;
  templateId: string;
  name: string;
  opened: boolean;
  onClose: () => void;
}) {
  const copies = useTemplateCopies(tenantId, templateId, opened);
  const publish = usePublishTemplate(tenantId, templateId);
  const [all, setAll] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const [result, setResult] = useState<PublishResult | null>(null);
  const items = copies.data?.items ?? [];
  const version = copies.data?.version ?? 0;
  const close = () => {
    setResult(null);
    setChosen([]);
    setAll(false);
    publish.reset();
    onClose();
  };
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={<Text fw={650}>Publish “{name}” to customers</Text>}
      size="lg"
    >
      {result ? (
        <Stack data-testid="publish-results">
          <Text size="sm">
            Version {result.version} published.{' '}
            {result.skipped > 0 ? `${result.skipped} copies were skipped.` : ''}
          </Text>
          <Table>
            <Table.Tbody>
              {result.results.map((r) => (
                <Table.Tr key={r.tenantId}>
                  <Table.Td>{r.tenantName}</Table.Td>
                  <Table.Td>
                    <Badge tt="none" color={OUTCOME[r.outcome]!.color} variant="light">
                      {OUTCOME[r.outcome]!.label(r)}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {result.skipped > 0 ? (
            <Alert color="orange" variant="light">
              Skipped copies were changed or detached in the customer; republishing leaves them as they are.
            </Alert>
          ) : null}
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <Stack>
          <Text size="sm" c="dimmed">
            Each customer gets its own copy, which remembers the version it came from. Republishing updates
            copies nobody edited and lists the others.
          </Text>
          <Switch
            label="All customers (also those added later when you publish again)"
            checked={all}
            onChange={(e) => setAll(e.currentTarget.checked)}
          />
          <Table verticalSpacing={6} data-testid="publish-targets">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={40} />
                <Table.Th>Customer</Table.Th>
                <Table.Th>Its copy</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((c) => (
                <Table.Tr key={c.tenantId}>
                  <Table.Td>
                    <Checkbox
                      aria-label={`Publish to ${c.tenantName}`}
                      disabled={all}
                      checked={all || chosen.includes(c.tenantId)}
                      onChange={(e) =>
                        setChosen(
                          e.currentTarget.checked
                            ? [...chosen, c.tenantId]
                            : chosen.filter((x) => x !== c.tenantId),
                        )
                      }
                    />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {c.tenantName}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <CopyBadge c={c} version={version} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {items.length === 0 && !copies.isLoading ? (
            <Text size="sm" c="dimmed">
              No customers yet.
            </Text>
          ) : null}
          <ErrorAlert error={publish.error ?? copies.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              disabled={!all && chosen.length === 0}
              loading={publish.isPending}
              onClick={() =>
                publish.mutate(all ? { allCustomers: true } : { tenantIds: chosen }, {
                  onSuccess: (r) => setResult(r),
                })
              }
            >
              Publish version {version}
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
