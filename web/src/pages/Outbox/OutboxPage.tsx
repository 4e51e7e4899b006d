import { Alert, Anchor, Badge, Code, Drawer, Paper, Table, Text } from '@mantine/core';
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

const URL_IN_TEXT = /(https?:\/\/[^\s<>"“”]+)/;

/**
 * The text part with its links clickable, so an administrator can follow an invitation or a
 * confirmation link for someone when no SMTP server delivers it. Text only: nothing is rendered as
 * HTML, so an address or a name in an email cannot inject markup.
 */
function Linked({ text }: { text: string }) {
  // each part keyed by where it starts in the text: stable, and unique
  let at = 0;
  const parts = text.split(URL_IN_TEXT).map((part, i) => {
    const item = { at, part, link: i % 2 === 1 };
    at += part.length;
    return item;
  });
  return (
    <>
      {parts.map(({ at, part, link }) =>
        link ? (
          <Anchor
            inherit
            key={at}
            href={part.replace(/[.,;:!?)]+$/, '')}
            target="_blank"
            rel="noopener noreferrer"
          >
            {part}
          </Anchor>
        ) : (
          <span key={at}>{part}</span>
        ),
      )}
    </>
  );
}

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
          <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid="outbox-body">
            <Linked text={open.textBody} />
          </Code>
        ) : null}
      </Drawer>
    </>
  );
}
