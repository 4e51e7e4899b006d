import { Alert, Badge, Code, Drawer, Paper, Table, Text } from '@mantine/core';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { type OutboxItem, useOutbox } from '../../api/hooks.ts';
import { formatDateTime, PageHeader } from '../../ui/index.tsx';

const COLORS: Record<string, string> = {
  sent: 'teal',
  queued: 'blue',
  kept: 'gray',
  failed: 'red',
  suppressed: 'orange',
};

/** Every email of the tenant and its delivery; without SMTP the messages are kept here to read. */
export function OutboxPage() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const outbox = useOutbox(tenantId);
  const [open, setOpen] = useState<OutboxItem | null>(null);
  return (
    <>
      <PageHeader title="Outbox" description="Emails this tenant sent, and how their delivery went." />
      {outbox.data && !outbox.data.smtpConfigured ? (
        <Alert color="blue" variant="light" mb="md">
          No SMTP server is configured (SMTP_URL), so emails are kept here instead of sent. Open one to read
          it, links included.
        </Alert>
      ) : null}
      <Paper withBorder radius="lg" style={{ overflow: 'hidden' }}>
        <Table highlightOnHover verticalSpacing="sm" data-testid="outbox-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>To</Table.Th>
              <Table.Th>Subject</Table.Th>
              <Table.Th>Status</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(outbox.data?.items ?? []).map((m) => (
              <Table.Tr key={m.id} style={{ cursor: 'pointer' }} onClick={() => setOpen(m)}>
                <Table.Td>
                  <Text size="sm">{formatDateTime(m.createdAt)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{m.toAddress}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{m.subject}</Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={COLORS[m.status] ?? 'gray'} variant="light">
                    {m.status}
                  </Badge>
                  {m.lastError ? (
                    <Text size="xs" c="red">
                      {m.lastError}
                    </Text>
                  ) : null}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Drawer
        opened={open !== null}
        onClose={() => setOpen(null)}
        position="right"
        size="lg"
        title={<Text fw={600}>{open?.subject}</Text>}
      >
        {open ? (
          <Code block style={{ whiteSpace: 'pre-wrap' }}>
            {open.textBody}
          </Code>
        ) : null}
      </Drawer>
    </>
  );
}
