import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Modal,
  Paper,
  Radio,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconAlertTriangle, IconKey, IconPlus } from '@tabler/icons-react';
import { useParams } from '@tanstack/react-router';
import { useState } from 'react';
import {
  type ScimToken,
  useCreateScimToken,
  useRevokeScimToken,
  useSaveScimSettings,
  useScimSettings,
  useScimTokens,
} from '../../api/scim.ts';
import { CopyValueButton } from '../../ui/copy.tsx';
import { ErrorAlert, formatDateTime, notifyDone, notifyError, PageHeader } from '../../ui/index.tsx';

function Copyable({ value, label, testId }: { value: string; label: string; testId?: string }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Code
        data-testid={testId}
        style={{ fontSize: 13, padding: '6px 10px', wordBreak: 'break-all', flex: 1 }}
        block={false}
      >
        {value}
      </Code>
      <CopyValueButton value={value} label={label} />
    </Group>
  );
}

/** Where an identity provider's SCIM client connects, and the tokens it connects with. */
export function ProvisioningPage() {
  const { tenantId } = useParams({ strict: false }) as { tenantId: string };
  const settings = useScimSettings(tenantId);
  const tokens = useScimTokens(tenantId);
  const save = useSaveScimSettings(tenantId);
  const [createOpened, createCtl] = useDisclosure(false);
  const [revoking, setRevoking] = useState<ScimToken | null>(null);
  return (
    <>
      <PageHeader
        title="Provisioning"
        description="Let an identity provider (Microsoft Entra ID, Okta, OneLogin) create, update and deprovision this tenant’s users and groups over SCIM 2.0."
        actions={
          <Button
            leftSection={<IconPlus size={16} />}
            onClick={createCtl.open}
            data-testid="create-scim-token"
          >
            Create token
          </Button>
        }
      />
      <Stack gap="lg">
        <Paper withBorder radius="lg" p="lg">
          <Title order={4} mb={4}>
            Connection
          </Title>
          <Text size="sm" c="dimmed" mb="md">
            In Entra ID, open the enterprise application’s Provisioning and enter these as Tenant URL and
            Secret Token. In Okta, use them as the SCIM connector base URL with HTTP Header authentication.
          </Text>
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
            <Stack gap={4}>
              <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                SCIM base URL
              </Text>
              {settings.data ? (
                <Copyable value={settings.data.baseUrl} label="Copy the base URL" testId="scim-base-url" />
              ) : null}
            </Stack>
            <Stack gap={4}>
              <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                Authentication
              </Text>
              <Text size="sm">
                Bearer token: <Code>Authorization: Bearer rc_scim_…</Code> — create one below for each
                identity provider.
              </Text>
            </Stack>
          </SimpleGrid>
        </Paper>

        <Paper withBorder radius="lg" style={{ overflow: 'hidden' }}>
          <Group justify="space-between" p="lg" pb="sm">
            <div>
              <Title order={4}>Tokens</Title>
              <Text size="sm" c="dimmed">
                A token acts for the identity provider: revoking it stops provisioning at once.
              </Text>
            </div>
          </Group>
          <Table verticalSpacing="sm" data-testid="scim-tokens">
            <Table.Thead>
              <Table.Tr>
                <Table.Th pl="lg">Name</Table.Th>
                <Table.Th>Token</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last activity</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(tokens.data?.items ?? []).map((tk) => (
                <Table.Tr key={tk.id} data-testid="scim-token-row">
                  <Table.Td pl="lg">
                    <Group gap="xs">
                      <IconKey size={16} color="var(--mantine-color-indigo-6)" />
                      <Text size="sm" fw={600}>
                        {tk.name}
                      </Text>
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Code>{tk.prefix}…</Code>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(tk.createdAt)}</Text>
                    {tk.createdBy ? (
                      <Text size="xs" c="dimmed">
                        by {tk.createdBy}
                      </Text>
                    ) : null}
                  </Table.Td>
                  <Table.Td>
                    {tk.lastUsedAt ? (
                      <>
                        <Text size="sm">{formatDateTime(tk.lastUsedAt)}</Text>
                        <Text size="xs" c="dimmed">
                          from {tk.lastUsedIp}
                        </Text>
                      </>
                    ) : (
                      <Badge variant="light" color="gray">
                        Never used
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td pr="lg" style={{ textAlign: 'right' }}>
                    <Button size="xs" variant="subtle" color="red" onClick={() => setRevoking(tk)}>
                      Revoke
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
              {tokens.data && tokens.data.items.length === 0 ? (
                <Table.Tr>
                  <Table.Td colSpan={5} pl="lg">
                    <Text size="sm" c="dimmed" py="sm">
                      No tokens yet. Create one and give it to the identity provider.
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ) : null}
            </Table.Tbody>
          </Table>
        </Paper>

        <Paper withBorder radius="lg" p="lg">
          <Title order={4} mb={4}>
            When the identity provider deletes a user
          </Title>
          <Text size="sm" c="dimmed" mb="md">
            Deactivating a user in the identity provider suspends it here (it can be reactivated). A delete
            goes further:
          </Text>
          {settings.data ? (
            <Radio.Group
              value={settings.data.deleteAction}
              onChange={(v) =>
                save.mutate(
                  { deleteAction: v as 'remove' | 'archive' },
                  { onSuccess: () => notifyDone('Saved'), onError: notifyError },
                )
              }
            >
              <Stack gap="sm">
                <Radio
                  value="remove"
                  label="Remove the user"
                  description="Gone from the tenant; what the user owns moves to their manager (a user who owns something and has no manager is archived instead)."
                />
                <Radio
                  value="archive"
                  label="Archive the user"
                  description="Cannot sign in, frees its licence, stays on record for the audit trail; never reactivated."
                />
              </Stack>
            </Radio.Group>
          ) : null}
        </Paper>
      </Stack>
      <CreateTokenModal tenantId={tenantId} opened={createOpened} onClose={createCtl.close} />
      <RevokeModal tenantId={tenantId} token={revoking} onClose={() => setRevoking(null)} />
    </>
  );
}

function CreateTokenModal({
  tenantId,
  opened,
  onClose,
}: {
  tenantId: string;
  opened: boolean;
  onClose: () => void;
}) {
  const create = useCreateScimToken(tenantId);
  const [name, setName] = useState('');
  const close = () => {
    create.reset();
    setName('');
    onClose();
  };
  const created = create.data;
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={created ? 'Token created' : 'Create a SCIM token'}
      size="lg"
      radius="lg"
    >
      {created ? (
        <Stack>
          <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />}>
            Copy the token now and paste it into the identity provider: it is shown only this once. Rollcall
            keeps only a hash of it.
          </Alert>
          <Copyable value={created.token} label="Copy the token" testId="scim-token-secret" />
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate(name.trim());
          }}
        >
          <Stack>
            <TextInput
              label="Name"
              description="Which identity provider uses it, e.g. “Entra ID – Contoso”."
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              required
              data-autofocus
              maxLength={100}
            />
            <ErrorAlert error={create.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending} disabled={name.trim() === ''}>
                Create token
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function RevokeModal({
  tenantId,
  token,
  onClose,
}: {
  tenantId: string;
  token: ScimToken | null;
  onClose: () => void;
}) {
  const revoke = useRevokeScimToken(tenantId);
  return (
    <Modal opened={token !== null} onClose={onClose} title="Revoke this token?" radius="lg">
      <Stack>
        <Text size="sm">
          The identity provider using <b>{token?.name}</b> can no longer provision this tenant. Users and
          groups it provisioned stay as they are.
        </Text>
        <ErrorAlert error={revoke.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={revoke.isPending}
            onClick={() =>
              token &&
              revoke.mutate(token.id, {
                onSuccess: () => {
                  notifyDone('Token revoked');
                  onClose();
                },
              })
            }
          >
            Revoke
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
