import { Badge, Button, Group, Modal, Paper, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlus, IconSearch } from '@tabler/icons-react';
import { useNavigate, useParams } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { useCreateTenant, useMe, useTenants } from '../../api/hooks.ts';
import { ErrorAlert, formatDate, notifyDone, PageHeader } from '../../ui/index.tsx';

export const slugify = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);

function NewCustomerModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const create = useCreateTenant();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugTouched, setSlugTouched] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name: name.trim(), slug },
      {
        onSuccess: (t) => {
          notifyDone(`${t.name} created`);
          setName('');
          setSlug('');
          setSlugTouched(false);
          onClose();
        },
      },
    );
  };
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>New customer</Text>} centered>
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Name"
            placeholder="Acme Dental"
            value={name}
            required
            data-autofocus
            onChange={(e) => {
              const v = e.currentTarget.value;
              setName(v);
              if (!slugTouched) setSlug(slugify(v));
            }}
          />
          <TextInput
            label="Slug"
            description="Used to sign in and in URLs: lowercase letters, digits and dashes"
            value={slug}
            required
            onChange={(e) => {
              setSlugTouched(true);
              setSlug(e.currentTarget.value);
            }}
          />
          <Text size="xs" c="dimmed">
            The customer gets the predefined roles and a Default group. Invite its people from the Users page.
          </Text>
          <ErrorAlert error={create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create customer
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function TenantsPage() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const me = useMe();
  const [q, setQ] = useState('');
  const tenants = useTenants(q);
  const navigate = useNavigate();
  const [opened, { open, close }] = useDisclosure(false);
  const canCreate = me.data?.tenant.kind === 'provider' && me.data.permissions.includes('tenants.manage');
  const rows = [...(tenants.data?.items ?? [])].sort((a, b) =>
    a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'provider' ? -1 : 1,
  );

  return (
    <>
      <PageHeader
        title="Tenants"
        description="Your organization and the customers you manage."
        actions={
          canCreate ? (
            <Button leftSection={<IconPlus size={16} />} onClick={open}>
              New customer
            </Button>
          ) : null
        }
      />
      <Paper withBorder radius="lg" p={0} style={{ overflow: 'hidden' }}>
        <Group p="md" style={{ borderBottom: '1px solid var(--mantine-color-gray-2)' }}>
          <TextInput
            placeholder="Search by name or slug"
            leftSection={<IconSearch size={16} />}
            value={q}
            onChange={(e) => setQ(e.currentTarget.value)}
            w={320}
            aria-label="Search tenants"
          />
          <Text size="sm" c="dimmed">
            {rows.length} tenant{rows.length === 1 ? '' : 's'}
          </Text>
        </Group>
        {/* on a narrow window the table scrolls sideways rather than cutting the badges short */}
        <Table.ScrollContainer minWidth={760}>
          <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Slug</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Created</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((t) => (
                <Table.Tr
                  key={t.id}
                  style={{ cursor: 'pointer' }}
                  data-testid={`tenant-row-${t.slug}`}
                  onClick={() => void navigate({ to: `/t/${tenantId}/tenants/${t.id}` })}
                >
                  <Table.Td fw={600}>{t.name}</Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace" c="dimmed">
                      {t.slug}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={t.kind === 'provider' ? 'violet' : 'blue'} radius="sm">
                      {t.kind}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="dot" color={t.status === 'active' ? 'teal' : 'orange'}>
                      {t.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDate(t.createdAt)}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {rows.length === 0 && !tenants.isLoading ? (
          <Text c="dimmed" ta="center" p="xl">
            No tenant matches.
          </Text>
        ) : null}
      </Paper>
      <NewCustomerModal opened={opened} onClose={close} />
    </>
  );
}
